"""What an operation may ask for, measured before anything runs.

One pass over the selected operation computes its depth, its aliases and its
estimated cost. Each fragment is measured once and its summary reused at every
spread (a fragment spreading the next one twice, thirty times over, is thirty
summaries, not 2^30 walks), and a fragment spread twice in one selection set is
counted once, as execution merges it.

The cost model, listed in the README:

- a leaf value in hand (a name, a title) costs 0; an object costs 1; fields that
  reach an upstream or the social store cost what ``FIELD_COSTS`` says; a mutation
  costs ``MUTATION_COST`` and then what its answer selects;
- a list multiplies what each item costs by its size: the ``first`` argument
  (a literal, a variable or its default) or, for lists without one, the size
  ``FIELD_COSTS`` expects (``DEFAULT_LIST_SIZE`` otherwise);
- a connection's ``edges`` and ``nodes`` are its items, multiplied by the
  connection's ``first``; its ``totalCount`` and ``pageInfo`` are paid once;
- introspection (``__schema``, ``__type``) costs 1 a field and is not multiplied:
  it never leaves the process; its nesting counts as one level (graphql-core's
  ``MaxIntrospectionDepthRule`` bounds it). ``__typename`` is free.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)

DEFAULT_LIST_SIZE = 10
MUTATION_COST = 10  # a write: a transaction, its activity and notifications
MAX_SIZE = 1_000_000  # a size past any page: keeps the arithmetic of absurd input small


@dataclass(frozen=True, slots=True)
class FieldCost:
    """What one field costs: ``base`` for the field, ``size`` items for a list without ``first``."""

    base: int
    size: int | None = None


# Fields that cost more than a value in hand, by "Type.field". A test checks every
# name still exists in the schema.
FIELD_COSTS: dict[str, FieldCost] = {
    # Roots that search or list an upstream
    "Query.people": FieldCost(10),
    "Query.person": FieldCost(2),
    "Query.node": FieldCost(2),
    "Query.group": FieldCost(3),
    "Query.documents": FieldCost(5),
    "Query.document": FieldCost(2),
    "Query.searchDocuments": FieldCost(10),
    "Query.homeFeed": FieldCost(10),
    "Query.tagFeed": FieldCost(5),
    "Query.tag": FieldCost(2),
    # Ranks everyone's skills, endorsements and titles for the topic: seconds when cold.
    "Query.experts": FieldCost(5000),
    # Reads everyone's HR record (one listing of the whole population when cold: seconds).
    "Query.headcount": FieldCost(5000),
    "Query.notifications": FieldCost(3),
    "Query.notificationDigest": FieldCost(5),
    "NotificationDigest.notifications": FieldCost(1, size=50),
    "Query.moderationQueue": FieldCost(5),
    "Query.myReports": FieldCost(3),
    "Query.myFollows": FieldCost(3),
    "Query.hrRecordsWithoutAccount": FieldCost(20),
    "Query.auditLog": FieldCost(5),
    # The directory's org chart
    "Person.manager": FieldCost(2),
    "Person.directReports": FieldCost(3, size=15),
    "Person.colleagues": FieldCost(4, size=15),
    "Person.managementChain": FieldCost(3, size=8),
    "Person.groups": FieldCost(3, size=20),
    "Group.members": FieldCost(5),
    # HR and the document store
    "Person.employment": FieldCost(2),
    "Person.documents": FieldCost(5),
    "Document.author": FieldCost(2),
    "Document.lastEditor": FieldCost(2),
    "AuditLogEntry.viewer": FieldCost(2),
    "AuditLogEntry.subject": FieldCost(2),
    # Townhall's own store: counts, feeds, threads
    "Person.followerCount": FieldCost(1),
    "Person.followingCount": FieldCost(1),
    "Person.viewerIsFollowing": FieldCost(1),
    "Person.followers": FieldCost(3),
    "Person.following": FieldCost(3),
    "Person.activity": FieldCost(5),
    "Person.profileComments": FieldCost(3),
    "Person.profile": FieldCost(1),
    "Document.commentCount": FieldCost(1),
    "Document.comments": FieldCost(3),
    "Document.commentThread": FieldCost(3),
    "Document.activity": FieldCost(5),
    "Document.followerCount": FieldCost(1),
    "Document.viewerIsFollowing": FieldCost(1),
    "Group.followerCount": FieldCost(1),
    "Group.viewerIsFollowing": FieldCost(1),
    "ActivityItem.comments": FieldCost(3),
    "ActivityItem.actors": FieldCost(2),
    "Comment.replies": FieldCost(3),
    "Comment.revisions": FieldCost(2, size=10),
    "Comment.reactions": FieldCost(1, size=6),
    "Skill.endorsers": FieldCost(2),
}

_CONNECTION_ITEMS = frozenset({"edges", "nodes"})


@dataclass(frozen=True, slots=True)
class Shape:
    """What a selection set asks for. ``per_item`` is what a connection's items cost
    (its ``edges`` and ``nodes``), for the field holding the connection to multiply."""

    depth: int = 0
    aliases: int = 0
    cost: int = 0
    per_item: int = 0


_EMPTY = Shape()


@dataclass(frozen=True, slots=True)
class OperationShape:
    """The measure of one operation."""

    depth: int
    aliases: int
    cost: int


class _Measure:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = dict(variables)
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name not in self.variables and isinstance(definition.default_value, IntValueNode):
                self.variables[name] = _int(definition.default_value.value)
        self.memo: dict[str, Shape] = {}
        self.active: set[str] = set()

    def selection_set(self, parent: GraphQLNamedType | None, node: SelectionSetNode) -> Shape:
        depth = aliases = cost = per_item = 0
        spread: set[str] = set()
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                shape = self.field(parent, selection)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in spread:  # execution merges a repeated spread
                    continue
                spread.add(name)
                shape = self.fragment(name)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                shape = self.selection_set(inner, selection.selection_set)
            else:  # pragma: no cover - the grammar has no other selection
                continue
            depth = max(depth, shape.depth)
            aliases += shape.aliases
            cost += shape.cost
            per_item += shape.per_item
        return Shape(depth, aliases, cost, per_item)

    def fragment(self, name: str) -> Shape:
        known = self.memo.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None or name in self.active:  # unknown or cyclic: validation refuses
            return _EMPTY
        self.active.add(name)
        parent = self.schema.get_type(definition.type_condition.name.value)
        shape = self.selection_set(parent, definition.selection_set)
        self.active.discard(name)
        self.memo[name] = shape
        return shape

    def field(self, parent: GraphQLNamedType | None, node: FieldNode) -> Shape:
        name = node.name.value
        alias = 1 if node.alias else 0
        if name == "__typename":
            return Shape(0, alias, 0, 0)
        fields = getattr(parent, "fields", None)
        definition = fields.get(name) if fields is not None else None
        if name.startswith("__"):  # introspection: one a field, never multiplied
            inner = get_named_type(definition.type) if definition else None
            child = self._introspection(inner, node.selection_set)
            # Its depth is graphql-core's MaxIntrospectionDepthRule's to bound: GraphiQL's
            # own schema query nests `ofType` past any depth data needs.
            return Shape(1, alias + child.aliases, 1 + child.cost, 0)
        if definition is None:  # validation refuses unknown fields
            return Shape(1, alias, 0, 0)
        inner_type = get_named_type(definition.type)
        child = self.selection_set(inner_type, node.selection_set) if node.selection_set else _EMPTY
        spec = FIELD_COSTS.get(f"{parent.name}.{name}") if parent is not None else None
        item = 1 if node.selection_set else 0
        base = spec.base if spec else item
        if parent is not None and parent is self.schema.mutation_type:
            base = max(base, MUTATION_COST)
        first = self._first(definition.args, node)
        depth, aliases = child.depth + 1, child.aliases + alias
        if parent is not None and parent.name.endswith("Connection") and name in _CONNECTION_ITEMS:
            # A connection's items: the field holding the connection multiplies them.
            return Shape(depth, aliases, 0, item + child.cost + child.per_item)
        if is_list_type(get_nullable_type(definition.type)):
            size = first if first is not None else (spec.size if spec and spec.size else None)
            size = DEFAULT_LIST_SIZE if size is None else size
            return Shape(depth, aliases, base + size * (item + child.cost + child.per_item), 0)
        items = child.per_item * (first if first is not None else 1)
        return Shape(depth, aliases, base + child.cost + items, 0)

    def _introspection(
        self, parent: GraphQLNamedType | None, node: SelectionSetNode | None
    ) -> Shape:
        if node is None:
            return _EMPTY
        depth = aliases = cost = 0
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                fields = getattr(parent, "fields", None)
                definition = fields.get(selection.name.value) if fields is not None else None
                inner = get_named_type(definition.type) if definition else None
                child = self._introspection(inner, selection.selection_set)
                shape = Shape(
                    child.depth + 1, child.aliases + (1 if selection.alias else 0), 1 + child.cost
                )
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                key = f"__introspection__{name}"
                if key in self.memo:
                    shape = self.memo[key]
                elif name in self.active or name not in self.fragments:
                    shape = _EMPTY
                else:
                    self.active.add(name)
                    definition = self.fragments[name]
                    target = self.schema.get_type(definition.type_condition.name.value)
                    shape = self._introspection(target, definition.selection_set)
                    self.active.discard(name)
                    self.memo[key] = shape
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                shape = self._introspection(target, selection.selection_set)
            else:  # pragma: no cover
                continue
            depth = max(depth, shape.depth)
            aliases += shape.aliases
            cost += shape.cost
        return Shape(depth, aliases, cost, 0)

    def _first(self, args: Mapping[str, Any], node: FieldNode) -> int | None:
        """The page size asked for: ``first`` as written, from a variable, or its default."""
        if "first" not in args:
            return None
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return _int(value.value)
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                if isinstance(given, int) and not isinstance(given, bool):
                    return max(0, min(given, MAX_SIZE))
            break
        default = args["first"].default_value
        return default if isinstance(default, int) else DEFAULT_LIST_SIZE


def _int(text: str) -> int:
    try:
        return max(0, min(int(text), MAX_SIZE))
    except ValueError:
        return MAX_SIZE


def measure(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None = None,
) -> OperationShape | None:
    """Depth, aliases and cost of the operation a request selects (``None`` when it selects
    none: execution reports that). Linear in the document's size."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        operation = operations[0] if len(operations) == 1 else None
    else:
        named = [o for o in operations if o.name and o.name.value == operation_name]
        operation = named[0] if len(named) == 1 else None
    if operation is None:
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    root = schema.get_root_type(operation.operation)
    shape = _Measure(schema, fragments, operation, variables or {}).selection_set(
        root, operation.selection_set
    )
    return OperationShape(
        depth=shape.depth, aliases=shape.aliases, cost=shape.cost + shape.per_item
    )
