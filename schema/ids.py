"""Relay global ids and opaque cursors."""

from __future__ import annotations

import base64
import binascii

from .errors import BadInput


def global_id(type_name: str, key: str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode().rstrip("=")


def parse_global_id(value: str, *expected: str) -> tuple[str, str]:
    """``(type_name, key)`` of a global id; a clear error when it is not one."""
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadInput("Not a valid id.", field="id") from None
    type_name, sep, key = text.partition(":")
    if not sep or not key or (expected and type_name not in expected):
        raise BadInput(f"Not a valid {' or '.join(expected) or 'node'} id.", field="id")
    return type_name, key


def cursor(value: int) -> str:
    return base64.urlsafe_b64encode(f"c:{value}".encode()).decode().rstrip("=")


def parse_cursor(value: str | None, field: str = "after") -> int | None:
    if value is None:
        return None
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "c":
            raise ValueError(text)
        return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadInput("Not a valid cursor.", field=field) from None
