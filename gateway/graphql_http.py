"""GraphQL over HTTP at ``/graphql``: every request's way in, and its one log line.

The path, in order; each step refuses with a clear GraphQL error and nothing runs
after a refusal:

1. method (GET or POST, else 405) and the media type to answer in
   (``application/graphql-response+json`` or ``application/json``, else 406);
2. sign-in (401/403);
3. the request's parameters: JSON only (415), well-formed UTF-8 JSON (400), an
   object with the spec's keys and types (400);
4. the document: sent as text, or by hash (trusted documents and APQ);
5. parse, validate, select, coerce variables, measure depth, aliases and cost
   (``gateway.operations``);
6. the viewer's budget in cost units (429 with ``Retry-After``);
7. execution under a deadline and a cap on values resolved, then the response,
   refused whole if it outgrows its byte limit.

Status codes follow the GraphQL-over-HTTP specification: with
``application/graphql-response+json`` a request error (no ``data``) is a 4xx; with
``application/json`` every well-formed request is answered 200.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from graphql import OperationType
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.schema.base import BaseSchema
from strawberry.types.graphql import OperationType as AllowedOperation

from connectors.social import SocialError
from schema.audit import write_audit
from schema.context import Context
from schema.execution import OperationGuard, execute_prepared

from . import logs
from .metrics import observe_request
from .operations import OperationPreparer, OperationRefused, Prepared
from .response_cache import ResponseCache
from .settings import Settings
from .tracing import incoming_context, tracer, traces_resolvers

log = logging.getLogger("townhall.requests")

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
_PARAMS = {"query", "operationName", "variables", "extensions"}
_QUERY_AND_MUTATION = (AllowedOperation.QUERY, AllowedOperation.MUTATION)
_QUERY_ONLY = (AllowedOperation.QUERY,)


class Refusal(Exception):
    """A refused request: its HTTP status, its errors, and headers to add."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.headers = headers or {}
        self.errors = errors or [{"message": message, "extensions": {"code": code, **extensions}}]


class Budget(Protocol):
    """What the endpoint needs of per-viewer budgets (``gateway.budgets``)."""

    async def spend(self, viewer_key: str, cost: int) -> Any: ...


class Documents(Protocol):
    """What the endpoint needs of trusted documents (``gateway.trusted``)."""

    async def resolve(self, query: object, extensions: object, *, may_register: bool) -> Any: ...


@dataclass(slots=True)
class RequestLog:
    """The fields of a request's one log line."""

    request_id: str
    client_request_id: str = ""
    viewer: str = "-"
    operation: str = "-"
    document_hash: str = "-"
    cost: int = 0
    status: int = 200
    outcome: str = "ok"
    errors: int = 0
    objects: int = 0
    started: float = field(default_factory=time.perf_counter)

    def write(self) -> None:
        seconds = time.perf_counter() - self.started
        observe_request(self.operation, self.status, self.outcome, seconds)
        ms = seconds * 1000
        fields = {
            "operation": self.operation,
            "document_hash": self.document_hash,
            "cost": self.cost,
            "objects": self.objects,
            "ms": round(ms, 1),
            "status": self.status,
            "outcome": self.outcome,
            "errors": self.errors,
            "viewer": self.viewer,
            **({"client_request_id": self.client_request_id} if self.client_request_id else {}),
        }
        log.info(
            "graphql id=%s op=%s hash=%s cost=%d objects=%d ms=%.1f status=%d outcome=%s "
            "errors=%d viewer=%s%s",
            self.request_id,
            self.operation,
            self.document_hash,
            self.cost,
            self.objects,
            ms,
            self.status,
            self.outcome,
            self.errors,
            self.viewer,
            f" client_id={self.client_request_id}" if self.client_request_id else "",
            extra=fields,
        )


