"""The injection sites of the schema, found at test time in the committed SDL
(``schema.graphql``, read by graphql-core): every argument of type String or ID, and
every String or ID field of a mutation's input, each with a document that reaches it.

A field below the root is reached by the shortest path of fields whose arguments can be
filled without an id (``first: 1`` wherever there is a ``first``), e.g. ``Comment``
through ``documents(first: 1) { nodes { comments(first: 1) { nodes { … } } } }``.
"""

from __future__ import annotations

import base64
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
    is_non_null_type,
)
from graphql.pyutils import Undefined

SDL = Path(__file__).resolve().parents[2] / "schema.graphql"
TEXT_TYPES = frozenset({"String", "ID"})
# Filler values for required arguments and input fields, by type.
FILLERS: dict[str, Any] = {"Int": 1, "Boolean": False, "String": "planning", "Float": 1.0}


def schema() -> GraphQLSchema:
    return build_schema(SDL.read_text())


def _required(arg: Any) -> bool:
    return is_non_null_type(arg.type) and arg.default_value is Undefined


def _literal(type_: GraphQLInputType) -> str | None:
    """A GraphQL literal for a required argument, or None where only an id would do."""
    named = get_named_type(type_)
    if isinstance(named, GraphQLEnumType):
        return str(next(iter(named.values)))
    if named.name in ("Int", "Boolean", "Float"):
        return str(FILLERS[named.name]).lower()
    if named.name == "String":
        return '"planning"'
    return None


def _arguments(args: Mapping[str, GraphQLArgument], skip: str = "") -> str | None:
    """Literal arguments: the required ones filled, ``first: 1``; None if one needs an id."""
    parts = []
    for name, arg in args.items():
        if name == skip:
            continue
        if name == "first":
            parts.append("first: 1")
        elif _required(arg):
            literal = _literal(arg.type)
            if literal is None:
                return None
            parts.append(f"{name}: {literal}")
    return ", ".join(parts)


def paths(s: GraphQLSchema) -> dict[str, tuple[str, str]]:
    """Each object type reachable from the root without an id: the selection text that
    opens the way to it, and the text that closes it."""
    assert s.query_type is not None
    found: dict[str, tuple[str, str]] = {s.query_type.name: ("", "")}
    queue: deque[GraphQLObjectType] = deque([s.query_type])
    while queue:
        parent = queue.popleft()
        opening, closing = found[parent.name]
        for name, definition in parent.fields.items():
            target = get_named_type(definition.type)
            if not isinstance(target, GraphQLObjectType) or target.name in found:
                continue
            if any(get_named_type(a.type).name == "ID" for a in definition.args.values()):
                continue  # a lookup by id (without one it finds nothing)
            args = _arguments(definition.args)
            if args is None:
                continue
            call = f"{name}({args})" if args else name
            found[target.name] = (f"{opening}{call} {{ ", f" }}{closing}")
            queue.append(target)
    # A small group: the viewer's own groups include All Staff, whose members take long
    # to count (a case of their own in the corpus).
    found["Group"] = ('group(name: "Townhall Moderators") { ', " }")
    return found


@dataclass(frozen=True)
class Site:
    """Where a payload goes: an argument (``input_type`` None) or a field of an input
    object, in ``document``, whose one variable is ``$v``."""

    id: str
    document: str
    is_id: bool
    is_list: bool
    input_type: str | None = None
    field: str = ""

    @property
    def is_mutation(self) -> bool:
        return self.document.startswith("mutation")

    def variables(self, payload: Any, known: Mapping[str, str], s: GraphQLSchema) -> dict[str, Any]:
        value = [payload] if self.is_list else payload
        if self.input_type is None:
            return {"v": value}
        input_type = s.get_type(self.input_type)
        assert isinstance(input_type, GraphQLInputObjectType)
        filled: dict[str, Any] = {}
        for name, definition in input_type.fields.items():
            if name == self.field or not _required(definition):
                continue
            named = get_named_type(definition.type)
            if isinstance(named, GraphQLEnumType):
                filled[name] = next(iter(named.values))
            elif named.name == "ID":
                filled[name] = known[name]
            else:
                filled[name] = FILLERS.get(named.name, "planning")
        return {"v": {**filled, self.field: value}}


def _text_type(type_: GraphQLInputType) -> tuple[bool, bool] | None:
    """(is an ID, is a list) for String/ID types and lists of them."""
    inner = get_nullable_type(type_)
    is_list = is_list_type(inner)
    named = get_named_type(type_)
    if named.name not in TEXT_TYPES:
        return None
    return named.name == "ID", is_list


