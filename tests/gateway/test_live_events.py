"""Subscriptions end to end, in process: the gateway's lifespan over the sample council's
real upstreams, contexts built as the WebSocket transport builds them
(``SignIn.context_for``), operations run through ``schema.subscribe``, writes through the
schema's mutations. Then two instances sharing the real Redis: what one writes reaches a
subscriber of the other, and never one who may not read it.

Every "gets nothing" is asserted after a control event that the same stream, or a
subscriber who may read it, did receive: a silent stream alone proves nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from redis.asyncio import Redis
from servers import Council
from servers.redis import RedisServer
from starlette.applications import Starlette

from connectors.directory import DirectoryPerson
from gateway.app import create_app
from gateway.live.bus import RedisBus
from gateway.live.events import Live, SlowConsumer
from gateway.settings import Settings
from gateway.signin import SignIn
from schema import build_schema
from schema.context import Context
from schema.ids import global_id, parse_global_id
from townhall_demo.upstreams import ScimServer, WebDavServer

from .conftest import base_settings

OPEN_DOC = "Planning/Plans/Local Plan 2026.md"  # All Staff
TEAM_DOC = "Planning/Team/Building Control - Onboarding Checklist.md"  # Staff - Planning only
VIEWER, PLANNER, PLANNER2 = "alex.morgan", "alice.iqbal", "alison.johnson"  # IT; Planning x2
WAIT = 5.0  # seconds an expected event may take (the machine is shared)
QUIET = 0.5  # seconds a stream must stay silent after its control event

SCHEMA = build_schema()

ADD = """mutation($input: AddCommentInput!) { addComment(input: $input) {
  __typename ... on CommentSuccess { comment { id } } } }"""
EDIT = """mutation($input: EditCommentInput!) { editComment(input: $input) { __typename } }"""
DELETE = """mutation($input: DeleteCommentInput!) { deleteComment(input: $input) { __typename } }"""
FOLLOW = """mutation($input: FollowInput!) { follow(input: $input) { __typename } }"""
UNFOLLOW = """mutation($input: FollowInput!) { unfollow(input: $input) { __typename } }"""
COMMENTS = """subscription($id: ID!) { commentEvents(targetId: $id) {
  kind commentId comment { id bodyText author { accountName } } } }"""
NOTIFICATIONS = """subscription { notificationAdded { id kind actor { accountName }
  activity { verb } } }"""
ACTIVITY = """subscription($feed: String!) { activityAdded(feed: $feed) {
  id verb actors { accountName } document { path } comment { id } } }"""
DOCUMENTS = """subscription($folder: String) { documentChanged(folder: $folder) { path } }"""


async def until(condition: Callable[[], bool], what: str, within: float = WAIT) -> None:
    deadline = time.monotonic() + within
    while not condition():  # polls state other tasks change
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.01)


def doc_id(path: str) -> str:
    return global_id("Document", path)


class Instance:
    """One gateway process's app, run in this process (its lifespan entered)."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.contexts: dict[str, Context] = {}

    @property
    def live(self) -> Live:
        live: Live = self.app.state.live
        return live

    @property
    def sign_in(self) -> SignIn:
        sign_in: SignIn = self.app.state.sign_in
        return sign_in

    async def person(self, account: str) -> DirectoryPerson:
        [found] = await self.app.state.upstreams.directory.people_by("account_name", [account])
        assert isinstance(found, DirectoryPerson), account
        return found

    async def context(self, account: str) -> Context:
        return self.sign_in.context_for(await self.person(account), f"test-{account}")

    async def run(self, account: str, query: str, **variables: Any) -> dict[str, Any]:
        result = await SCHEMA.execute(
            query, variable_values=variables, context_value=await self.context(account)
        )
        assert result.errors is None, result.errors
        assert result.data is not None
        return result.data

    async def comment(self, account: str, path: str, body: str) -> str:
        data = await self.run(account, ADD, input={"targetId": doc_id(path), "body": body})
        assert data["addComment"]["__typename"] == "CommentSuccess", data
        comment_id: str = data["addComment"]["comment"]["id"]
        return comment_id

    @contextlib.asynccontextmanager
    async def subscribe(self, account: str, query: str, **variables: Any) -> AsyncIterator[Stream]:
        stream = Stream(await SCHEMA.subscribe(
            query, variable_values=variables, context_value=await self.context(account)
        ))  # fmt: skip
        try:
            await stream.started(self.live)
            yield stream
        finally:
            await stream.close()


