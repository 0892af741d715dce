"""How an operation runs once the gateway has let it in.

- ``PreparedDocument``: the gateway parses, validates and measures a document
  before anything runs (``gateway.operations``); this extension hands that
  document to Strawberry, so it is neither parsed nor validated twice.
- ``GuardedExecutor``: counts every field executed against the operation's
  ``OperationGuard``; past ``max_objects`` no further resolver runs, and the
  gateway answers one error instead of the partial result. In a request the gateway
  chose for resolver tracing (``OperationGuard.trace_fields``), each resolver that
  waits on something gets an OpenTelemetry span, up to that many.
- ``TownhallSchema``: Strawberry's schema without its per-error logging (it logs
  every field error with a traceback, so a response of 10,000 errors wrote 10,000
  of them); errors are reported once per request by the gateway's request log and,
  for unexpected ones, by ``MaskInternalErrors``.
- ``execute_prepared``: runs a document the gateway prepared. With the schema's own
  extensions only (``build_schema`` without extras) it calls graphql-core's executor
  directly and then does what those extensions would (mask unexpected errors, report
  stale sources): Strawberry's extension runner cost about ten times the execution of
  ``{ __typename }`` itself. With any other extension it runs through Strawberry.
  Each resolver's coroutine is run at once up to its first real wait
  (``settle_at_once``): one whose loads are already answered (records fresh in the
  cache) gives its value there and then, so graphql-core completes the field without
  a task of its own; one that must wait is resumed where it stopped, by the task that
  awaits the field. So a resolver must not enter anything bound to the current task
  (``asyncio.timeout``, a ``TaskGroup``) before its first wait: bound the wait in the
  loader or connector it calls, as every reader here does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from types import CoroutineType
from typing import Any

import strawberry
from graphql import DocumentNode, GraphQLError, GraphQLObjectType, MiddlewareManager, execute
from graphql import ExecutionResult as CoreResult
from graphql import OperationType as CoreOperation
from graphql.type.definition import GraphQLResolveInfoHelpers
from opentelemetry import trace
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import SchemaExtension
from strawberry.schema.base import BaseSchema
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from .errors import MaskInternalErrors
from .partial import StaleDataReport

_tracer = trace.get_tracer("townhall.schema")


@dataclass(slots=True)
class OperationGuard:
    """Limits that hold while an operation runs."""

    max_objects: int
    objects: int = 0
    tripped: bool = False
    trace_fields: int = 0  # resolver spans this operation may still make (gateway.tracing)


class GuardedExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, counting fields against the context's ``guard``."""

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        guard: OperationGuard | None = getattr(self.context_value, "guard", None)
        if guard is not None:
            guard.objects += 1
            if guard.objects > guard.max_objects:
                # The answer will be one error: resolve nothing more.
                guard.tripped = True
                return None
        result = super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )
        if guard is not None and guard.trace_fields > 0 and self.is_awaitable(result):
            # A sampled request's resolvers that wait on something (the rest cost nothing).
            guard.trace_fields -= 1
            return _traced(result, f"{parent_type.name}.{field_details_list[0].node.name.value}")
        return result

    def build_response(self, data: dict[str, Any] | None) -> Any:
        response = super().build_response(data)
        # The helpers are bound methods of this executor: a reference cycle that would keep
        # the executor, and through ``context_value`` the whole request, until the cyclic
        # collector runs. Resolvers that still run hold their own ``info``.
        self.async_helpers = _NO_HELPERS
        return response


async def _gather_after(values: Any) -> list[Any]:
    raise RuntimeError("the operation has finished")


def _track_after(values: Any) -> None:
    raise RuntimeError("the operation has finished")


_NO_HELPERS = GraphQLResolveInfoHelpers(gather=_gather_after, track=_track_after)


async def _traced(result: Awaitable[Any], name: str) -> Any:
    with _tracer.start_as_current_span(name):
        return await result