def sites(s: GraphQLSchema | None = None) -> Iterator[Site]:
    """Every String and ID argument and mutation input field of the schema."""
    s = s or schema()
    for type_name, (opening, closing) in sorted(paths(s).items()):
        parent = s.get_type(type_name)
        assert isinstance(parent, GraphQLObjectType)
        for name, definition in parent.fields.items():
            selection = (
                " { __typename }" if is_composite_type(get_named_type(definition.type)) else ""
            )
            for arg_name, arg in definition.args.items():
                kind = _text_type(arg.type)
                if kind is None:
                    continue
                others = _arguments(definition.args, skip=arg_name)
                if others is None:
                    continue
                args = ", ".join(filter(None, [f"{arg_name}: $v", others]))
                yield Site(
                    f"{type_name}.{name}.{arg_name}",
                    f"query Hostile($v: {arg.type}) {{ {opening}{name}({args}){selection}{closing} }}",
                    *kind,
                )
    assert s.mutation_type is not None
    for name, definition in s.mutation_type.fields.items():
        for arg_name, arg in definition.args.items():
            head = f"mutation Hostile($v: {arg.type}) {{ {name}({arg_name}: $v) {{ __typename }} }}"
            kind = _text_type(arg.type)
            if kind is not None:
                yield Site(f"Mutation.{name}.{arg_name}", head, *kind)
                continue
            input_type = get_named_type(arg.type)
            if not isinstance(input_type, GraphQLInputObjectType):
                continue
            for field_name, field in input_type.fields.items():
                kind = _text_type(field.type)
                if kind is not None:
                    yield Site(f"Mutation.{name}.{arg_name}.{field_name}", head, *kind,
                               input_type=input_type.name, field=field_name)  # fmt: skip


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# Ids that are not ours: not base64, base64 of something else, of other types, of keys
# built to break a filter, a path or an integer column.
ID_PAYLOADS: dict[str, str] = {
    "id-not-base64": "!!!not base64!!!",
    "id-empty": "",
    "id-without-type": b64("justtext"),
    "id-unknown-type": b64("Secret:1"),
    "id-notification": b64("Notification:1"),
    "id-comment": b64("Comment:1"),
    "id-report": b64("Report:1"),
    "id-activity-negative": b64("ActivityItem:-1"),
    "id-group-zero-guid": b64("Group:00000000-0000-0000-0000-000000000000"),
    "id-person-ldap-filter": b64("Person:*)(objectGUID=*))(|(cn=*"),
    "id-document-traversal": b64("Document:../../../etc/passwd"),
    "id-document-absolute": b64("Document:/etc/passwd"),
    "id-comment-sql": b64("Comment:1 OR 1=1"),
    "id-comment-past-int64": b64("Comment:" + "9" * 30),
    "id-comment-5000-digits": b64("Comment:" + "9" * 5000),
    "id-standard-base64-padded": base64.b64encode(b"Person:??>>??>>").decode(),
}


# -- other viewers' ids in every mutation ----------------------------------------------------
#
# Viewer A calls each mutation with ids of what belongs to viewer B: B's comments,
# notifications, follows, reactions, endorsements, reports and retry keys. Each answer
# must be a refusal, or a success that touched only A's own rows (``own``: what it
# must show); B's state, read back as B, must not change.

REFUSED = frozenset({"NotFoundError", "NotAllowedError", "InvalidInputError"})
SELECTIONS: dict[str, str] = {
    "CommentResult": "... on CommentSuccess { replayed comment { id author { accountName } } }",
    "ReactionResult": "... on ReactionSuccess { changed }",
    "FollowResult": "... on FollowSuccess { changed }",
    "FollowTargetResult": "... on FollowTargetSuccess { changed }",
    "EndorseResult": "... on EndorseSuccess { changed }",
    "MarkReadResult": "... on MarkReadSuccess { marked }",
    "ReportResult": "... on ReportSuccess { replayed report { id } }",
    "DecideResult": "... on DecideSuccess { settled }",
    "ProfileResult": "... on ProfileSuccess { person { accountName } }",
    "ExportPersonDataResult": "... on ExportPersonDataSuccess { downloadUrl }",
}


@dataclass(frozen=True)
class Theft:
    """Viewer A calls ``mutation`` with ``variables`` (``{name}`` is replaced by B's ids)."""

    id: str
    mutation: str
    variables: Any
    own: str = ""  # "unchanged", "author", "not-b-report", "self": what a success must show

    def document(self, s: GraphQLSchema) -> str:
        assert s.mutation_type is not None
        field = s.mutation_type.fields[self.mutation]
        (arg_name, arg), *_ = field.args.items()
        result = get_named_type(field.type).name
        return (
            f"mutation Theft($v: {arg.type}) {{ {self.mutation}({arg_name}: $v) "
            f"{{ __typename {SELECTIONS[result]} }} }}"
        )

    def filled(self, ids: Mapping[str, Any]) -> Any:
        def fill(value: Any) -> Any:
            if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
                return ids[value[1:-1]]
            if isinstance(value, dict):
                return {k: fill(v) for k, v in value.items()}
            if isinstance(value, list):
                return [fill(v) for v in value]
            return value

        return fill(self.variables)


