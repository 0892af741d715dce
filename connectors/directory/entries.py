"""Turns ldap3 search entries into records, and compares DNs the way servers write them.

Everything here is pure: no connection, no I/O. Values arrive as ldap3 gives
them (decoded where it knows the syntax, raw bytes otherwise), so each reader
accepts both.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from ldap3.core import exceptions as ldap_exc
from ldap3.utils.dn import parse_dn

from .records import AttributeMap, DirectoryGroup, DirectoryPerson

_ACCOUNT_DISABLED = 0x2
_NEVER = (0, 0x7FFFFFFFFFFFFFFF)
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class EntryReader:
    """Reads person and group records out of search entries, through an attribute map."""

    def __init__(self, attributes: AttributeMap) -> None:
        self.map = attributes

    def person(self, entry: dict[str, Any]) -> DirectoryPerson:
        m = self.map
        attrs = entry["attributes"]

        def text(name: str) -> str | None:
            if not name:
                return None
            value = attrs.get(name)
            if isinstance(value, list):
                value = value[0] if value else None
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            if value is None or value == "":
                return None
            return str(value)

        control = _int(attrs.get(m.account_control)) if m.account_control else None
        display = text(m.display_name) or text(m.common_name) or text(m.account_name) or "?"
        return DirectoryPerson(
            guid=self.guid(entry),
            dn=entry["dn"],
            account_name=text(m.account_name),
            upn=text(m.upn),
            display_name=display,
            given_name=text(m.given_name),
            surname=text(m.surname),
            mail=text(m.mail),
            title=text(m.title),
            department=text(m.department),
            office=text(m.office),
            locality=text(m.locality),
            telephone=text(m.telephone),
            mobile=text(m.mobile),
            employee_id=text(m.employee_id),
            manager_dn=text(m.manager),
            enabled=not (control or 0) & _ACCOUNT_DISABLED,
            expires_at=expiry(attrs.get(m.account_expires), m.expiry_format)
            if m.account_expires
            else None,
            changed_at=timestamp(attrs.get(m.changed)),
        )

    def sort_name(self, entry: dict[str, Any]) -> str:
        """The key people are listed by: the display name as :meth:`person` reads it
        (displayName, else cn, else the account name), case-folded."""
        m = self.map
        attrs = entry["attributes"]
        for name in (m.display_name, m.common_name, m.account_name):
            value = attrs.get(name) if name else None
            if isinstance(value, list):
                value = value[0] if value else None
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            if value is not None and value != "":
                return str(value).casefold()
        return "?"

    def account_state(self, entry: dict[str, Any]) -> tuple[bool, datetime | None]:
        """(enabled, expires at) as :meth:`person` reads them, without building the record."""
        m = self.map
        attrs = entry["attributes"]
        control = _int(attrs.get(m.account_control)) if m.account_control else None
        expires = (
            expiry(attrs.get(m.account_expires), m.expiry_format) if m.account_expires else None
        )
        return not (control or 0) & _ACCOUNT_DISABLED, expires

    def leaver(self, entry: dict[str, Any], now: datetime) -> bool:
        """:meth:`DirectoryPerson.is_leaver` without building the record."""
        enabled, expires = self.account_state(entry)
        return not enabled or (expires is not None and expires <= now)

    def group(self, entry: dict[str, Any]) -> DirectoryGroup:
        attrs = entry["attributes"]
        name = attrs.get(self.map.group_name)
        description = attrs.get(self.map.description)
        if isinstance(description, list):
            description = description[0] if description else None
        return DirectoryGroup(
            guid=self.guid(entry),
            dn=entry["dn"],
            name=str(name[0] if isinstance(name, list) else name),
            description=description or None,
        )

    def guid(self, entry: dict[str, Any]) -> str:
        if self.map.guid_is_binary:
            return str(uuid.UUID(bytes_le=bytes(entry["raw_attributes"][self.map.guid][0])))
        value = entry["attributes"][self.map.guid]
        return str(uuid.UUID(str(value[0] if isinstance(value, list) else value)))

    def values(self, entry: dict[str, Any], name: str) -> list[str]:
        """Every value of a multi-valued text attribute (e.g. ``member``), as text."""
        raw = entry.get("raw_attributes", {}).get(name) or []
        return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in raw]


@functools.lru_cache(maxsize=16384)  # about 6 MB when full
def normalise_dn(dn: str) -> str:
    """A DN in a form that compares equal however the server escaped or cased it.

    Memoised: the same DNs (managers, groups, the viewer's) are normalised on every
    request, and parsing one costs about as much as a cached record lookup."""
    try:
        parts = parse_dn(dn, escape=False, strip=True)
    except ldap_exc.LDAPInvalidDnError:
        return dn.strip().casefold()
    return ",".join(f"{attr.casefold()}={_unescape(value).casefold()}" for attr, value, _ in parts)


def under(dn: str, base: str) -> bool:
    """Whether ``dn`` is ``base`` or below it (both compared normalised)."""
    d, b = normalise_dn(dn), normalise_dn(base)
    return d == b or d.endswith("," + b)


def expiry(value: Any, form: Literal["filetime", "days"] = "filetime") -> datetime | None:
    """When an account expires: AD ``accountExpires`` (FILETIME ticks, 0 and
    0x7FFFFFFFFFFFFFFF both meaning never) or ``shadowExpire`` (days since 1970,
    -1 or absent meaning never)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, datetime):  # ldap3 decodes accountExpires when it knows the schema
        if value.year >= 9999 or value.year <= 1601:
            return None
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    number = _int(value)
    if number is None:
        return None
    if form == "days":
        return None if number < 0 else _UNIX_EPOCH + timedelta(days=number)
    if number in _NEVER or number < 0:
        return None
    return _FILETIME_EPOCH + timedelta(microseconds=number // 10)


def timestamp(value: Any) -> datetime | None:
    """A GeneralizedTime (``20250101120000.0Z`` or ``20250101120000Z``) as UTC."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and len(value) >= 14:
        try:
            return datetime.strptime(value[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        except ValueError:
            return None
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _unescape(value: str) -> str:
    """Undo RFC 4514 escapes; hex pairs are UTF-8 bytes (``\\C3\\A9`` is "é")."""
    out = bytearray()
    i = 0
    while i < len(value):
        char = value[i]
        if char == "\\" and i + 1 < len(value):
            pair = value[i + 1 : i + 3]
            if len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair):
                out.append(int(pair, 16))
                i += 3
                continue
            out += value[i + 1].encode()
            i += 2
            continue
        out += char.encode()
        i += 1
    return out.decode("utf-8", "replace")


def sort_people(people: Iterable[DirectoryPerson]) -> list[DirectoryPerson]:
    return sorted(people, key=lambda p: (p.display_name.casefold(), p.guid))


def chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
