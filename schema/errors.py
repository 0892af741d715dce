"""Errors a client may see, and the masking of every other error.

Expected failures carry ``extensions.code``: ``SOURCE_UNAVAILABLE`` (with the
``source`` and a ``reason``: unavailable, timeout, circuit_open, rejected, not_found),
``BAD_USER_INPUT``, ``NOT_FOUND``, ``FORBIDDEN``. Anything else is masked as
``INTERNAL_ERROR``, logged with a correlation id that the client also receives.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable
from typing import Any, TypeVar

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from connectors.directory import DirectoryError, DirectoryTimeout
from connectors.documents import DocumentError, DocumentTimeout
from connectors.hr import HRError, HRTimeout
from connectors.social import SocialError

log = logging.getLogger("townhall.errors")
T = TypeVar("T")

UPSTREAM_ERRORS = (DirectoryError, HRError, DocumentError, SocialError)
_TIMEOUTS = (DirectoryTimeout, HRTimeout, DocumentTimeout)


class ClientError(Exception):
    """An error whose message and extensions are safe to show a client."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = {"code": self.code, **extensions}


class BadInput(ClientError):
    code = "BAD_USER_INPUT"


class Forbidden(ClientError):
    code = "FORBIDDEN"


class SourceUnavailable(ClientError):
    code = "SOURCE_UNAVAILABLE"

    @classmethod
    def from_error(cls, error: Exception) -> SourceUnavailable:
        source = getattr(error, "source", "unknown")
        reason = "timeout" if isinstance(error, _TIMEOUTS) else _reason(error)
        return cls(
            f"The {source} source is not answering; its fields are empty.",
            source=source,
            reason=reason,
        )


_REASONS = frozenset({"unavailable", "timeout", "circuit_open", "rejected", "not_found"})


def _reason(error: Exception) -> str:
    declared = getattr(error, "reason", None)
    if declared in _REASONS:  # a connector error that names its reason (e.g. HR's)
        return str(declared)
    name = type(error).__name__.lower()
    for word in ("rejected", "notfound"):
        if word in name:
            return {"notfound": "not_found"}.get(word, word)
    return "unavailable"


async def upstream(awaitable: Awaitable[T]) -> T:
    """Await a loader, turning an upstream failure into a client-safe source error."""
    try:
        return await awaitable
    except UPSTREAM_ERRORS as exc:
        # Debug only: a failing source fails every field it feeds, and the request log
        # already counts the errors once per request.
        log.debug("upstream %s failed: %s", getattr(exc, "source", "?"), exc)
        raise SourceUnavailable.from_error(exc) from exc


class MaskInternalErrors(SchemaExtension):
    """Replace unexpected errors with a generic one carrying a correlation id."""

    def on_operation(self):  # type: ignore[no-untyped-def]
        yield
        result = self.execution_context.result
        if not result or not result.errors:
            return
        masked: list[GraphQLError] = []
        logged = 0
        for error in result.errors:
            original = error.original_error
            if original is None or isinstance(original, ClientError):
                masked.append(error)
                continue
            correlation = uuid.uuid4().hex[:16]
            if not logged:  # one traceback per request: the log never grows with a response
                log.error("unexpected error %s at %s", correlation, error.path, exc_info=original)
            logged += 1
            masked.append(
                GraphQLError(
                    "Unexpected error.",
                    nodes=error.nodes,
                    path=error.path,
                    extensions={"code": "INTERNAL_ERROR", "correlationId": correlation},
                )
            )
        if logged > 1:
            log.error("%d more unexpected errors in the same operation", logged - 1)
        result.errors = masked
