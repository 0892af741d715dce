"""Which registered operations the response cache keeps, and for whom.

A registered document whose every operation is a query is cached; one holding a mutation
bumps the change generation when it runs. An operation that selects a viewer-personal
field (``PERSONAL_FIELDS``, any ``viewer…`` or ``my…`` field) is cached per viewer;
every other one per access class, shared by the viewers in it. The list is conservative:
a field that depends on who asks beyond the viewer's groups belongs in it (the viewer's
relation to the subject: the restricted HR fields, one's own profile settings; what
moderators or the author alone see; links signed for the viewer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, parse, visit
from graphql.language import Visitor

__all__ = ["PERSONAL_FIELDS", "Cacheable", "classify", "is_personal_field"]


# Fields whose value depends on who asks, beyond the viewer's groups: an operation that
# selects any of them is cached per viewer. Any field named ``viewer…`` or ``my…`` too.
PERSONAL_FIELDS = frozenset(
    {
        "me",
        "homeFeed",
        "notifications",
        "unreadNotificationCount",
        "notificationDigest",
        "moderationQueue",
        "auditLog",
        "digestFrequency",  # one's own profile only
        "revisions",  # the author and moderators only
        "reporter",  # moderators and the reporter only
        "downloadUrl",  # signed for the viewer
        "notNotified",
        # HR fields for the person, their line-management chain and HR (schema.access)
        "employeeNumber",
        "grade",
        "fte",
        "contractType",
        "externalId",
    }
)


def is_personal_field(name: str) -> bool:
    return (
        name in PERSONAL_FIELDS
        or (name.startswith("viewer") and len(name) > 6 and name[6].isupper())
        or (name.startswith("my") and len(name) > 2 and name[2].isupper())
    )


@dataclass(frozen=True, slots=True)
class Cacheable:
    """What the cache knows of a registered document: its hash and name, whether it is
    all queries (cached) or holds a mutation (bumps the generation), whether its answer
    is the viewer's own."""

    sha256: str
    name: str
    query: bool
    mutation: bool
    personal: bool


def classify(sha256: str, name: str, document: str) -> Cacheable:
    """A registered document judged by what it selects (fragments included)."""
    try:
        ast = parse(document)
    except GraphQLError:
        return Cacheable(sha256, name, query=False, mutation=False, personal=True)
    kinds = {d.operation.value for d in ast.definitions if isinstance(d, OperationDefinitionNode)}
    names: set[str] = set()

    class Fields(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            names.add(node.name.value)

    visit(ast, Fields())
    return Cacheable(
        sha256,
        name,
        query=kinds == {"query"},
        mutation="mutation" in kinds,
        personal=any(is_personal_field(n) for n in names),
    )
