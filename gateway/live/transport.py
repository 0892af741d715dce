"""GraphQL subscriptions over WebSocket on ``/graphql``: the graphql-transport-ws endpoint.

``LiveEndpoint`` is the ASGI app of ``/graphql``'s WebSocket route. Before the upgrade is
accepted, the page that opened it must be the gateway's own or a configured portal
(``Origin``, judged by ``gateway.origins``; otherwise HTTP 403, a cross-site WebSocket
hijacking defence) and the client must speak ``graphql-transport-ws`` (otherwise the
socket is closed with 4406). Each accepted socket is a ``LiveConnection``
(``gateway.live.ws_connection``), which signs in at ``connection_init`` through
``sign_in`` here (the HTTP path's ``Authenticator``: the same token rules), and asks
``stream`` here to run each ``subscribe``.

A subscription goes the HTTP request's way in (``GraphQLEndpoint.prepare_operation``:
parameters, trusted documents and APQ, the shared parse and validation cache, depth,
aliases and cost), then the viewer's budget; only then does the schema's ``subscribe``
run. Each event's result is held to the HTTP answer's rules: unexpected errors masked
with a correlation id, restricted reads written to the audit trail (else the event is
withheld), ``limits.max_objects`` and ``limits.max_response_bytes`` per event.

The transport is Townhall's own rather than Strawberry's graphql-transport-ws handler:
that one parses and validates documents itself, through Strawberry's view classes,
which Townhall's HTTP path does not use (no trusted documents, no measured limits, no
per-viewer budget), and has no bounded outbox, no per-viewer connection limit and no
way to close for an expired token; adapting it would have overridden nearly all of it.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncGenerator
from typing import Any

from graphql import GraphQLError, OperationType
from starlette.requests import HTTPConnection
from starlette.types import Receive, Scope, Send
from strawberry.schema.base import BaseSchema
from strawberry.types.execution import ExecutionResult, PreExecutionError

from schema.audit import write_audit
from schema.context import Context, StaleSources
from schema.errors import ClientError
from schema.execution import OperationGuard

from .. import logs
from ..auth import Authenticator, Credentials, SignedIn
from ..graphql_http import Budget, GraphQLEndpoint, Refusal, RequestLog
from ..loaders import build_loaders
from ..origins import OriginPolicy
from ..settings import Settings
from ..signin import SignIn
from .events import SlowConsumer
from .ws_connection import LiveConnection, SlowSubscriber, Stats
from .ws_protocol import SUBPROTOCOL, Close, encode

log = logging.getLogger("townhall.live")

USE_HTTP = (
    "Only subscriptions are served over WebSocket: send queries and mutations to /graphql "
    "over HTTP."
)


class LiveEndpoint:
    """The ``/graphql`` WebSocket endpoint (ASGI)."""

    def __init__(
        self,
        settings: Settings,
        *,
        schema: BaseSchema,
        graphql: GraphQLEndpoint,
        sign_in: SignIn,
        authenticator: Authenticator,
        origins: OriginPolicy,
        budgets: Budget | None = None,
    ) -> None:
        self._settings = settings
        self._schema = schema
        self._graphql = graphql
        self._sign_in = sign_in
        self._auth = authenticator
        self._origins = origins
        self._budgets = budgets
        self._per_viewer: dict[str, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            return
        connection = HTTPConnection(scope)
        upgrade = self._auth.credentials(connection)
        origin = connection.headers.get("origin")
        # Browsers always send Origin with a WebSocket; a client that sends none is not a
        # page another site made, and holds its own credentials.
        if origin is not None and not self._origins.allows(
            origin, host=upgrade.host, scheme=upgrade.scheme
        ):
            log.info("refused a WebSocket from origin %r", origin[:100])
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008})  # before accept: HTTP 403
            return
        await receive()  # websocket.connect
        if SUBPROTOCOL not in scope.get("subprotocols", ()):
            log.info("refused a WebSocket without the %s subprotocol", SUBPROTOCOL)
            await send({"type": "websocket.accept"})
            await send(
                {
                    "type": "websocket.close",
                    "code": Close.SUBPROTOCOL_NOT_ACCEPTABLE,
                    "reason": "Subprotocol not acceptable",
                }
            )
            return
        await send({"type": "websocket.accept", "subprotocol": SUBPROTOCOL})
        live = LiveConnection(self, self._settings.live, receive, send, upgrade)
        await live.run()

    # What a LiveConnection asks (ws_connection.Gateway)

    async def sign_in(self, credentials: Credentials) -> SignedIn:
        upstreams = self._sign_in.upstreams
        if upstreams is None:
            raise RuntimeError("Townhall is starting")
        loaders = build_loaders(upstreams, self._settings, lambda: "", StaleSources())
        return await self._auth.sign_in(credentials, loaders.directory)

    def admit(self, guid: str) -> bool:
        """Count a connection of this viewer, unless they hold as many as allowed."""
        held = self._per_viewer.get(guid, 0)
        if held >= self._settings.live.max_connections_per_viewer:
            return False
        self._per_viewer[guid] = held + 1
        return True

    def leave(self, guid: str) -> None:
        held = self._per_viewer.get(guid, 0) - 1
        if held > 0:
            self._per_viewer[guid] = held
        else:
            self._per_viewer.pop(guid, None)

    async def stream(
        self, connection: LiveConnection, payload: dict[str, Any], stats: Stats
    ) -> AsyncGenerator[str | list[dict[str, Any]] | None, None]:
        signed_in = connection.signed_in
        assert signed_in is not None
        entry = RequestLog(request_id=f"{stats.id}.{uuid.uuid4().hex[:4]}")
        logs.request_id.set(entry.request_id)
        stats.operation = "-"
        context = self._context(signed_in, entry)
        prepared = await self._graphql.prepare_operation(context, payload, entry)
        stats.operation = entry.operation = prepared.name or "anonymous"
        if prepared.operation.operation is not OperationType.SUBSCRIPTION:
            raise Refusal(400, "BAD_REQUEST", USE_HTTP)
        if self._budgets is not None:
            key = self._sign_in.viewer_key(context)
            decision = await self._budgets.spend(key, prepared.shape.cost)
            if not decision.allowed:
                raise Refusal(
                    429,
                    "RATE_LIMITED",
                    f"Too much asked of Townhall this minute: try again in "
                    f"{decision.retry_after} s.",
                    retryAfter=decision.retry_after,
                )
        guard = OperationGuard(max_objects=self._settings.limits.max_objects)
        context.guard = guard
        context.document = prepared.document
        results = await self._schema.subscribe(
            prepared.text,
            variable_values=prepared.variables,
            context_value=context,
            operation_name=prepared.name,
        )
        yield None  # started
        if isinstance(results, ExecutionResult):  # not a stream: an error before it began
            yield _masked(results.errors or [], entry.request_id)
            return
        try:
            async for result in results:
                if isinstance(result, PreExecutionError):
                    yield _masked(result.errors or [], entry.request_id)
                    return
                if any(_slow(error) for error in result.errors or ()):
                    raise SlowSubscriber
                if _stream_failed(result):  # the subscription's source ended in an error
                    yield _masked(result.errors or [], entry.request_id)
                    return
                yield await self._event(context, guard, result, entry.request_id)
                guard.objects, guard.tripped = 0, False  # each event has its own allowance
        finally:
            await results.aclose()
            context.release()

    def _context(self, signed_in: SignedIn, entry: RequestLog) -> Context:
        """The subscription's context, as the HTTP path builds a request's."""
        return self._sign_in.context_for(signed_in.person, entry.request_id)

    async def _event(
        self, context: Context, guard: OperationGuard, result: ExecutionResult, request_id: str
    ) -> str:
        """One event's result as JSON, held to the rules of an HTTP answer."""
        limits = self._settings.limits
        try:
            await write_audit(context)
        except Exception:
            log.exception("subscription %s: the audit trail could not be written", request_id)
            return _failed(
                "AUDIT_UNAVAILABLE",
                "The event holds data whose reading must be recorded, and the record could "
                "not be written.",
            )
        if guard.tripped:
            return _failed(
                "TOO_MANY_OBJECTS",
                f"The event resolved more than {limits.max_objects} values; ask for fewer fields.",
            )
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = _masked(result.errors, request_id)
        text = encode(body)
        if len(text.encode()) > limits.max_response_bytes:
            return _failed(
                "RESPONSE_TOO_LARGE",
                f"The event would exceed {limits.max_response_bytes} bytes; ask for fewer fields.",
            )
        return text


