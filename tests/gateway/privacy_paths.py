"""Every query path of the privacy matrix, the write probes, and the check of an answer.

A path is a GraphQL operation selecting everything its part of the schema can say
about documents, activity, comments, notifications, reports and experts. ``check``
runs every path as every viewer and reports, as readable lines: a marker of a
document the viewer may not read found anywhere in an answer's JSON text; a count
about one (documents in its folder, experts' document reasons) that is not zero; an
unexpected error; a write probe on an unreadable item that was not refused as missing.
It also reports which paths showed a reader each document's markers: the proof that
every path can leak, so a clean answer means something.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    parse,
    visit,
)

from schema.ids import global_id

from .conftest import Gateway
from .privacy_world import FALLBACK_MODERATORS, MODERATORS, Secret, Viewer, World

COMMENT = """id state bodyText body bodyHtml createdAt editedAt author { accountName } replyTo
  replies { id bodyText } tags mentions { accountName } reactions { kind count viewerReacted }
  viewerCanEdit revisions { bodyText bodyHtml writtenAt replacedAt }"""
ACTIVITY = """edges { cursor node { id verb createdAt eventCount actorCount objectKind tag summary
  actors { accountName } document { id path title } person { accountName }
  comment { id bodyText } reactions { kind count viewerReacted }
  comments(first: 5) { edges { node { id bodyText } } } } } pageInfo { hasNextPage endCursor }"""
DOCUMENT = f"""id path name title folder contentType size createdAt modifiedAt tags downloadUrl
  author {{ accountName }} lastEditor {{ accountName }} followerCount viewerIsFollowing
  commentCount comments(first: 10) {{ {COMMENT} }}
  commentThread(first: 10) {{ totalCount edges {{ node {{ id bodyText replies {{ id }} }} }} }}
  reactions {{ kind count viewerReacted }} activity(first: 20) {{ {ACTIVITY} }}"""
LISTED = "totalCount nodes { id path title name folder commentCount followerCount downloadUrl }"
REPORT = """id reason status createdAt decidedAt note itemKind itemId
  comment { id bodyText } reporter { accountName }"""
NOTIFICATION = f"""id kind createdAt read actor {{ accountName }}
  activity {{ id summary document {{ path }} comment {{ id bodyText }} }} report {{ {REPORT} }}"""
EXPERT = "person { accountName } score reasons { kind detail weight relatedTerm }"
DOCUMENT_REASONS = {"WROTE_DOCUMENTS", "CHANGED_DOCUMENTS", "COMMENTED"}


def _op(text: str, selection: str) -> str:
    """An operation with ``selection`` in place of its ``%s``."""
    return text.replace("%s", selection)


@dataclass(frozen=True)
class Path:
    name: str
    query: str
    variables: dict[str, Any] = field(default_factory=dict)
    secret: Secret | None = None  # the document the path is about, if one
    allowed_errors: frozenset[str] = frozenset()  # extensions.code expected


DOC = _op("query($id: ID!) { document(id: $id) { %s } }", DOCUMENT)
NODE = "query($id: ID!) { node(id: $id) { id ... on Document { path title } } }"
FOLDER = _op("query($f: String) { documents(folder: $f, first: 100) { %s } }", LISTED)
SEARCH = _op("query($q: String!) { searchDocuments(query: $q, first: 100) { %s } }", LISTED)
WROTE = _op("query($id: ID!) { person(id: $id) { documents(first: 100) { %s } } }", LISTED)
DID = _op(
    """query($id: ID!) { person(id: $id) { activity(first: 50) { %s }
    profileComments(first: 20) { edges { node { id bodyText } } } } }""",
    ACTIVITY,
)
TAG_FEED = _op("query($t: String!) { tagFeed(tag: $t, first: 50) { %s } }", ACTIVITY)
TAG = _op(
    """query($t: String!) { tag(name: $t) { followerCount viewerIsFollowing viewerIsNotified
    activity(first: 50) { %s } } }""",
    ACTIVITY,
)
ONE_COMMENT = _op("query($id: ID!) { comment(id: $id) { %s } }", COMMENT)
EXPERTS = _op("query($t: String!) { experts(topic: $t, first: 50) { %s } }", EXPERT)
HOME = _op("{ homeFeed(first: 50) { %s } }", ACTIVITY)
NOTIFICATIONS = _op("{ notifications(first: 50) { edges { node { %s } } } }", NOTIFICATION)
DIGEST = _op(
    """{ notificationDigest { day total unread byKind { kind count }
    notifications { %s } } }""",
    NOTIFICATION,
)
QUEUE = _op("{ moderationQueue { %s } }", REPORT)
MINE = _op("{ myReports { %s } }", REPORT)
FOLLOWS = """{ myFollows(kind: DOCUMENT, first: 100) { edges { node { kind key notify followedAt
  person { accountName } document { id path title } group { name } tag { name } } } } }"""
ALL = _op("{ documents(first: 100) { %s } }", LISTED)


def paths(world: World, viewer: Viewer) -> Iterator[Path]:
    """Every query path, as ``viewer`` runs it."""
    for s in world.secrets:
        author = global_id("Person", world.guids.get(s.author or "", ""))
        yield Path("document", DOC, {"id": s.gid}, s)
        yield Path("node", NODE, {"id": s.gid}, s)
        yield Path("documents(folder)", FOLDER, {"f": s.folder}, s)
        yield Path("documents(parent)", FOLDER, {"f": s.parent}, s)
        yield Path("searchDocuments", SEARCH, {"q": s.title}, s)
        yield Path("Person.documents", WROTE, {"id": author}, s)
        yield Path("Person.activity", DID, {"id": s.writer.gid}, s)
        yield Path("tagFeed", TAG_FEED, {"t": s.tag}, s)
        yield Path("Tag", TAG, {"t": s.tag}, s)
        yield Path("comment", ONE_COMMENT, {"id": s.comment}, s)
        for topic in sorted(s.exclusive):
            yield Path(f"experts({topic})", EXPERTS, {"t": topic}, s)
    moderator = viewer.role == MODERATORS or FALLBACK_MODERATORS in viewer.groups
    yield Path("homeFeed", HOME)
    yield Path("notifications", NOTIFICATIONS)
    yield Path("notificationDigest", DIGEST)
    yield Path("unreadNotificationCount", "{ unreadNotificationCount }")
    yield Path("moderationQueue", QUEUE, allowed_errors=frozenset() if moderator else FORBIDDEN)
    yield Path("myReports", MINE)
    yield Path("myFollows", FOLLOWS)
    yield Path("documents", ALL)


FORBIDDEN = frozenset({"FORBIDDEN"})
ADD = """mutation($input: AddCommentInput!) { addComment(input: $input) { __typename
  ... on CommentSuccess { comment { id bodyText } } ... on NotFoundError { message } } }"""
REACT = """mutation($input: ReactInput!) { react(input: $input) { __typename
  ... on ReactionSuccess { reactions { kind count } } ... on NotFoundError { message } } }"""
FOLLOW = """mutation($input: FollowInput!) { follow(input: $input) { __typename
  ... on FollowTargetSuccess { key } ... on NotFoundError { message } } }"""
REPORT_ITEM = """mutation($input: ReportInput!) { reportItem(input: $input) { __typename
  ... on ReportSuccess { report { id reason } } ... on NotFoundError { message } } }"""
EDIT = """mutation($input: EditCommentInput!) { editComment(input: $input) { __typename
  ... on CommentSuccess { comment { bodyText } } ... on NotFoundError { message } } }"""
DELETE = """mutation($input: DeleteCommentInput!) { deleteComment(input: $input) { __typename
  ... on CommentSuccess { comment { id } } ... on NotFoundError { message } } }"""
DECIDE = """mutation($input: DecideReportInput!) { decideReport(input: $input) { __typename
  ... on DecideSuccess { report { reason } } ... on NotFoundError { message }
  ... on NotAllowedError { message } } }"""


def probes(secret: Secret) -> Iterator[Path]:
    """Writes on ``secret``'s items: each must answer as for a missing item."""
    s = secret
    for name, target in (
        ("addComment(Document)", s.gid),
        ("addComment(commented event)", s.comment_event),
        ("addComment(unreacted event)", s.unreacted_event),
        ("addComment(deleted event)", s.deleted_event),
    ):
        yield Path(name, ADD, {"input": {"targetId": target, "body": "probe"}}, s)
    for name, item in (
        ("react(Document)", s.gid),
        ("react(Comment)", s.comment),
        ("react(ActivityItem)", s.comment_event),
    ):
        yield Path(name, REACT, {"input": {"itemId": item, "reaction": "LIKE"}}, s)
    yield Path("follow(Document)", FOLLOW, {"input": {"targetId": s.gid}}, s)
    yield Path("reportItem", REPORT_ITEM, {"input": {"itemId": s.comment, "reason": "probe"}}, s)
    yield Path("editComment", EDIT, {"input": {"commentId": s.comment, "body": "probe"}}, s)
    yield Path("deleteComment", DELETE, {"input": {"commentId": s.comment}}, s)
    yield Path("decideReport", DECIDE, {"input": {"reportId": s.report, "outcome": "HIDE"}}, s)