def choose_media_type(accept: str) -> str | None:
    """The response type a request's ``Accept`` asks for (``None``: none we can give)."""
    if not accept.strip():
        return JSON
    best: tuple[float, int, str] | None = None
    for part in accept.split(",")[:32]:
        media, _, params = part.strip().partition(";")
        media = media.strip().lower()
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        if media == GRAPHQL_RESPONSE:
            candidate = (quality, 1, GRAPHQL_RESPONSE)
        elif media in (JSON, "application/*", "*/*"):
            candidate = (quality, 0, JSON)
        else:
            continue
        if best is None or candidate > best:
            best = candidate
    return best[2] if best else None


def client_request_id(value: str | None) -> str:
    """A caller's own request id, kept beside the server's when it is short and plain."""
    if not value or len(value) > 64 or not all(c.isalnum() or c in "-_.:" for c in value):
        return ""
    return value


class GraphQLEndpoint:
    """The ``/graphql`` ASGI endpoint."""

    def __init__(
        self,
        schema: BaseSchema,
        settings: Settings,
        *,
        sign_in: Callable[[Request, RequestLog], Awaitable[Context]],
        may_discover: Callable[[Context], Awaitable[bool]],
        viewer_key: Callable[[Context], str],
        budgets: Budget | None = None,
        documents: Documents | None = None,
        graphiql: Callable[[Request], Awaitable[Response]] | None = None,
        responses: ResponseCache | None = None,
    ) -> None:
        self._schema = schema
        self._settings = settings
        self._limits = settings.limits
        self._preparer = OperationPreparer(schema._schema, settings.limits)  # type: ignore[attr-defined]
        self._sign_in = sign_in
        self._may_discover = may_discover
        self._viewer_key = viewer_key
        self._budgets = budgets
        self._documents = documents
        self._graphiql = graphiql
        self._responses = responses  # answers of registered queries (gateway.response_cache)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # no subscriptions over websockets yet
            return
        request = Request(scope, receive)
        entry = RequestLog(
            request_id=new_request_id(),
            client_request_id=client_request_id(request.headers.get("x-request-id")),
        )
        logs.request_id.set(entry.request_id)  # every event of this request carries it
        with tracer.start_as_current_span(
            "graphql",
            context=incoming_context(request.headers, self._settings.tracing),
            kind=SpanKind.SERVER,
        ) as span:
            try:
                response = await self._answer(request, entry)
            except ClientDisconnect:  # the caller left before sending its whole request
                log.debug("client disconnected before its request was read")
                return
            response.headers["X-Request-Id"] = entry.request_id
            entry.status = response.status_code
            if span.is_recording():
                _describe(span, entry)
            if entry.outcome != "page":
                entry.write()
        await response(scope, receive, send)

    async def _answer(self, request: Request, entry: RequestLog) -> Response:
        media = choose_media_type(request.headers.get("accept", ""))
        try:
            if request.method not in ("GET", "POST"):
                raise Refusal(
                    405,
                    "METHOD_NOT_ALLOWED",
                    "Use GET or POST.",
                    headers={"Allow": "GET, POST"},
                )
            if (
                request.method == "GET"
                and self._graphiql is not None
                and not request.query_params
                and "text/html" in request.headers.get("accept", "")
            ):
                entry.outcome = "page"
                return await self._graphiql(request)
            if media is None:
                raise Refusal(
                    406,
                    "NOT_ACCEPTABLE",
                    f"Accept {GRAPHQL_RESPONSE} or {JSON}.",
                )
            if self._responses is not None:  # signs in and reads the parameters as below
                return await self._responses.answer(
                    request, media, entry, self._sign_in, self._params, self._run
                )
            context = await self._sign_in(request, entry)
            params = await self._params(request)
            return await self._run(request, context, params, media, entry)
        except Refusal as refusal:
            entry.outcome = refusal.code
            entry.errors = len(refusal.errors)
            return self._respond(
                {"errors": refusal.errors}, refusal.status, media or JSON, refusal.headers
            )

    async def _params(self, request: Request) -> dict[str, Any]:
        if request.method == "GET":
            return params_from_query(request.query_params)
        content_type = request.headers.get("content-type", "")
        media, _, parameters = content_type.partition(";")
        if media.strip().lower() != JSON:
            raise Refusal(415, "UNSUPPORTED_MEDIA_TYPE", f"Send the request as {JSON}.")
        charset = _charset(parameters)
        if charset not in ("", "utf-8", "utf8"):
            raise Refusal(415, "UNSUPPORTED_MEDIA_TYPE", "Send the request in UTF-8.")
        return params_from_json(await request.body())

    async def _run(
        self,
        request: Request,
        context: Context,
        params: dict[str, Any],
        media: str,
        entry: RequestLog,
    ) -> Response:
        text = await self._document(context, params, entry)
        prepared = await self._prepare(context, text, params)
        entry.operation = prepared.name or "anonymous"
        entry.cost = prepared.shape.cost
        if prepared.operation.operation is OperationType.SUBSCRIPTION:
            raise Refusal(400, "BAD_REQUEST", "Subscriptions are not served over HTTP.")
        if request.method == "GET" and not prepared.is_query:
            raise Refusal(
                405,
                "METHOD_NOT_ALLOWED",
                "Mutations are sent with POST.",
                headers={"Allow": "POST"},
            )
        headers: dict[str, str] = {}
        if self._budgets is not None:
            decision = await self._budgets.spend(self._viewer_key(context), prepared.shape.cost)
            headers.update(decision.headers())
            if not decision.allowed:
                raise Refusal(
                    429,
                    "RATE_LIMITED",
                    f"Too much asked of Townhall this minute: try again in "
                    f"{decision.retry_after} s.",
                    headers=headers,
                    retryAfter=decision.retry_after,
                )
        body = await self._execute(context, prepared, entry)
        return self._respond(body, 200, media, headers, entry)

    async def prepare_operation(
        self, context: Context, params: dict[str, Any], entry: RequestLog
    ) -> Prepared:
        """Parameters checked, the document resolved (trusted documents, APQ) and prepared
        (parse, validate, measure) as every HTTP request's are, or a ``Refusal``: the way
        in of operations that arrive by other transports (WebSocket subscriptions)."""
        _check_params(params)
        text = await self._document(context, params, entry)
        return await self._prepare(context, text, params)

    async def _document(self, context: Context, params: dict[str, Any], entry: RequestLog) -> str:
        query, extensions = params.get("query"), params.get("extensions")
        if self._documents is None:
            if query is None:
                raise Refusal(400, "BAD_REQUEST", "The request has no `query`.")
            return str(query)
        resolved = await self._documents.resolve(query, extensions, may_register=False)
        refusal = resolved.refusal
        # Analysts may send documents of their own: ask only when it matters.
        if (
            refusal is not None
            and refusal.code == "OPERATION_NOT_REGISTERED"
            and await self._may_discover(context)
        ):
            resolved = await self._documents.resolve(query, extensions, may_register=True)
        if resolved.refusal is not None:
            refusal = resolved.refusal
            status = 403 if refusal.status == 403 else 400
            raise Refusal(
                status,
                str(refusal.code),
                refusal.message,
                headers=refusal.headers(),
                errors=[refusal.error()],
            )
        if resolved.operation is not None and resolved.operation.name:
            entry.operation = resolved.operation.name
        entry.document_hash = (resolved.sha256 or "-")[:16]
        return str(resolved.document)

    async def _prepare(self, context: Context, text: str, params: dict[str, Any]) -> Prepared:
        discovery = self._settings.discovery_for_all
        try:
            return self._preparer.prepare(
                text, params.get("operationName"), params.get("variables"), discovery=discovery
            )
        except OperationRefused as refused:
            if discovery or refused.code not in _DISCOVERY_CODES:
                raise Refusal(400, refused.code, refused.code, errors=refused.errors) from None
            # Analysts may introspect and get suggestions: ask only when it matters.
            if not await self._may_discover(context):
                raise Refusal(400, refused.code, refused.code, errors=refused.errors) from None
        try:
            return self._preparer.prepare(
                text, params.get("operationName"), params.get("variables"), discovery=True
            )
        except OperationRefused as refused:
            raise Refusal(400, refused.code, refused.code, errors=refused.errors) from None

    async def _execute(
        self, context: Context, prepared: Prepared, entry: RequestLog
    ) -> dict[str, Any]:
        guard = OperationGuard(
            max_objects=self._limits.max_objects,
            trace_fields=traces_resolvers(trace.get_current_span(), self._settings.tracing),
        )
        context.guard = guard
        context.document = prepared.document
        allowed = (
            _QUERY_AND_MUTATION
            if context.request is None or context.request.method == "POST"
            else _QUERY_ONLY
        )
        try:
            async with asyncio.timeout(self._limits.operation_timeout):
                result = await execute_prepared(
                    self._schema,
                    text=prepared.text,
                    document=prepared.document,
                    operation=prepared.operation.operation,
                    variables=prepared.variables,
                    context=context,
                    operation_name=prepared.name,
                    allowed=allowed,
                )
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # the server is stopping, or the client left
            # A waiter's cancellation reached another field (see SharedLoader): answer one
            # masked error, not a 500.
            log.error("operation %s: a field was cancelled from outside", entry.request_id)
            entry.outcome = "INTERNAL_ERROR"
            entry.errors = 1
            return _failed("INTERNAL_ERROR", "Unexpected error.")
        except TimeoutError:
            entry.outcome = "OPERATION_TIMEOUT"
            entry.errors = 1
            return _failed(
                "OPERATION_TIMEOUT",
                f"The operation ran past its {self._limits.operation_timeout:g} s limit; "
                "ask for less.",
            )
        finally:
            entry.objects = guard.objects
            context.release()
        if not await _audited(context, entry):
            return _failed(
                "AUDIT_UNAVAILABLE",
                "The answer holds data whose reading must be recorded, and the record "
                "could not be written; try again.",
            )
        if guard.tripped:
            entry.outcome = "TOO_MANY_OBJECTS"
            entry.errors = 1
            return _failed(
                "TOO_MANY_OBJECTS",
                f"The operation resolved more than {self._limits.max_objects} values; "
                "ask for smaller pages.",
            )
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [error.formatted for error in result.errors]
            entry.errors = len(result.errors)
            entry.outcome = "partial"
        if result.extensions:
            body["extensions"] = result.extensions
        return body

    def _respond(
        self,
        body: dict[str, Any],
        status: int,
        media: str,
        headers: dict[str, str],
        entry: RequestLog | None = None,
    ) -> Response:
        if media == JSON and status == 400 and "data" not in body and _well_formed(body):
            status = 200  # application/json answers every well-formed request with 200
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        if len(content) > self._limits.max_response_bytes:
            if entry is not None:
                entry.outcome = "RESPONSE_TOO_LARGE"
                entry.errors = 1
            content = json.dumps(
                _failed(
                    "RESPONSE_TOO_LARGE",
                    f"The response would exceed {self._limits.max_response_bytes} bytes; "
                    "ask for smaller pages or fewer fields.",
                )
            ).encode()
        return Response(
            content,
            status_code=status,
            headers=headers,
            media_type=f"{media}; charset=utf-8",
        )


