"""The response cache's hit path: a repeated registered query answered before the app.

``ResponseFastPath`` is the outermost ASGI layer of the app (``gateway.app.create_app``
puts it before the request guard). For an HTTP ``POST /graphql`` with a JSON body, or a
``GET /graphql`` with query parameters, whose credentials the response cache remembers
(``ResponseCache.remembered``: signed in successfully with these very headers, in this
generation, within the TTL, never past a token's ``exp``) and whose answer is fresh
(``ResponseCache.cached``), it sends the cached body itself in two raw ASGI messages,
with the headers the normal path's hit gets: ``content-length``, ``content-type`` (the
``Accept`` negotiation of ``choose_media_type``), ``x-request-id``, then CORS's (the
same ``CORSMiddleware`` decision, for an allowed ``Origin`` and for any other), then the
guard's security headers (``RequestGuard.security_headers``, ``with_security_headers``).
It writes the request's log line and metrics as the endpoint does (``RequestLog``).

Everything else goes to the app untouched, with the body bytes read here given back
through ``receive``: a miss, other paths (or a ``root_path``), websockets, other
methods (``HEAD``, ``OPTIONS`` and CORS preflights), a body over the limit, a chunked
body, a body that is not one JSON object in UTF-8, a ``GET`` with a body, an ``Accept``
nothing can be given for, a repeated header this layer reads. Tracing on: the layer is
not installed (every request gets its span on the normal path).

The guard's rules hold for what is read here: a ``Content-Length`` over
``max_body_bytes`` is never read (the guard refuses it), and a body not received whole
within ``body_timeout`` of the headers is answered 408 as the guard answers it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.datastructures import Headers, QueryParams
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import logs
from .graphql_http import (
    Refusal,
    RequestLog,
    choose_media_type,
    client_request_id,
    json_media,
    new_request_id,
    params_from_json,
    params_from_query,
)
from .guard import (
    API_PATH,
    MAX_LENGTH_DIGITS,
    RequestGuard,
    receive_before,
    with_security_headers,
)
from .response_cache import ResponseCache, credentials_of

log = logging.getLogger("townhall.responses")

# Request headers read here; one of them sent twice sends the request the normal way.
_READ = frozenset({b"content-length", b"content-type", b"transfer-encoding", b"accept"})
_MEDIA_MEMO = 256  # distinct Accept values remembered (cleared when full)


class _FallThrough(Exception):
    """The request goes to the app (nothing here answers it)."""


class ResponseFastPath:
    """Answers repeated registered queries whose credentials and answer are known, before
    the middleware, the router and the endpoint; passes every other request on."""

    def __init__(
        self,
        responses: ResponseCache,
        *,
        guard: dict[str, Any],
        cors: dict[str, Any] | None = None,
    ) -> None:
        self.app: ASGIApp | None = None
        self.responses = responses
        self.enabled = True
        self.answered = 0  # hits answered here (tests and benchmarks read it)
        # The same rules as the app's own layers, built from the same options: the guard's
        # limits and headers, CORS's decision (their ``app`` is never called from here).
        self._guard = RequestGuard(_never, **guard)
        self._cors = CORSMiddleware(_never, **cors) if cors else None
        self._media: dict[bytes, str | None] = {}
        self._added: dict[tuple[bool, str], list[tuple[bytes, bytes]]] = {}

    def wrap(self, app: ASGIApp) -> ResponseFastPath:
        """Starlette's middleware factory: this layer around ``app``."""
        self.app = app
        return self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.app
        assert app is not None
        if (
            scope["type"] != "http"
            or scope["path"] != API_PATH
            or scope.get("root_path")
            or not self.enabled
        ):
            await app(scope, receive, send)
            return
        read: list[Message] = []
        try:
            await self._answer(scope, receive, send, read)
        except _FallThrough:
            if read:
                await app(scope, _replay(read, receive), send)
            else:
                await app(scope, receive, send)

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, read: list[Message]
    ) -> None:
        method = scope["method"]
        if method not in ("POST", "GET"):
            raise _FallThrough
        seen: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            if name in _READ:
                if name in seen:
                    raise _FallThrough
                seen[name] = value
        responses = self.responses
        credentials = credentials_of(scope)
        if not responses.may_remember(credentials):
            raise _FallThrough  # before the generation's read (a Redis round trip when shared)
        generation = await responses.current_generation()
        if generation is None:
            raise _FallThrough
        known = responses.remembered(credentials, generation)
        if known is None:
            raise _FallThrough
        media = self._media_type(seen.get(b"accept", b""))
        if media is None or b"transfer-encoding" in seen:
            raise _FallThrough
        length = seen.get(b"content-length", b"")
        try:
            if method == "GET":
                if length not in (b"", b"0") or not scope["query_string"]:
                    raise _FallThrough
                params = params_from_query(QueryParams(scope["query_string"]))
            else:
                if (
                    not length.isdigit()
                    or len(length) > MAX_LENGTH_DIGITS
                    or int(length) > self._guard.max_body_bytes
                    or not json_media(seen.get(b"content-type", b"").decode("latin-1"))
                ):
                    raise _FallThrough
                body = await self._body(scope, receive, send, read)
                if body is None:
                    return  # refused as the guard refuses a late body
                params = params_from_json(body)
        except Refusal:
            raise _FallThrough from None
        found = responses.cached(params, generation, known)
        if found is None:
            raise _FallThrough
        op, answer = found
        entry = RequestLog(request_id=new_request_id())
        for name, value in scope["headers"]:
            if name == b"x-request-id":  # the first one, as the endpoint reads it
                entry.client_request_id = client_request_id(value.decode("latin-1"))
                break
        logs.request_id.set(entry.request_id)
        entry.viewer = known.log_name
        responses.count_hit(op, entry)
        self.answered += 1
        entry.write()
        await self._send(scope, send, answer, media, entry.request_id)

    async def _body(
        self, scope: Scope, receive: Receive, send: Send, read: list[Message]
    ) -> bytes | None:
        """The whole body, read within the guard's deadline (``None``: it was late, and
        answered 408); anything but body messages sends the request the normal way."""
        deadline = asyncio.get_running_loop().time() + self._guard.body_timeout
        while True:
            message = await receive_before(receive, deadline)
            if message is None:
                await self._guard.refuse_late_body(
                    send, API_PATH, self._guard.security_headers(scope)
                )
                return None
            read.append(message)
            if message["type"] != "http.request":
                raise _FallThrough
            if not message.get("more_body", False):
                break
        if len(read) == 1:
            body: bytes = read[0].get("body", b"")
        else:
            body = b"".join(m.get("body", b"") for m in read)
        if len(body) > self._guard.max_body_bytes:
            raise _FallThrough  # the guard refuses it
        return body

    def _media_type(self, accept: bytes) -> str | None:
        media = self._media.get(accept, "")
        if media == "":
            if len(self._media) >= _MEDIA_MEMO:
                self._media.clear()
            media = self._media[accept] = choose_media_type(accept.decode("latin-1"))
        return media

    async def _send(
        self, scope: Scope, send: Send, body: bytes, media: str, request_id: str
    ) -> None:
        """The cached answer with the headers the normal path gives a hit, in its order:
        the response's own, then CORS's, then the guard's."""
        headers = [
            (b"content-length", b"%d" % len(body)),
            (b"content-type", f"{media}; charset=utf-8".encode("latin-1")),
            (b"x-request-id", request_id.encode("latin-1")),
        ]
        guard_headers = self._guard.security_headers(scope)
        if self._cors is None:
            # What the guard adds depends only on the scheme and the media type: worked
            # out once by the guard's own function, then added as it would add it.
            key = (scope.get("scheme") == "https", media)
            added = self._added.get(key)
            if added is None:
                added = self._added[key] = with_security_headers(headers, guard_headers, API_PATH)[
                    len(headers) :
                ]
            headers += added
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return

        async def send_decorated(message: Message) -> None:
            message["headers"] = with_security_headers(message["headers"], guard_headers, API_PATH)
            await send(message)

        start: Message = {"type": "http.response.start", "status": 200, "headers": headers}
        await self._cors.send(start, send_decorated, Headers(scope=scope))
        await send({"type": "http.response.body", "body": body})


def _replay(read: list[Message], receive: Receive) -> Receive:
    """``receive`` that gives the messages already read first."""
    pending = list(read)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


async def _never(scope: Scope, receive: Receive, send: Send) -> None:  # pragma: no cover
    raise RuntimeError("the fast path's copies of the app's layers never call on")