THEFTS: list[Theft] = [
    Theft("edit-b-comment", "editComment", {"commentId": "{cB}", "body": "taken over"}),
    Theft("edit-b-comment-padded-id", "editComment",
          {"commentId": "{cB_padded}", "body": "taken over"}),
    Theft("edit-comment-id-of-b-notification-key", "editComment",
          {"commentId": "{cB_from_notification}", "body": "taken over"}),
    Theft("edit-b-comment-replaying-b-retry-key", "editComment",
          {"commentId": "{cB}", "body": "taken over", "clientMutationId": "b-comment-key"}),
    Theft("delete-b-comment", "deleteComment", {"commentId": "{cB}"}),
    Theft("delete-b-notification-as-comment", "deleteComment", {"commentId": "{nB}"}),
    Theft("mark-b-notifications-read", "markNotificationsRead", {"ids": "{nB_all}"},
          own="unchanged"),
    Theft("mark-all-read", "markNotificationsRead", {"all": True}, own="any"),
    Theft("unreact-b-reaction", "unreact", {"itemId": "{cC}", "reaction": "LIKE"},
          own="unchanged"),
    Theft("react-to-b-report", "react", {"itemId": "{rB}", "reaction": "LIKE"}),
    Theft("react-to-b-notification", "react", {"itemId": "{nB}", "reaction": "THANKS"}),
    Theft("unfollow-person-b-follows", "unfollowPerson", "{pC}", own="unchanged"),
    Theft("follow-person-with-b-comment-id", "followPerson", "{cB}"),
    Theft("unfollow-document-b-follows", "unfollow", {"targetId": "{doc}"}, own="unchanged"),
    Theft("unfollow-group-b-follows", "unfollow", {"groupId": "{group}"}, own="unchanged"),
    Theft("unfollow-tag-b-follows", "unfollow", {"tag": "hostile-tag"}, own="unchanged"),
    Theft("unfollow-b-report", "unfollow", {"targetId": "{rB}"}),
    Theft("follow-b-notification", "follow", {"targetId": "{nB}"}),
    Theft("unendorse-b-endorsement", "unendorseSkill", {"personId": "{pC}", "skill": "GIS"},
          own="unchanged"),
    Theft("endorse-with-b-comment-id", "endorseSkill", {"personId": "{cB}", "skill": "GIS"}),
    Theft("decide-b-report-hide", "decideReport", {"reportId": "{rB}", "outcome": "HIDE"}),
    Theft("decide-b-report-dismiss", "decideReport",
          {"reportId": "{rB}", "outcome": "DISMISS", "note": "nothing to see"}),
    Theft("decide-comment-id-as-report", "decideReport", {"reportId": "{cC}", "outcome": "HIDE"}),
    Theft("export-b-data", "exportPersonData", {"personId": "{pB}"}),
    Theft("export-b-data-by-account", "exportPersonData", {"account": "{accountB}"}),
    Theft("report-b-report", "reportItem", {"itemId": "{rB}", "reason": "spam"}),
    Theft("report-b-notification", "reportItem", {"itemId": "{nB}", "reason": "spam"}),
    Theft("report-replaying-b-retry-key", "reportItem",
          {"itemId": "{cC}", "reason": "spam", "clientMutationId": "b-report-key"},
          own="not-b-report"),
    Theft("comment-on-b-report", "addComment", {"targetId": "{rB}", "body": "x"}),
    Theft("comment-on-b-notification", "addComment", {"targetId": "{nB}", "body": "x"}),
    Theft("reply-to-b-notification", "addComment",
          {"targetId": "{doc}", "replyToId": "{nB}", "body": "x"}),
    Theft("reply-to-b-report", "addComment",
          {"targetId": "{doc}", "replyToId": "{rB}", "body": "x"}),
    Theft("comment-replaying-b-retry-key", "addComment",
          {"targetId": "{pA}", "body": "mine", "clientMutationId": "b-comment-key"},
          own="author"),
    Theft("update-own-profile", "updateProfile", {"about": "A's own words"}, own="self"),
]  # fmt: skip

B_STATE = """
query BState($cB: ID!, $cC: ID!, $pC: ID!) {
  mine: comment(id: $cB) { state bodyText editedAt }
  theirs: comment(id: $cC) { state reactions { kind count viewerReacted } }
  people: myFollows(kind: PERSON, first: 50) { nodes { key notify } }
  documents: myFollows(kind: DOCUMENT, first: 50) { nodes { key notify } }
  groups: myFollows(kind: GROUP, first: 50) { nodes { key notify } }
  tags: myFollows(kind: TAG, first: 50) { nodes { key notify } }
  notifications(first: 50) { nodes { id read } }
  unreadNotificationCount
  myReports { id status }
  other: person(id: $pC) { profile { skills { name endorsementCount viewerEndorsed } } }
  me { profile { about { value } } }
}
"""