class Stream:
    """A subscription's results, read in the background into a queue."""

    def __init__(self, results: Any) -> None:
        self._results: AsyncGenerator[Any, None] = results
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for result in self._results:
            self.queue.put_nowait(result)

    async def started(self, live: Live, within: float = WAIT) -> None:
        """Wait until the subscription listens on the hub (else an event written at once
        could pass before it)."""
        before = live.hub.subscriptions
        await until(
            lambda: live.hub.subscriptions > before or self._task.done(),
            "the subscription listens",
            within,
        )

    async def next(self, within: float = WAIT) -> dict[str, Any]:
        result = await asyncio.wait_for(self.queue.get(), within)
        assert result.errors is None, result.errors
        data: dict[str, Any] = result.data
        return data

    async def error(self, within: float = WAIT) -> Any:
        result = await asyncio.wait_for(self.queue.get(), within)
        assert result.errors, result
        return result.errors[0]

    async def quiet(self, seconds: float = QUIET) -> None:
        await asyncio.sleep(seconds)
        assert self.queue.empty(), self.queue.get_nowait()

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task
        with contextlib.suppress(Exception):
            await self._results.aclose()


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Instance]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield Instance(app)


def live_settings(settings: Settings, **changes: Any) -> Settings:
    return settings.model_copy(update={"live": settings.live.model_copy(update=changes)})