# Refusals that discovery (introspection, suggestions) could change.
_DISCOVERY_CODES = frozenset({"GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"})
# Request errors of a well-formed request (answered 200 under application/json).
_GRAPHQL_REQUEST_ERRORS = frozenset(
    {
        "GRAPHQL_PARSE_FAILED",
        "GRAPHQL_VALIDATION_FAILED",
        "OPERATION_NOT_FOUND",
        "BAD_USER_INPUT",
        "QUERY_TOO_DEEP",
        "TOO_MANY_ALIASES",
        "QUERY_TOO_COSTLY",
        "PERSISTED_QUERY_NOT_FOUND",
        "PERSISTED_QUERY_NOT_SUPPORTED",
    }
)


def _describe(span: trace.Span, entry: RequestLog) -> None:
    """The request's span, named and labelled once its answer is known."""
    span.update_name(f"graphql {entry.operation}")
    span.set_attributes(
        {
            "graphql.operation.name": entry.operation,
            "graphql.document.hash": entry.document_hash,
            "townhall.request_id": entry.request_id,
            "townhall.cost": entry.cost,
            "townhall.objects": entry.objects,
            "townhall.outcome": entry.outcome,
            "http.response.status_code": entry.status,
        }
    )
    if entry.status >= 500:
        span.set_status(Status(StatusCode.ERROR, entry.outcome))


