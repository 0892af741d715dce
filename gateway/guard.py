"""The request guard: what every HTTP exchange must obey before the app sees it.

``RequestGuard`` is the outermost of the app's middleware (a pure ASGI one: no
per-request task or thread). It owns:

- the body limit: a ``Content-Length`` over ``max_body_bytes`` is answered 413 at once,
  without reading a byte of the body (nor sending ``100 Continue``); a chunked body is
  counted as it arrives and refused as soon as it passes the limit;
- the body deadline: a body not received whole within ``body_timeout`` seconds of the
  request's headers is answered 408;
- the security headers on every response it passes: ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: no-referrer``, ``Strict-Transport-Security`` over https, and
  ``Cache-Control: no-store`` on API answers (JSON), never replacing a header the app set.

Both refusals close the connection (``Connection: close``), so the server stops reading
what is left of the body, and are JSON in GraphQL's error shape. The app then sees its
client gone (``http.disconnect``) and whatever it sends is dropped. Refusals are logged
at INFO, once. Header read timeouts belong to the HTTP protocol (``gateway.serving``):
the app is called only once a request's headers are complete.

Starlette's own ``max_body_size`` was not used: it refuses only when the app reads the
body, in plain text, and keeps the connection open, so the server goes on reading the
rest of a body it refused.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("townhall.http")

# Answers whose caching is their own business: GraphiQL's assets (cached for a year under
# versioned URLs), signed photos and document downloads.
OWN_CACHING_PREFIXES = ("/static/", "/photos/", "/documents/content/")
API_PATH = "/graphql"

_NOSNIFF = (b"x-content-type-options", b"nosniff")
# The API needs no Referer anywhere, and the URLs it hands out (photos, downloads) carry
# signatures that a Referer would carry to whatever site a page links to next; GraphiQL's
# page says the same. Same-origin fetches still carry their Origin.
_REFERRER = (b"referrer-policy", b"no-referrer")
_NO_STORE = (b"cache-control", b"no-store")
_DISCONNECT: Message = {"type": "http.disconnect"}
MAX_LENGTH_DIGITS = 18  # a Content-Length longer than this is over any limit


def error_body(message: str, code: str) -> bytes:
    """A refusal in GraphQL's error shape."""
    return json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()


def _is_api_answer(path: str, content_type: bytes) -> bool:
    """JSON (or GraphQL's streamed answers) and anything from /graphql but its HTML page."""
    if path.startswith(OWN_CACHING_PREFIXES):
        return False
    kind = content_type.split(b";", 1)[0].strip().lower()
    if kind == b"application/json" or kind.endswith(b"+json"):
        return True
    return path == API_PATH and kind != b"text/html"


class RequestGuard:
    """Body limit, body deadline and security headers for every HTTP request."""

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, body_timeout: float, hsts_max_age: int
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self._http_headers = [_NOSNIFF, _REFERRER]
        self._https_headers = [
            *self._http_headers,
            (b"strict-transport-security", b"max-age=%d" % hsts_max_age),
        ]
        self._too_large = error_body(
            f"The request body is larger than {max_body_bytes} bytes.", "PAYLOAD_TOO_LARGE"
        )
        self._too_slow = error_body(
            f"The request body did not arrive within {body_timeout:g} seconds.",
            "REQUEST_TIMEOUT",
        )

    def security_headers(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        """The headers every answer to this request gets (HSTS over https)."""
        return self._https_headers if scope.get("scheme") == "https" else self._http_headers

    async def refuse_late_body(
        self, send: Send, path: str, extra: list[tuple[bytes, bytes]]
    ) -> None:
        """Answer 408: the body did not arrive within ``body_timeout`` of the headers."""
        log.info("request body not received within %gs (%r)", self.body_timeout, path)
        await _refuse(send, 408, self._too_slow, extra)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.security_headers(scope)
        path: str = scope.get("path", "")
        root = scope.get("root_path", "")
        if root and path.startswith(root):  # served under a proxy's prefix
            path = path[len(root) :]
        length = -1
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit():
                # More digits than any real body has: over every limit (int() itself
                # refuses more than 4,300 digits).
                length = int(value) if len(value) <= MAX_LENGTH_DIGITS else sys.maxsize
            elif name == b"transfer-encoding":
                chunked = True
        if length > self.max_body_bytes:
            log.info("refused a %d-byte request body (%r)", length, path)
            await _refuse(send, 413, self._too_large, extra)
            return

        started = False  # the response has begun: a refusal can no longer be sent
        refused = False  # the guard answered: the app's own answer is dropped

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = with_security_headers(message.get("headers", ()), extra, path)
            await send(message)

        if length <= 0 and not chunked:  # no body: nothing to count or wait for
            await self.app(scope, receive, send_with_headers)
            return

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout
        received = 0
        complete = False

        async def refuse(status: int, body: bytes) -> Message:
            nonlocal refused
            if not started:
                refused = True
                if status == 408:
                    await self.refuse_late_body(send, path, extra)
                else:
                    await _refuse(send, status, body, extra)
            return _DISCONNECT

        async def receive_within_limits() -> Message:
            nonlocal received, complete
            if complete or refused:  # waiting for a disconnect: no deadline applies
                return await receive()
            message = await receive_before(receive, deadline)
            if message is None:
                return await refuse(408, self._too_slow)
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    log.info("refused a request body over %d bytes (%r)", received, path)
                    return await refuse(413, self._too_large)
                complete = not message.get("more_body", False)
            return message

        try:
            await self.app(scope, receive_within_limits, send_with_headers)
        except Exception:
            if not refused:
                raise
            # The app failed reading a body the guard refused (a ClientDisconnect, say):
            # that is the refusal's consequence, already answered and logged.
            log.debug("the app stopped after a refused request body", exc_info=True)


def with_security_headers(
    headers: Iterable[tuple[bytes, bytes]], extra: list[tuple[bytes, bytes]], path: str
) -> list[tuple[bytes, bytes]]:
    """An answer's headers with the guard's added (never replacing one the app set)."""
    headers = list(headers)
    names = set()
    content_type = b""
    for name, value in headers:
        name = name.lower()
        names.add(name)
        if name == b"content-type":
            content_type = value
    headers += [h for h in extra if h[0] not in names]
    if b"cache-control" not in names and _is_api_answer(path, content_type):
        headers.append(_NO_STORE)
    return headers


async def _refuse(send: Send, status: int, body: bytes, extra: list[tuple[bytes, bytes]]) -> None:
    """Answer with ``body`` and close the connection: what is left of the request body
    is never read."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                _NO_STORE,
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def receive_before(receive: Receive, deadline: float) -> Message | None:
    """``receive()``, given up at the event loop's time ``deadline``: the message, or
    ``None`` when it did not come in time. A timer that cancels the wait, as
    ``asyncio.timeout`` does, for half the cost."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    expired = False

    def expire() -> None:
        nonlocal expired
        expired = True
        task.cancel()

    timer = loop.call_at(deadline, expire)
    try:
        return await receive()
    except asyncio.CancelledError:
        if not expired:
            raise
        task.uncancel()
        return None
    finally:
        timer.cancel()