@pytest.fixture(scope="module")
async def settings(
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Settings:
    found: Settings = base_settings(
        council, scim_server, webdav_server, tmp_path_factory.mktemp("live")
    )
    return found


@pytest.fixture(scope="module")
async def one(settings: Settings) -> AsyncIterator[Instance]:
    async with running(live_settings(settings, queue_size=3)) as instance:
        yield instance


# -- one instance, the memory bus --------------------------------------------------------


async def test_comment_events_added_edited_deleted_in_order(one: Instance) -> None:
    async with one.subscribe(VIEWER, COMMENTS, id=doc_id(OPEN_DOC)) as stream:
        comment = await one.comment(PLANNER, OPEN_DOC, "First thoughts on the plan")
        assert await stream.next() == {"commentEvents": {
            "kind": "ADDED", "commentId": comment,
            "comment": {"id": comment, "bodyText": "First thoughts on the plan",
                        "author": {"accountName": PLANNER}},
        }}  # fmt: skip
        await one.run(PLANNER, EDIT, input={"commentId": comment, "body": "Second thoughts"})
        edited = await stream.next()
        assert edited["commentEvents"]["kind"] == "EDITED"
        assert edited["commentEvents"]["comment"]["bodyText"] == "Second thoughts"
        await one.run(PLANNER, DELETE, input={"commentId": comment})
        assert await stream.next() == {
            "commentEvents": {"kind": "DELETED", "commentId": comment, "comment": None}
        }
        await stream.quiet()


async def test_a_reader_hears_of_a_restricted_comment_and_an_outsider_does_not(
    one: Instance,
) -> None:
    async with (
        one.subscribe(VIEWER, COMMENTS, id=doc_id(TEAM_DOC)) as outsider,
        one.subscribe(PLANNER2, COMMENTS, id=doc_id(TEAM_DOC)) as reader,
    ):
        comment = await one.comment(PLANNER, TEAM_DOC, "Team only: the checklist")
        assert (await reader.next())["commentEvents"]["commentId"] == comment  # the control
        await outsider.quiet()


async def test_a_notification_reaches_only_its_recipient(one: Instance) -> None:
    recipient = await one.person(PLANNER2)
    async with (
        one.subscribe(PLANNER2, NOTIFICATIONS) as mine,
        one.subscribe(VIEWER, NOTIFICATIONS) as other,
    ):
        await one.run(PLANNER, FOLLOW, input={"targetId": global_id("Person", recipient.guid)})
        got = (await mine.next())["notificationAdded"]
        assert got["kind"] == "NEW_FOLLOWER"
        assert got["actor"] == {"accountName": PLANNER}
        assert got["activity"] == {"verb": "followed"}
        await other.quiet()
    await one.run(PLANNER, UNFOLLOW, input={"targetId": global_id("Person", recipient.guid)})


async def test_bad_feeds_and_ids_are_refused_before_any_event(one: Instance) -> None:
    for query, variables in [
        (ACTIVITY, {"feed": "everything"}),
        (ACTIVITY, {"feed": "person:not-an-id"}),
        (ACTIVITY, {"feed": f"person:{doc_id(OPEN_DOC)}"}),
        (ACTIVITY, {"feed": "tag:###"}),
        (COMMENTS, {"id": "nope"}),
        (COMMENTS, {"id": global_id("Group", "x")}),
        (DOCUMENTS, {"folder": "x" * 2000}),
    ]:
        results = await SCHEMA.subscribe(
            query, variable_values=variables, context_value=await one.context(VIEWER)
        )
        first = await asyncio.wait_for(anext(results), WAIT)
        assert first.errors and first.data is None, (variables, first)
        assert (first.errors[0].extensions or {}).get("code") == "BAD_USER_INPUT", first.errors
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(anext(results), WAIT)


async def test_each_feed_gets_exactly_what_its_query_lists(one: Instance) -> None:
    planner, planner2 = await one.person(PLANNER), await one.person(PLANNER2)
    teammate = "anthony.freeman"  # reports to the viewer: the home feed's team
    async with (
        one.subscribe(VIEWER, ACTIVITY, feed=f"person:{global_id('Person', planner.guid)}") as by,
        one.subscribe(VIEWER, ACTIVITY, feed=f"document:{doc_id(OPEN_DOC)}") as on_doc,
        one.subscribe(VIEWER, ACTIVITY, feed="tag:#Live Feed Test") as tagged,
        one.subscribe(VIEWER, ACTIVITY, feed="home") as home,
    ):
        followed = {"targetId": global_id("Person", planner2.guid)}
        await one.run(VIEWER, FOLLOW, input=followed)  # while subscribed
        first = await one.comment(PLANNER2, OPEN_DOC, "Notes #live-feed-test")
        hidden = await one.comment(PLANNER, TEAM_DOC, "Team only")  # the viewer may not read
        await one.run(VIEWER, UNFOLLOW, input=followed)
        second = await one.comment(PLANNER2, OPEN_DOC, "More notes")
        third = await one.comment(PLANNER, OPEN_DOC, "Mine")
        fourth = await one.comment(teammate, OPEN_DOC, "From the team")

        def item(comment: str, actor: str) -> dict[str, Any]:
            return {"verb": "commented", "actors": [{"accountName": actor}],
                    "document": {"path": OPEN_DOC}, "comment": {"id": comment}}  # fmt: skip

        async def seen(stream: Stream) -> dict[str, Any]:
            got = dict((await stream.next())["activityAdded"])
            got.pop("id")
            return got

        assert await seen(on_doc) == item(first, PLANNER2)
        assert await seen(on_doc) == item(second, PLANNER2)
        assert await seen(on_doc) == item(third, PLANNER)
        assert await seen(on_doc) == item(fourth, teammate)
        assert await seen(tagged) == item(first, PLANNER2)
        assert await seen(by) == item(third, PLANNER)  # not the team-only comment before it
        assert await seen(home) == item(first, PLANNER2)  # followed then
        assert await seen(home) == item(fourth, teammate)  # not `second`: unfollowed by then
        for stream in (on_doc, tagged, by, home):
            await stream.quiet()
    assert hidden


async def test_documents_changed_within_a_folder_as_each_viewer_may_read(one: Instance) -> None:
    editor = await one.person(PLANNER)
    store = one.app.state.upstreams.social
    async with (
        one.subscribe(VIEWER, DOCUMENTS, folder="Planning") as outsider,
        one.subscribe(PLANNER2, DOCUMENTS, folder="/Planning/Team/") as reader,
        one.subscribe(PLANNER2, DOCUMENTS, folder="Corporate") as elsewhere,
    ):
        await store.record_document_changes(
            [(TEAM_DOC, editor.guid, "updated", None), (OPEN_DOC, editor.guid, "updated", None)]
        )
        assert await reader.next() == {"documentChanged": {"path": TEAM_DOC}}
        assert await outsider.next() == {"documentChanged": {"path": OPEN_DOC}}
        for stream in (outsider, reader, elsewhere):
            await stream.quiet()


async def test_a_slow_subscriber_overflows_alone(one: Instance) -> None:
    """``one`` queues 3 events per subscription: the fourth waiting overflows it."""
    results = await SCHEMA.subscribe(
        COMMENTS, variable_values={"id": doc_id(OPEN_DOC)}, context_value=await one.context(VIEWER)
    )
    before = one.live.hub.subscriptions
    overflows = one.live.hub.counts.overflows
    pending = asyncio.ensure_future(anext(results))
    try:
        await until(lambda: one.live.hub.subscriptions > before, "the slow one listens")
        async with one.subscribe(PLANNER2, COMMENTS, id=doc_id(OPEN_DOC)) as fast:
            ids = [await one.comment(PLANNER, OPEN_DOC, "Slow 1")]
            first = await asyncio.wait_for(pending, WAIT)
            assert first.data is not None
            assert first.data["commentEvents"]["commentId"] == ids[0]
            # The slow one reads no further: 3 wait in its queue, the 4th overflows it.
            ids += [await one.comment(PLANNER, OPEN_DOC, f"Slow {n}") for n in range(2, 6)]
            got = [(await fast.next())["commentEvents"]["commentId"] for _ in ids]
            assert got == ids  # the fast subscriber is unaffected
            assert one.live.hub.counts.overflows == overflows + 1
            ended = await asyncio.wait_for(anext(results), WAIT)
            assert ended.data is None and ended.errors is not None
            [error] = ended.errors
            assert isinstance(error.original_error, SlowConsumer)
            assert (error.extensions or {}).get("code") == "SLOW_CONSUMER"
            with pytest.raises(StopAsyncIteration):
                await asyncio.wait_for(anext(results), WAIT)
            await fast.quiet()
    finally:
        pending.cancel()
        await results.aclose()


# -- two instances sharing Redis ---------------------------------------------------------


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis-live"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def pair(
    settings: Settings, redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Instance, Instance]]:
    """Two gateway instances over one social database and one Redis."""
    database = tmp_path_factory.mktemp("live-pair") / "townhall.db"
    shared = settings.model_copy(
        update={
            "cache": settings.cache.model_copy(
                update={"backend": "redis", "redis_url": redis_server.url, "namespace": "pair"}
            ),
            "social": settings.social.model_copy(
                update={"database_url": f"sqlite+aiosqlite:///{database}"}
            ),
        }
    )
    async with running(shared) as a, running(shared) as b:
        for instance in (a, b):
            await asyncio.wait_for(bus(instance).connected.wait(), WAIT)
        yield a, b