@dataclass
class Findings:
    leaks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    shown: set[tuple[str, str]] = field(default_factory=set)  # (path, secret path) to a reader


async def check(gateway: Gateway, world: World, *, writes: bool = True) -> Findings:
    """Run every path (and, with ``writes``, every probe) as every viewer."""
    found = Findings()
    for viewer in world.viewers:
        for path in paths(world, viewer):
            await _run(gateway, world, viewer, path, found)
        if writes:
            for secret in world.secrets:
                if viewer.account not in secret.readers:
                    for probe in probes(secret):
                        await _run(gateway, world, viewer, probe, found, probe=True)
    return found


async def _run(
    gateway: Gateway, world: World, viewer: Viewer, path: Path, found: Findings, *,
    probe: bool = False,
) -> None:  # fmt: skip
    body = await gateway.query(path.query, path.variables, user=viewer.account)
    text = json.dumps(body, ensure_ascii=False)
    where = f"{viewer.account} ({viewer.role}) via {path.name}"
    for error in body.get("errors", []):
        code = (error.get("extensions") or {}).get("code")
        if code not in path.allowed_errors:
            found.errors.append(f"{where}: {code} {error.get('message')}")
    for secret in world.secrets:
        reader = viewer.account in secret.readers
        seen = sorted(m for m in secret.markers if m in text)
        if reader and seen and path.secret in (None, secret):
            found.shown.add((path.name, secret.path))
        if not reader and seen:
            found.leaks.append(f"{where} shows {secret.path}: {seen[:3]}")
    data = body.get("data") or {}
    if probe and path.secret is not None and viewer.account not in path.secret.readers:
        [result] = data.values() if data else [None]
        if not result or result.get("__typename") not in ("NotFoundError", "NotAllowedError"):
            found.leaks.append(f"{where} was not refused on {path.secret.path}: {result}")
    if path.secret is not None and viewer.account not in path.secret.readers:
        found.leaks += [f"{where} counts {path.secret.path}: {c}" for c in _counts(path, data)]


def _counts(path: Path, data: dict[str, Any]) -> list[str]:
    """Counts about an unreadable document that must be zero."""
    if path.name == "documents(folder)":
        total = (data.get("documents") or {}).get("totalCount")
        return [f"{total} documents in its folder"] if total else []
    if path.name.startswith("experts(") and path.secret is not None:
        kinds = {r["kind"] for e in data.get("experts") or [] for r in e["reasons"]}
        told = sorted(kinds & DOCUMENT_REASONS)
        return [f"experts' reasons {told}"] if told else []
    return []


def covered_fields(schema: GraphQLSchema, world: World) -> set[str]:
    """``Type.field`` of everything the matrix's operations select."""
    seen: set[str] = set()
    info = TypeInfo(schema)

    class Collect(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            parent = info.get_parent_type()
            if parent is not None:
                seen.add(f"{parent.name}.{node.name.value}")

    operations = {p.query for v in world.viewers for p in paths(world, v)}
    operations |= {p.query for s in world.secrets for p in probes(s)}
    for query in operations:
        visit(parse(query), TypeInfoVisitor(info, Collect()))
    return seen
