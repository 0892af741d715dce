"""Privacy by construction, as a matrix: generated viewers x restricted documents x every
query path and write probe, through a real gateway (uvicorn over HTTP, the embedded
directory, real scim2-server and wsgidav, the social store on SQLite).

For each restricted folder of the sample council a viewer who may read it (and nothing
else restricted) is generated, plus a moderator who may read none; social data is
seeded on one document of each folder through the API, by people who may read it.
Nothing about a document reaches a viewer who may not read it: not its id, title or
path, nor its comments, reports, activity, notifications, counts or experts' reasons.
Every path is shown to reveal the markers to a reader (so a clean answer means
something), and the matrix is shown to catch a resolver wired to a raw reader: each
reader of the gate in turn is swapped for one that skips the judgement.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from graphql import GraphQLObjectType
from servers import Council

from connectors.documents import FolderAccess
from connectors.social import CommentLimits, CommentText, ItemNotFound
from gateway.loaders import build_loaders
from gateway.scope import GatePolicy, build_scope
from gateway.scope.activity import ActivityGate, NotificationGate
from gateway.scope.comments import CommentGate
from gateway.scope.documents import DocumentGate
from gateway.scope.moderation import ModerationGate
from schema import build_schema, discussion
from schema.context import StaleSources
from schema.ids import global_id, parse_global_id
from schema.scope import Scanned
from townhall_demo.upstreams import ScimServer, WebDavServer

from . import test_live_events
from .conftest import Gateway, base_settings, serve
from .privacy_paths import check, covered_fields
from .privacy_world import (
    DELETE,
    FALLBACK_MODERATORS,
    OPEN_DOC,
    UNREACT,
    Viewer,
    World,
    act,
    build,
    events_about,
    follow_writers,
    seed,
)

COUNTS = """{ unreadNotificationCount notificationDigest { total unread byKind { kind count } }
  notifications(first: 100) { edges { node { id kind } } }
  homeFeed(first: 50) { edges { node { id verb eventCount actorCount } } }
  myReports { id } myFollows(kind: DOCUMENT, first: 100) { edges { node { key } } } }"""
# Every path must show each document's markers to its reader; moderation only where a
# moderator may open the document (the fallback group may open the HR one).
SHOWN = {
    "document", "node", "documents(folder)", "documents(parent)", "searchDocuments",
    "Person.documents", "Person.activity", "tagFeed", "Tag", "comment", "homeFeed",
    "notifications", "notificationDigest", "myFollows",
}  # fmt: skip


@pytest.fixture(scope="module")
async def gateway(
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Gateway]:
    settings = base_settings(council, scim_server, webdav_server, tmp_path_factory.mktemp("m"))
    settings.social.fallback_moderator_groups = [FALLBACK_MODERATORS]
    settings.limits.budget_per_minute = 0  # hundreds of operations a minute, by design
    settings.limits.comments_per_minute = 1000
    async with serve(settings) as served:
        sync = served.upstreams.document_sync
        assert sync is not None
        await asyncio.wait_for(sync.ready.wait(), 60)
        yield served


@pytest.fixture(scope="module")
async def world(gateway: Gateway, council: Council) -> World:
    """The generated world, seeded; counts of every viewer who may not read a document
    are taken before and after its seeding (``world.changed``)."""
    world = await build(gateway, council)
    await follow_writers(gateway, world)
    for secret in world.secrets:
        watched = [*world.non_readers(secret), secret.writer]
        before = [await counts(gateway, v) for v in watched]
        await seed(gateway, world, secret)
        after = [await counts(gateway, v) for v in watched]
        world.changed.extend(
            f"{v.account}'s counts changed when {secret.path} was seeded: {b} -> {a}"
            for v, b, a in zip(watched, before, after, strict=True)
            if a != b
        )
    return world


async def counts(gateway: Gateway, viewer: Viewer) -> str:
    body = await gateway.query(COUNTS, user=viewer.account)
    assert "errors" not in body, body
    return json.dumps(body["data"], sort_keys=True)


async def test_the_world_is_generated_as_the_matrix_needs(world: World) -> None:
    assert len({v.account for v in world.viewers}) == len(world.viewers) == 4
    assert [len(s.readers) for s in world.secrets] == [1, 1, 1]
    moderator = next(v for v in world.viewers if v.role == "Townhall Moderators")
    assert not any(world.may_read(moderator, s.path) for s in world.secrets)
    for secret in world.secrets:
        assert secret.comment and secret.report and secret.unreacted_event
        assert secret.deleted_event and len(secret.markers) > 8
        assert secret.tag in secret.exclusive


async def test_nothing_about_an_unreadable_document_reaches_a_viewer(
    gateway: Gateway, world: World
) -> None:
    found = await check(gateway, world)
    assert found.errors == []
    assert found.leaks == []
    # Only each document's reader's counts changed as it was seeded (and they did).
    readers = {f"{s.writer.account}'s counts changed when {s.path} " for s in world.secrets}
    assert {c.split("was seeded")[0] for c in world.changed} == readers, world.changed
    for secret in world.secrets:
        shown = {name for name, path in found.shown if path == secret.path}
        expected = SHOWN | {f"experts({secret.tag})"}
        if secret.path.startswith("HR and Organisational Development/Confidential/"):
            expected.add("moderationQueue")
        assert expected <= shown, (secret.path, sorted(expected - shown))


SUBSCRIPTION_TESTS = {
    "notificationAdded": "test_a_notification_reaches_only_its_recipient",
    "commentEvents": "test_a_reader_hears_of_a_restricted_comment_and_an_outsider_does_not",
    "activityAdded": "test_each_feed_gets_exactly_what_its_query_lists",
    "documentChanged": "test_documents_changed_within_a_folder_as_each_viewer_may_read",
}


def test_the_matrix_covers_every_query_path(world: World) -> None:
    schema = build_schema()._schema
    # Subscriptions are judged per event by the same gate; each field's privacy test is in
    # test_live_events.py (named here, so a new field fails until it has one).
    subscriptions = schema.subscription_type
    assert subscriptions is not None
    assert set(subscriptions.fields) == set(SUBSCRIPTION_TESTS)
    for name in SUBSCRIPTION_TESTS.values():
        assert callable(getattr(test_live_events, name)), name
    covered = covered_fields(schema, world)
    query = schema.query_type
    assert query is not None
    # Root fields about no document: people, groups, HR, the audit trail, headcounts.
    elsewhere = {"me", "people", "group", "hrRecordsWithoutAccount", "auditLog", "headcount"}
    missing = {f"Query.{f}" for f in query.fields} - covered - {f"Query.{f}" for f in elsewhere}
    for type_name in (
        "Document", "ActivityItem", "Comment", "Report", "Notification", "NotificationDigest",
        "FollowedItem", "Expert", "ExpertReason", "Tag", "CommentRevision", "ReactionCount",
    ):  # fmt: skip
        named = schema.type_map[type_name]
        assert isinstance(named, GraphQLObjectType)
        missing |= {f"{type_name}.{f}" for f in named.fields} - covered
    assert missing == set()


async def test_moderators_see_only_reports_on_items_they_may_open(
    gateway: Gateway, world: World
) -> None:
    """Leak 1: a moderator who may not open a document saw reports on a comment on it
    (the reason quoting pay details, the reporter's name) and could hide the comment."""
    hr = next(s for s in world.secrets if s.path.startswith("HR and"))
    writer, reporter = hr.writer.account, hr.second
    moderator = next(v for v in world.viewers if v.role == "Townhall Moderators").account
    comment = await _comment(gateway, hr.gid, "grade 9 moves to £61,000", writer)
    report = await _report(gateway, comment, "quotes grade 9 pay: £61,000", reporter)
    open_doc = await _comment(gateway, global_id("Document", OPEN_DOC), "see page 4", writer)
    open_report = await _report(gateway, open_doc, "off topic", reporter)

    seen = await gateway.query(QUEUE, user=moderator)
    text = json.dumps(seen)
    assert report not in text and "61,000" not in text and "grade 9" not in text
    # The queue works: the report on what they may open, with who filed it.
    [shown] = [r for r in seen["data"]["moderationQueue"] if r["id"] == open_report]
    assert shown["reporter"] == {"accountName": reporter}
    notices = await gateway.query(NOTES, user=moderator)
    assert report not in json.dumps(notices)
    refused = await gateway.query(DECIDE, {"input": {"reportId": report, "outcome": "HIDE"}},
                                  user=moderator)  # fmt: skip
    assert refused["data"]["decideReport"]["__typename"] == "NotFoundError"
    assert "61,000" not in json.dumps(refused)
    state = await gateway.query(STATE, {"id": comment}, user=writer)
    assert state["data"]["comment"]["state"] == "PUBLISHED"

    # The fallback group's member who may open it moderates it, and only that.
    queue = (await gateway.query(QUEUE, user=writer))["data"]["moderationQueue"]
    [mine] = [r for r in queue if r["id"] == report]
    assert mine["reason"] == "quotes grade 9 pay: £61,000"
    assert mine["reporter"] == {"accountName": reporter}
    assert open_report not in json.dumps(queue)  # the moderators may open that one
    told = json.dumps(await gateway.query(NOTES, user=writer))
    assert report in told and open_report not in told
    decided = await gateway.query(DECIDE, {"input": {"reportId": report, "outcome": "HIDE"}},
                                  user=writer)  # fmt: skip
    assert decided["data"]["decideReport"]["__typename"] == "DecideSuccess"
    state = await gateway.query(STATE, {"id": comment}, user=writer)
    assert state["data"]["comment"]["state"] == "HIDDEN"


async def test_activity_without_its_document_is_judged_by_it(
    gateway: Gateway, world: World
) -> None:
    """Leak 2: "unreacted" and "deleted" events were stored without their document, so a
    viewer who may not read it could comment on one (and so notify its actor)."""
    hr = next(s for s in world.secrets if s.path.startswith("HR and"))
    writer = hr.writer.account
    outsider = next(v for v in world.viewers if v.role == "Staff - Planning").account
    comment = await _comment(gateway, hr.gid, "second thoughts", writer)
    await act(gateway, REACT, {"input": {"itemId": comment, "reaction": "LIKE"}}, writer)
    await act(gateway, UNREACT, {"input": {"itemId": comment, "reaction": "LIKE"}}, writer)
    doomed = await _comment(gateway, hr.gid, "never mind", writer)
    await act(gateway, DELETE, {"input": {"commentId": doomed}}, writer)
    events = await events_about(gateway, hr.path)
    keys = {parse_global_id(comment, "Comment")[1], parse_global_id(doomed, "Comment")[1]}
    undone = [global_id("ActivityItem", str(e)) for e, verb, obj in events
              if verb in ("unreacted", "deleted") and obj in keys]  # fmt: skip
    assert len(undone) == 2  # both stored with their document

    before = await counts(gateway, hr.writer)
    for item in undone:
        added = await gateway.query(ADD, {"input": {"targetId": item, "body": "hi"}}, user=outsider)
        assert added["data"]["addComment"]["__typename"] == "NotFoundError"
        given = await gateway.query(REACT, {"input": {"itemId": item, "reaction": "LIKE"}},
                                    user=outsider)  # fmt: skip
        assert given["data"]["react"]["__typename"] == "NotFoundError"
    assert await counts(gateway, hr.writer) == before  # its actor was told nothing
    for item in undone:  # the items are there for a reader
        added = await gateway.query(ADD, {"input": {"targetId": item, "body": "hi"}}, user=writer)
        assert added["data"]["addComment"]["__typename"] == "CommentSuccess"


# -- a resolver wired to a raw reader is caught -----------------------------------------


async def _raw_get(self: DocumentGate, path: str) -> Any:
    return await self._gate.documents.document.load(path)


async def _raw_in_folder(self: DocumentGate, folder: str) -> Any:
    index = await self._gate.documents.index.load("")
    return [d for d in index if not folder or d.path.startswith(folder.strip("/") + "/")]


async def _raw_search(self: DocumentGate, text: str) -> Any:
    return await self._gate.documents.search.load(text)


async def _raw_feed(self: ActivityGate, events: list[Any], limit: int) -> Any:
    end = events[-1].id if events else None
    return Scanned(items=events, end=end, more=len(events) >= limit)


async def _raw_comment(self: CommentGate, comment_id: str) -> Any:
    return await self._gate.social.comment.load(comment_id)


async def _raw_signals(self: CommentGate, tag: str, documents: Any) -> Any:
    return await self._gate.store.topic_signals(tag, list(documents))


async def _raw_notifications(self: NotificationGate, rows: list[Any]) -> Any:
    return rows


async def _raw_queue(self: ModerationGate, first: int) -> Any:
    return await self._gate.store.open_reports(first=first)


async def _unjudged_add(self: CommentGate, kind: str, target: str, text: Any, **kw: Any) -> Any:
    gate = self._gate
    return await gate.store.add_comment(gate.viewer.guid, kind, target, text, **kw)


async def _unchecked_target(info: Any, target_id: str, *kinds: str) -> Any:
    """A comment resolver that forgot to check its target."""
    type_name, key = parse_global_id(target_id, *kinds)
    kinds_by_type = {"Document": "document", "ActivityItem": "activity", "Comment": "comment"}
    return kinds_by_type.get(type_name, "person"), key


Patch = tuple[Any, str, Callable[..., Awaitable[Any]]]
MISWIRED: dict[str, tuple[list[Patch], str]] = {
    "document": ([(DocumentGate, "get", _raw_get)], "via document"),
    "documents": ([(DocumentGate, "in_folder", _raw_in_folder)], "via documents(folder)"),
    "search": ([(DocumentGate, "search", _raw_search)], "via searchDocuments"),
    "activity": ([(ActivityGate, "_shown", _raw_feed)], "via Person.activity"),
    "comment": ([(CommentGate, "comment", _raw_comment)], "via comment"),
    "experts": ([(CommentGate, "topic_signals", _raw_signals)], "via experts("),
    "notifications": ([(NotificationGate, "_shown", _raw_notifications)], "via notifications"),
    "moderation": ([(ModerationGate, "queue", _raw_queue)], "via moderationQueue"),
    "writes": (
        [(discussion, "_target", _unchecked_target), (CommentGate, "add", _unjudged_add)],
        "via addComment(Document) was not refused",
    ),
}


@pytest.mark.parametrize("reader", list(MISWIRED))
async def test_the_matrix_catches_a_resolver_wired_to_a_raw_reader(
    gateway: Gateway, world: World, monkeypatch: pytest.MonkeyPatch, reader: str
) -> None:
    patches, where = MISWIRED[reader]
    for owner, name, raw in patches:
        monkeypatch.setattr(owner, name, raw)
    found = await check(gateway, world, writes=reader == "writes")
    assert [leak for leak in found.leaks if where in leak], found.leaks[:5]


async def test_a_write_resolver_that_forgets_its_check_is_still_refused_by_the_gate(
    gateway: Gateway, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """By construction: the resolver's own check gone, every write probe is still refused,
    because the scope's writer judges the target itself."""
    monkeypatch.setattr(discussion, "_target", _unchecked_target)
    found = await check(gateway, world, writes=True)
    assert found.leaks == []


async def test_the_gate_refuses_writes_about_unreadable_items_itself(
    gateway: Gateway, world: World
) -> None:
    """Below the resolvers: a write through the scope on an item the viewer may not see
    raises ``ItemNotFound`` (what a resolver that skipped its own check would get)."""
    secret = world.secrets[0]
    outsider = next(v for v in world.viewers if v.account not in secret.readers)
    settings = gateway.settings
    loaders = build_loaders(gateway.upstreams, settings, lambda: outsider.guid, StaleSources())
    person = await loaders.directory.person.load(outsider.guid)
    assert person is not None and settings.documents.access_file is not None
    policy = GatePolicy(
        access=FolderAccess.from_file(settings.documents.access_file),
        moderator_groups=frozenset(g.casefold() for g in settings.social.moderator_groups),
        fallback_moderator_groups=frozenset({FALLBACK_MODERATORS.casefold()}),
    )
    scope = build_scope(person, loaders, gateway.upstreams.social, policy)
    with pytest.raises(ItemNotFound):
        await scope.comments.add("document", secret.path, CommentText("x"), parent_id=None,
                                 key=None, limits=CommentLimits())  # fmt: skip
    with pytest.raises(ItemNotFound):
        await scope.reactions.react("comment", _key(secret.comment), "like")
    with pytest.raises(ItemNotFound):
        await scope.follows.follow("document", secret.path, notify=None)
    assert await scope.documents.get(secret.path) is None
    assert await scope.comments.comment(_key(secret.comment)) is None


def _key(comment: str) -> str:
    return parse_global_id(comment, "Comment")[1]


ADD = """mutation($input: AddCommentInput!) { addComment(input: $input) { __typename
  ... on CommentSuccess { comment { id } } } }"""
REACT = """mutation($input: ReactInput!) { react(input: $input) { __typename } }"""
REPORT = """mutation($input: ReportInput!) { reportItem(input: $input) { __typename
  ... on ReportSuccess { report { id } } } }"""
DECIDE = """mutation($input: DecideReportInput!) { decideReport(input: $input) { __typename
  ... on DecideSuccess { settled report { status reason } } ... on NotFoundError { message } } }"""
QUEUE = "{ moderationQueue { id reason reporter { accountName } comment { bodyText } } }"
NOTES = "{ notifications(first: 100) { edges { node { kind report { id reason } } } } }"
STATE = "query($id: ID!) { comment(id: $id) { state } }"


async def _comment(gateway: Gateway, target: str, body: str, user: str) -> str:
    body_ = await gateway.query(ADD, {"input": {"targetId": target, "body": body}}, user=user)
    result = body_["data"]["addComment"]
    assert result["__typename"] == "CommentSuccess", result
    return str(result["comment"]["id"])


async def _report(gateway: Gateway, item: str, reason: str, user: str) -> str:
    body = await gateway.query(REPORT, {"input": {"itemId": item, "reason": reason}}, user=user)
    result = body["data"]["reportItem"]
    assert result["__typename"] == "ReportSuccess", result
    return str(result["report"]["id"])