def _well_formed(body: dict[str, Any]) -> bool:
    errors = body.get("errors") or []
    return bool(errors) and all(
        (e.get("extensions") or {}).get("code") in _GRAPHQL_REQUEST_ERRORS for e in errors
    )


async def _audited(context: Context, entry: RequestLog) -> bool:
    """Write the operation's restricted reads to the audit trail (one append); ``False``,
    and the answer is withheld, when that fails: no restricted read goes unrecorded."""
    try:
        await write_audit(context)
    except SocialError as exc:
        log.error("operation %s: the audit trail could not be written (%s)", entry.request_id, exc)
    except Exception:
        log.exception("operation %s: the audit trail could not be written", entry.request_id)
    else:
        return True
    entry.outcome = "AUDIT_UNAVAILABLE"
    entry.errors = 1
    return False


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _encodable(value: Any) -> bool:
    """Whether every string in a decoded JSON value is valid Unicode text (no lone
    surrogates). Iterative: the JSON may nest as deep as the parser allowed."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


def _failed(code: str, message: str) -> dict[str, Any]:
    return {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}


def _charset(parameters: str) -> str:
    for parameter in parameters.split(";"):
        key, _, value = parameter.strip().partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return ""


def params_from_query(query: Mapping[str, str]) -> dict[str, Any]:
    """A GET request's parameters from its query string (``Refusal`` when malformed)."""
    params: dict[str, Any] = {}
    for key in _PARAMS:
        value = query.get(key)
        if value is None:
            continue
        params[key] = _json_param(key, value) if key in ("variables", "extensions") else value
    return _check_params(params)