def _slow(error: GraphQLError) -> bool:
    """The event hub's ``SlowConsumer``, as the subscription's stream reports it."""
    return isinstance(error.original_error, SlowConsumer)


def _stream_failed(result: ExecutionResult) -> bool:
    """A result made of the error that ended the subscription's source (its field refused
    its arguments, the hub is gone), not of an event: no data, and no error at a field's
    path. It is sent as ``error``, which ends the subscription for the client."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(not e.path for e in errors)


def _masked(errors: list[GraphQLError], request_id: str) -> list[dict[str, Any]]:
    """Errors as a client may see them: unexpected ones replaced by a generic one with a
    correlation id, and logged (one traceback per event)."""
    shown: list[dict[str, Any]] = []
    logged = False
    for error in errors:
        original = error.original_error
        if original is None or isinstance(original, ClientError):
            shown.append(dict(error.formatted))
            continue
        correlation = uuid.uuid4().hex[:16]
        if not logged:
            logged = True
            log.error(
                "subscription %s: unexpected error %s at %s",
                request_id,
                correlation,
                error.path,
                exc_info=original,
            )
        shown.append(
            {
                "message": "Unexpected error.",
                "path": error.path,
                "extensions": {"code": "INTERNAL_ERROR", "correlationId": correlation},
            }
        )
    return shown


def _failed(code: str, message: str) -> str:
    return json.dumps(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}
    )
