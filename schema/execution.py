"""How an operation runs once the gateway has let it in.

- ``PreparedDocument``: the gateway parses, validates and measures a document
  before anything runs (``gateway.operations``); this extension hands that
  document to Strawberry, so it is neither parsed nor validated twice.
- ``GuardedExecutor``: counts every field executed against the operation's
  ``OperationGuard``; past ``max_objects`` no further resolver runs, and the
  gateway answers one error instead of the partial result.
- ``TownhallSchema``: Strawberry's schema without its per-error logging (it logs
  every field error with a traceback, so a response of 10,000 errors wrote 10,000
  of them); errors are reported once per request by the gateway's request log and,
  for unexpected ones, by ``MaskInternalErrors``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLObjectType
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionContext


@dataclass(slots=True)
class OperationGuard:
    """Limits that hold while an operation runs."""

    max_objects: int
    objects: int = 0
    tripped: bool = False


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
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )


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