class PreparedDocument(SchemaExtension):
    """Use the document the gateway already parsed and validated."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        document = getattr(context.context, "document", None)
        if document is not None:
            context.graphql_document = document
            context.pre_execution_errors = []  # validated by the gateway, with its limits
        yield


class TownhallSchema(strawberry.Schema):
    """Errors are counted and reported by the gateway, not logged one by one."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None


@dataclass(slots=True)
class _Ran:
    """What ``MaskInternalErrors`` and ``StaleDataReport`` read of an execution."""

    context: Any
    result: Any = None
    extensions: list[Any] = field(default_factory=list)


_OWN_EXTENSIONS = (PreparedDocument, MaskInternalErrors, StaleDataReport)


async def execute_prepared(
    schema: BaseSchema,
    *,
    text: str,
    document: DocumentNode,
    operation: CoreOperation,
    variables: dict[str, Any] | None,
    context: Any,
    operation_name: str | None,
    allowed: Iterable[OperationType],
) -> ExecutionResult:
    """Run a parsed and validated ``document`` (``text`` is its source) as Strawberry's
    ``schema.execute`` would, answering the same result."""
    if (
        not isinstance(schema, strawberry.Schema)
        or tuple(schema.extensions) != _OWN_EXTENSIONS
        or schema.directives
    ):
        return await schema.execute(
            text,
            variable_values=variables,
            context_value=context,
            operation_name=operation_name,
            allowed_operation_types=allowed,
        )
    if OperationType(operation.value) not in allowed:  # the gateway refuses these first
        raise ValueError(f"{operation.value} operations are not allowed here")
    try:
        core: Any = execute(
            schema._schema,
            document,
            variable_values=variables,
            operation_name=operation_name,
            context_value=context,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
            middleware=_SETTLE,
            executor_class=schema.execution_context_class,
        )
        if optimized_is_awaitable(core):
            core = await core
        assert isinstance(core, CoreResult)
        data, errors = core.data, core.errors
    except Exception as exc:  # as Strawberry answers it: one error, masked below
        data, errors = None, [exc if isinstance(exc, GraphQLError) else _error_of(exc)]
    result = ExecutionResult(data=data, errors=errors)
    ran = _Ran(context=context, result=result)
    if errors:
        masking = MaskInternalErrors()
        masking.execution_context = ran  # type: ignore[assignment]
        steps = masking.on_operation()  # type: ignore[no-untyped-call]
        next(steps)  # before the operation: nothing
        next(steps, None)  # after it: unexpected errors masked, one traceback logged
    report = StaleDataReport()
    report.execution_context = ran  # type: ignore[assignment]
    result.extensions = report.get_results()
    return result


def _error_of(exc: Exception) -> GraphQLError:
    return GraphQLError(str(exc), original_error=exc)


def settle_at_once(next_: Callable[..., Any], root: Any, info: Any, **args: Any) -> Any:
    """Middleware: a resolver's coroutine run at once to its first real wait. Its value
    when it needs none; else an awaitable that resumes it (``_Resumed``). What it raises
    there is raised here, as a resolver that is not async would."""
    result = next_(root, info, **args)
    if type(result) is not CoroutineType:
        return result
    try:
        waiting = result.send(None)
    except StopIteration as done:
        return done.value
    return _Resumed(result, waiting)


class _Resumed:
    """A coroutine stopped at its first wait (``waiting``, what it yielded to the event
    loop), awaited from there on: the awaiting task waits on the same future."""

    __slots__ = ("_coroutine", "_waiting")

    def __init__(self, coroutine: Any, waiting: Any) -> None:
        self._coroutine = coroutine
        self._waiting = waiting

    def __await__(self) -> Generator[Any, Any, Any]:
        coroutine, waiting = self._coroutine, self._waiting
        self._waiting = None
        while True:
            try:
                sent = yield waiting
            except BaseException as exc:  # a cancellation goes on into the coroutine
                try:
                    waiting = coroutine.throw(exc)
                except StopIteration as done:
                    return done.value
            else:
                try:
                    waiting = coroutine.send(sent)
                except StopIteration as done:
                    return done.value


_SETTLE = MiddlewareManager(settle_at_once)
