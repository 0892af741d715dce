"""Preparing an operation before it runs: parse, validate, select, coerce, measure.

Every step is a refusal the client can act on (``OperationRefused``, with a code),
never a server error. Parsing and validation are cached per document text
(bounded), so a document a portal sends a million times is parsed once; the
measure of depth, aliases and cost (``schema.limits``) is linear in the document
and cached with the variables that size its lists.

Codes: ``GRAPHQL_PARSE_FAILED``, ``GRAPHQL_VALIDATION_FAILED``,
``OPERATION_NOT_FOUND``, ``BAD_USER_INPUT`` (variables), ``QUERY_TOO_DEEP``,
``TOO_MANY_ALIASES``, ``QUERY_TOO_COSTLY``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    OperationType,
    get_operation_ast,
    parse,
    recommended_rules,
    specified_rules,
    validate,
)
from graphql.execution.values import get_variable_values
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from schema.limits import OperationShape, measure

from .settings import LimitsSettings

CACHE_SIZE = 512
MAX_VALIDATION_ERRORS = 20
_KEYED_VARIABLES = 1024  # variables longer than this (as JSON) are measured, not cached


class OperationRefused(Exception):
    """A request error: the operation does not run. ``errors`` go to the client as they are."""

    def __init__(self, code: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(code)
        self.code = code
        self.errors = errors

    @classmethod
    def one(cls, code: str, message: str, **extensions: Any) -> OperationRefused:
        return cls(code, [{"message": message, "extensions": {"code": code, **extensions}}])

    @classmethod
    def from_graphql(cls, code: str, errors: list[GraphQLError]) -> OperationRefused:
        shown: list[dict[str, Any]] = []
        for error in errors:
            formatted = dict(error.formatted)
            formatted["extensions"] = {**(error.extensions or {}), "code": code}
            shown.append(formatted)
        return cls(code, shown)


@dataclass(frozen=True, slots=True)
class Prepared:
    """An operation ready to run."""

    text: str
    document: DocumentNode
    operation: OperationDefinitionNode
    variables: dict[str, Any]
    shape: OperationShape
    name: str | None = field(default=None)

    @property
    def is_query(self) -> bool:
        return self.operation.operation is OperationType.QUERY


# The spec's rules, graphql-core's recommended ones (a bound on introspection's nesting),
# and Strawberry's own.
_RULES = (
    *specified_rules,
    *recommended_rules,
    MaybeNullValidationRule,
    OneOfInputValidationRule,
)
_RULES_WITHOUT_INTROSPECTION = (*_RULES, NoSchemaIntrospectionCustomRule)


class OperationPreparer:
    """Turns a request's text, operation name and variables into a ``Prepared`` operation."""

    def __init__(self, schema: GraphQLSchema, limits: LimitsSettings) -> None:
        self._schema = schema
        self._limits = limits
        self._parse = functools.lru_cache(maxsize=CACHE_SIZE)(self._parse_uncached)
        self._validate = functools.lru_cache(maxsize=CACHE_SIZE)(self._validate_uncached)
        self._measure = functools.lru_cache(maxsize=CACHE_SIZE * 2)(self._measure_uncached)

    def prepare(
        self,
        text: str,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        *,
        discovery: bool,
    ) -> Prepared:
        """Raise ``OperationRefused`` unless the operation may run. With ``discovery`` off,
        introspection is refused and errors suggest no field names."""
        document = self._parse(text)
        if isinstance(document, OperationRefused):
            raise document
        refused = self._validate(text, discovery)
        if refused is not None:
            raise refused
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            message = (
                f"The document has no operation named {operation_name!r}."
                if operation_name
                else "The document has several operations: name one in `operationName`."
            )
            raise OperationRefused.one("OPERATION_NOT_FOUND", message)
        coerced = get_variable_values(
            self._schema,
            operation.variable_definitions or (),
            dict(variables or {}),
            max_errors=MAX_VALIDATION_ERRORS,
            hide_suggestions=not discovery,
        )
        if isinstance(coerced, list):
            raise OperationRefused.from_graphql("BAD_USER_INPUT", coerced)
        shape = self._shape(text, operation_name, variables)
        self._check(shape)
        name = operation.name.value if operation.name else None
        return Prepared(text, document, operation, dict(variables or {}), shape, name)

    def _shape(
        self, text: str, operation_name: str | None, variables: Mapping[str, Any] | None
    ) -> OperationShape:
        key = json.dumps(variables, sort_keys=True, default=str) if variables else ""
        if len(key) > _KEYED_VARIABLES:
            document = self._parse(text)
            assert not isinstance(document, OperationRefused)
            found = measure(self._schema, document, operation_name, variables)
        else:
            found = self._measure(text, operation_name, key)
        assert found is not None  # the operation was selected above
        return found

    def _check(self, shape: OperationShape) -> None:
        limits = self._limits
        if shape.depth > limits.max_depth:
            raise OperationRefused.one(
                "QUERY_TOO_DEEP",
                f"The operation nests {shape.depth} fields deep; the limit is {limits.max_depth}.",
                depth=shape.depth,
                limit=limits.max_depth,
            )
        if shape.aliases > limits.max_aliases:
            raise OperationRefused.one(
                "TOO_MANY_ALIASES",
                f"The operation uses {shape.aliases} aliases; the limit is {limits.max_aliases}.",
                aliases=shape.aliases,
                limit=limits.max_aliases,
            )
        if shape.cost > limits.max_cost:
            raise OperationRefused.one(
                "QUERY_TOO_COSTLY",
                f"The operation's estimated cost is {shape.cost}; the limit is "
                f"{limits.max_cost}. Ask for smaller pages or fewer nested lists.",
                cost=shape.cost,
                limit=limits.max_cost,
            )

    def _parse_uncached(self, text: str) -> DocumentNode | OperationRefused:
        try:
            return parse(text, no_location=False, max_tokens=self._limits.max_tokens)
        except GraphQLError as error:
            return OperationRefused.from_graphql("GRAPHQL_PARSE_FAILED", [error])
        except RecursionError:
            return OperationRefused.one(
                "GRAPHQL_PARSE_FAILED", "The document nests too deeply to be read."
            )

    def _validate_uncached(self, text: str, discovery: bool) -> OperationRefused | None:
        document = self._parse(text)
        assert not isinstance(document, OperationRefused)
        errors = validate(
            self._schema,
            document,
            _RULES if discovery else _RULES_WITHOUT_INTROSPECTION,
            max_errors=MAX_VALIDATION_ERRORS,
            hide_suggestions=not discovery,
        )
        return (
            OperationRefused.from_graphql("GRAPHQL_VALIDATION_FAILED", errors) if errors else None
        )

    def _measure_uncached(
        self, text: str, operation_name: str | None, variables_json: str
    ) -> OperationShape | None:
        document = self._parse(text)
        assert not isinstance(document, OperationRefused)
        variables = json.loads(variables_json) if variables_json else None
        return measure(self._schema, document, operation_name, variables)