def params_from_json(body: bytes) -> dict[str, Any]:
    """A POST request's parameters from its JSON body (``Refusal`` when malformed)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(400, "BAD_REQUEST", "The request body is not valid UTF-8.") from None
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        raise Refusal(400, "BAD_REQUEST", "The request body is not valid JSON.") from None
    if isinstance(parsed, list):
        raise Refusal(400, "BAD_REQUEST", "Batched requests are not supported: send one.")
    if not isinstance(parsed, dict):
        raise Refusal(400, "BAD_REQUEST", "The request body must be a JSON object.")
    if _SURROGATE_ESCAPE.search(text) and not _encodable(parsed):
        # JSON may escape half a surrogate pair; no text is made of one.
        raise Refusal(400, "BAD_REQUEST", "The request body holds an unpaired surrogate.")
    return _check_params(parsed)


def json_media(content_type: str) -> bool:
    """Whether a request's ``Content-Type`` is JSON in UTF-8, as POST bodies must be."""
    media, _, parameters = content_type.partition(";")
    return media.strip().lower() == JSON and _charset(parameters) in ("", "utf-8", "utf8")


def new_request_id() -> str:
    """A request's own id: 16 hex digits (a correlation id, not a secret: no system
    call for it)."""
    return f"{random.getrandbits(64):016x}"


def _json_param(key: str, value: str) -> Any:
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        raise Refusal(400, "BAD_REQUEST", f"`{key}` is not valid JSON.") from None


def _check_params(params: dict[str, Any]) -> dict[str, Any]:
    """The spec's request parameters, with their types checked."""
    query = params.get("query")
    if query is not None and not isinstance(query, str):
        raise Refusal(400, "BAD_REQUEST", "`query` must be a string.")
    name = params.get("operationName")
    if name is not None and not isinstance(name, str):
        raise Refusal(400, "BAD_REQUEST", "`operationName` must be a string.")
    for key in ("variables", "extensions"):
        value = params.get(key)
        if value is not None and not isinstance(value, dict):
            raise Refusal(400, "BAD_REQUEST", f"`{key}` must be an object.")
    return params