def bus(instance: Instance) -> RedisBus:
    found = instance.live.bus
    assert isinstance(found, RedisBus)
    return found


async def test_a_comment_written_on_one_instance_reaches_the_other(
    pair: tuple[Instance, Instance],
) -> None:
    a, b = pair
    async with (
        b.subscribe(VIEWER, COMMENTS, id=doc_id(OPEN_DOC)) as viewer,
        b.subscribe(VIEWER, COMMENTS, id=doc_id(TEAM_DOC)) as outsider,
        b.subscribe(PLANNER2, COMMENTS, id=doc_id(TEAM_DOC)) as reader,
    ):
        received = bus(b).received
        secret = await a.comment(PLANNER, TEAM_DOC, "Across instances, team only")
        shared = await a.comment(PLANNER, OPEN_DOC, "Across instances")
        assert await viewer.next() == {"commentEvents": {
            "kind": "ADDED", "commentId": shared,
            "comment": {"id": shared, "bodyText": "Across instances",
                        "author": {"accountName": PLANNER}},
        }}  # fmt: skip
        assert (await reader.next())["commentEvents"]["commentId"] == secret
        assert bus(b).received > received  # through Redis, not this process's own bus
        for stream in (viewer, outsider, reader):
            await stream.quiet()


async def test_malformed_bus_messages_are_dropped_and_counted(
    pair: tuple[Instance, Instance], redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = pair
    channel = bus(b).channel
    comment = await a.comment(PLANNER, OPEN_DOC, "Pointed at by a message from elsewhere")
    key = parse_global_id(comment, "Comment")[1]  # the bus carries the store's own ids
    valid = {"v": 1, "origin": "elsewhere", "kind": "comment",
             "items": [["edited", key, "document", OPEN_DOC]]}  # fmt: skip
    junk: list[bytes] = [
        b"not json",
        b"[]",
        json.dumps({**valid, "kind": "secrets"}).encode(),
        json.dumps({**valid, "items": [["edited", key, "group", OPEN_DOC]]}).encode(),
        json.dumps({**valid, "items": [[1, 2, 3]]}).encode(),
        json.dumps({**valid, "body": "content never crosses the bus"}).encode(),
        json.dumps({**valid, "kind": "notification", "items": [[-1, "x"]]}).encode(),
        json.dumps({**valid, "items": [["edited", key, "document", "x" * 70_000]]}).encode(),
    ]
    dropped = bus(b).dropped
    async with b.subscribe(VIEWER, COMMENTS, id=doc_id(OPEN_DOC)) as stream:
        client = Redis.from_url(redis_server.url)
        try:
            for message in junk:
                await client.publish(channel, message)
            await client.publish(channel, json.dumps(valid))  # the control: read as usual
        finally:
            await client.aclose()
        got = await stream.next()
        assert got["commentEvents"]["kind"] == "EDITED"
        assert got["commentEvents"]["commentId"] == comment
        await stream.quiet()
    assert bus(b).dropped == dropped + len(junk)


async def test_the_bus_reconnects_after_redis_restarts(
    pair: tuple[Instance, Instance], redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = pair
    caplog.set_level(logging.INFO, logger="townhall.live")
    redis_server.stop()
    for instance in (a, b):
        connected = bus(instance).connected
        await until(lambda: not connected.is_set(), "the bus noticed Redis go")  # noqa: B023
    redis_server.start()
    for instance in (a, b):
        await asyncio.wait_for(bus(instance).connected.wait(), 15)
    async with b.subscribe(VIEWER, COMMENTS, id=doc_id(OPEN_DOC)) as stream:
        comment = await a.comment(PLANNER, OPEN_DOC, "After the restart")
        assert (await stream.next())["commentEvents"]["commentId"] == comment
    said = [r for r in caplog.records if r.name == "townhall.live"]
    lost = [r for r in said if r.levelno == logging.WARNING and "cannot reach Redis" in r.message]
    assert len(lost) == 2  # one per instance for the whole outage
    back = [r for r in said if "reach Redis again" in r.message]
    assert len(back) == 2
