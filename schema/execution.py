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
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterator
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLObjectType
from graphql.type.definition import GraphQLResolveInfoHelpers
from opentelemetry import trace
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionContext

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
