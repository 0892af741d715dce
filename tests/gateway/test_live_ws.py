"""GraphQL subscriptions over WebSocket (graphql-transport-ws) against a uvicorn-served
gateway: the protocol's close codes, ping and pong, the same refusals as HTTP, the limits,
and a comment posted over HTTP reaching a subscriber.

(Origins, tokens and cookies: ``test_live_ws_auth.py``; two instances over Redis and what
a subscriber may not read: ``test_live_ws_cluster.py``.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from servers import Council
from servers.gateway import Gateway, serve
from websockets.exceptions import ConnectionClosed

from gateway.live.bus import CommentMessage
from schema.ids import global_id

from .conftest import base_settings
from .live_ws import COMMENT_EVENTS, LiveClient, add_comment, live

ALICE = "alex.morgan"  # the development sign-in's default user
NOTIFICATIONS = "subscription { notificationAdded { id } }"


def person_id(council: Council, account: str) -> str:
    guid = next(p["guid"] for p in council.people if p["sAMAccountName"] == account)
    return global_id("Person", guid)


def someone_else(council: Council, *but: str) -> str:
    return next(
        p["sAMAccountName"]
        for p in council.people
        if p.get("enabled", True) and p.get("hasAd", True) and p["sAMAccountName"] not in but
    )


@pytest.fixture(scope="module")
async def gateway(
    council: Council,
    scim_server: Any,
    webdav_server: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Gateway]:
    settings = base_settings(council, scim_server, webdav_server, tmp_path_factory.mktemp("ws"))
    live = settings.live
    live.connection_init_timeout = 1.0
    live.keep_alive = 0.3
    live.max_connections_per_viewer = 2
    live.max_subscriptions_per_connection = 3
    live.send_queue = 8
    settings.limits.max_aliases = 3
    settings.limits.max_depth = 5
    async with serve(settings) as gateway:
        yield gateway


async def closes(client: LiveClient, message: Any) -> tuple[int | None, str]:
    await client.send(message)
    return await client.closed()


# The protocol's close codes


async def test_a_client_without_the_subprotocol_is_closed_with_4406(gateway: Gateway) -> None:
    async with live(gateway, subprotocols=()) as client:
        assert await client.closed() == (4406, "Subprotocol not acceptable")
    async with live(gateway, subprotocols=("graphql-ws",)) as client:  # the legacy protocol
        assert await client.closed() == (4406, "Subprotocol not acceptable")
    async with live(gateway, subprotocols=("graphql-ws", "graphql-transport-ws")) as client:
        assert client.ws.subprotocol == "graphql-transport-ws"
        await client.init()


async def test_no_connection_init_in_time_is_closed_with_4408(gateway: Gateway) -> None:
    async with live(gateway) as client:
        started = time.monotonic()
        await client.send({"type": "ping"})  # a ping is no connection_init
        assert await client.recv() == {"type": "pong"}
        assert await client.closed() == (4408, "Connection initialisation timeout")
        assert 0.9 <= time.monotonic() - started < 5
    async with live(gateway) as client:  # the control: initialised in time, it stays open
        await client.init()
        await asyncio.sleep(1.5)
        await client.send({"type": "ping"})
        assert await client.recv() == {"type": "pong"}


async def test_a_second_connection_init_is_closed_with_4429(gateway: Gateway) -> None:
    async with live(gateway) as client:
        await client.init()
        assert await closes(client, {"type": "connection_init"}) == (
            4429,
            "Too many initialisation requests",
        )


async def test_subscribing_before_the_ack_is_closed_with_4401(gateway: Gateway) -> None:
    async with live(gateway) as client:
        await client.subscribe("1", NOTIFICATIONS)
        assert await client.closed() == (4401, "Unauthorized")


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("{not json", "Invalid message: not JSON"),
        ("[1, 2]", "Invalid message: not a JSON object"),
        ('{"type": "start", "id": "1"}', "Invalid message type: 'start'"),
        ('{"type": 7}', "Invalid message type: 'int'"),
        ('{"id": "1"}', "Invalid message type: 'NoneType'"),
        (b'{"type": "ping"}', "Invalid message: send JSON text, not binary"),
        ('{"type": "ping", "payload": "x"}', "Invalid message: the ping payload must be an object"),
        (
            '{"type": "subscribe", "payload": {"query": "subscription { x }"}}',
            "Invalid message: subscribe needs an id of 1 to 128 chars",
        ),
        (
            '{"type": "subscribe", "id": "1"}',
            "Invalid message: subscribe needs a payload",
        ),
        (
            '{"type": "complete", "id": ""}',
            "Invalid message: complete needs an id of 1 to 128 chars",
        ),
    ],
)
async def test_a_message_the_protocol_does_not_allow_is_closed_with_4400(
    gateway: Gateway, message: str | bytes, reason: str
) -> None:
    async with live(gateway) as client:
        await client.init()
        assert await closes(client, message) == (4400, reason)


async def test_a_message_over_the_size_limit_is_closed_with_1009(gateway: Gateway) -> None:
    limit = gateway.settings.live.ws_max_message_bytes
    async with live(gateway) as client:
        await client.init()
        await client.send({"type": "ping", "payload": {"pad": "x" * (limit - 100)}})
        assert await client.recv() == {"type": "pong"}  # just under the limit: answered
        code, _ = await closes(client, {"type": "ping", "payload": {"pad": "x" * limit}})
        assert code == 1009


async def test_a_duplicate_subscription_id_is_closed_with_4409(gateway: Gateway) -> None:
    async with live(gateway) as client:
        await client.init()
        await client.subscribe("same", NOTIFICATIONS)
        await client.send({"type": "ping"})
        assert await client.recv() == {"type": "pong"}  # the first is running
        await client.subscribe("same", NOTIFICATIONS)
        assert await client.closed() == (4409, "Subscriber for same already exists")


async def test_an_id_may_be_used_again_once_completed(gateway: Gateway) -> None:
    async with live(gateway) as client:
        await client.init()
        for _ in range(3):
            await client.subscribe("again", NOTIFICATIONS)
            await client.send({"id": "again", "type": "complete"})
        await client.send({"type": "ping"})
        assert await client.recv() == {"type": "pong"}
        await client.nothing(0.3)  # no complete is sent back for a client's complete


async def test_ping_pong_both_ways(gateway: Gateway) -> None:
    async with live(gateway) as client:
        await client.send({"type": "ping", "payload": {"at": 1}})
        assert await client.recv() == {"type": "pong"}  # before connection_init too
        await client.init()
        started = time.monotonic()
        assert await client.recv(pings=True) == {"type": "ping"}  # live.keep_alive: 0.3 s
        assert time.monotonic() - started < 2
        await client.send({"type": "pong"})  # a pong is welcome any time; nothing answers it
        await client.send({"type": "pong", "payload": {"unasked": True}})
        assert await client.recv(pings=True) == {"type": "ping"}


# Subscribe: the HTTP path's refusals, with HTTP's codes and messages


async def http_errors(gateway: Gateway, payload: dict[str, Any]) -> list[dict[str, Any]]:
    async with gateway.client() as http:
        response = await http.post("/graphql", json=payload)
    errors: list[dict[str, Any]] = response.json()["errors"]
    return errors


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"query": "subscription { nothingHere }"}, "GRAPHQL_VALIDATION_FAILED"),
        ({"query": "subscription {"}, "GRAPHQL_PARSE_FAILED"),
        (
            {"query": "subscription S { notificationAdded { id } } subscription T { x }"},
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            {"query": "subscription($n: Int!) { notificationAdded { id } }"},
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            {"query": COMMENT_EVENTS, "variables": {"target": {"not": "an id"}}},
            "BAD_USER_INPUT",
        ),
        (
            {"query": "subscription { notificationAdded { a: id b: id c: id d: id } }"},
            "TOO_MANY_ALIASES",
        ),
        (
            {"query": COMMENT_EVENTS, "operationName": "Other"},
            "OPERATION_NOT_FOUND",
        ),
        ({"query": 42}, "BAD_REQUEST"),
        ({"query": NOTIFICATIONS, "variables": [1]}, "BAD_REQUEST"),
        (
            {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
            "PERSISTED_QUERY_NOT_FOUND",
        ),
        ({}, "QUERY_MISSING"),
    ],
)
async def test_a_refused_subscription_gets_the_error_http_gives(
    gateway: Gateway, payload: dict[str, Any], code: str
) -> None:
    async with live(gateway) as client:
        await client.init()
        await client.send({"id": "r", "type": "subscribe", "payload": payload})
        refused = await client.recv()
        assert refused["type"] == "error" and refused["id"] == "r", refused
        assert refused["payload"][0]["extensions"]["code"] == code
        if code not in ("BAD_REQUEST",):  # HTTP refuses these before it reads the body's shape
            assert refused["payload"] == await http_errors(gateway, payload)
        await client.nothing(0.3)  # no complete follows an error
        await client.subscribe("r", NOTIFICATIONS)  # the id is free again, the socket fine
        await client.send({"type": "ping"})
        assert await client.recv() == {"type": "pong"}


async def test_a_subscription_whose_arguments_its_field_refuses_gets_an_error(
    gateway: Gateway,
) -> None:
    async with live(gateway) as client:
        await client.init()
        await client.subscribe("bad", COMMENT_EVENTS, {"target": "not-an-id"})
        refused = await client.recv()
        assert refused["type"] == "error" and refused["id"] == "bad", refused
        assert refused["payload"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        await client.nothing(0.3)  # no complete after an error


async def test_the_depth_limit_holds(gateway: Gateway, council: Council) -> None:
    deep = (
        "subscription($t: ID!) { commentEvents(targetId: $t) { comment { author { manager "
        "{ manager { manager { accountName } } } } } } }"
    )
    target = person_id(council, ALICE)
    async with live(gateway) as client:
        await client.init()
        await client.subscribe("d", deep, {"t": target})
        refused = await client.recv()
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "QUERY_TOO_DEEP"


@pytest.mark.parametrize(
    "query",
    [
        "{ me { accountName } }",
        "mutation { markNotificationsRead(input: {ids: []}) { __typename } }",
    ],
)
async def test_queries_and_mutations_are_sent_back_to_http(gateway: Gateway, query: str) -> None:
    async with live(gateway) as client:
        await client.init()
        await client.subscribe("q", query)
        refused = await client.recv()
        assert refused["type"] == "error" and refused["id"] == "q"
        assert refused["payload"] == [
            {
                "message": "Only subscriptions are served over WebSocket: send queries and "
                "mutations to /graphql over HTTP.",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
        await client.nothing(0.3)


# Limits


async def test_subscriptions_per_connection_are_limited(gateway: Gateway) -> None:
    async with live(gateway) as client:
        await client.init()
        for n in range(3):
            await client.subscribe(f"s{n}", NOTIFICATIONS)
        await client.subscribe("s3", NOTIFICATIONS)
        refused = await client.recv()
        assert refused["type"] == "error" and refused["id"] == "s3"
        assert refused["payload"][0]["extensions"] == {"code": "TOO_MANY_SUBSCRIPTIONS", "limit": 3}
        await client.send({"id": "s0", "type": "complete"})
        await client.subscribe("s3", NOTIFICATIONS)  # room again
        await client.nothing(0.3)


async def test_connections_per_viewer_are_limited(gateway: Gateway, council: Council) -> None:
    other = someone_else(council, ALICE)
    async with live(gateway) as first, live(gateway) as second:
        await first.init()
        await second.init()
        async with live(gateway) as third:
            await third.send({"type": "connection_init", "payload": {}})
            code, reason = await third.closed()
            assert code == 4029 and "at most 2" in reason
        async with live(gateway) as theirs:  # someone else is not counted with them
            await theirs.init({"x-townhall-user": other})
    async with live(gateway) as again:  # the first two closed: room again
        await again.init()


async def test_a_client_that_does_not_read_is_closed_as_a_slow_consumer(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    # Each subscribe is refused with a 3.7 KB error message; the client's small receive
    # buffer and its library's small queue stop it reading them: the sockets' buffers fill
    # (a few MB), then the gateway's outbox (live.send_queue = 8).
    bad = "subscription { " + " ".join(f"f{n}" for n in range(25)) + " }"
    sent = 3_000
    async with live(gateway, receive_buffer=4096, max_queue=1) as client:
        with caplog.at_level(logging.INFO, logger="townhall.live"):
            await client.init()
            for n in range(sent):
                await client.subscribe(str(n), bad)
            async with asyncio.timeout(60):  # not reading meanwhile
                while not any("slow consumer" in r.getMessage() for r in caplog.records):  # noqa: ASYNC110 - the server logs it
                    await asyncio.sleep(0.2)
        errors = 0
        with contextlib.suppress(ConnectionClosed):
            while True:
                assert (await client.recv())["type"] == "error"
                errors += 1
        close = client.ws.protocol.close_rcvd
        assert close is not None
        assert (close.code, close.reason) == (1013, "Slow consumer: messages were not read in time")
        assert errors < sent / 2
    async with live(gateway) as reader:  # the control: a client that reads is never closed
        await reader.init()
        for n in range(400):
            for k in range(10):
                await reader.subscribe(f"{n}.{k}", bad)
            for _ in range(10):
                assert (await reader.recv())["type"] == "error"


async def test_a_subscription_behind_its_events_closes_the_connection(
    council: Council,
    scim_server: Any,
    webdav_server: Any,
    tmp_path: Path,
) -> None:
    settings = base_settings(council, scim_server, webdav_server, tmp_path)
    settings.live.queue_size = 1
    target = person_id(council, ALICE)
    async with serve(settings) as gateway, live(gateway) as client, live(gateway) as control:
        await client.init()
        await control.init()
        await client.subscribe("c", COMMENT_EVENTS, {"target": target})
        await control.subscribe("c", NOTIFICATIONS)
        await asyncio.sleep(0.3)
        bus = gateway.app_state.live.bus
        # One commit's worth of comment events at once: more than the subscription's queue.
        guid = next(p["guid"] for p in council.people if p["sAMAccountName"] == ALICE)
        await bus.publish(
            CommentMessage(
                items=[("added", f"{n:08d}-0000-0000-0000-000000000000", "person", guid)
                       for n in range(5)]
            )
        )  # fmt: skip
        code, reason = await client.closed()
        assert code == 1013 and "Slow consumer" in reason
        await control.send({"type": "ping"})
        assert await control.recv() == {"type": "pong"}  # nobody else is closed


# End to end


async def test_a_comment_posted_over_http_reaches_a_subscriber(
    gateway: Gateway, council: Council
) -> None:
    target = person_id(council, ALICE)
    writer = someone_else(council, ALICE)
    async with live(gateway) as client:
        await client.init()
        await client.subscribe("c", COMMENT_EVENTS, {"target": target})
        await client.subscribe("stopped", COMMENT_EVENTS, {"target": target})
        await client.send({"id": "stopped", "type": "complete"})
        await asyncio.sleep(0.2)
        started = time.monotonic()
        added = await add_comment(gateway, target, "Welcome back, Alex", user=writer)
        event = await client.recv(2)
        assert time.monotonic() - started < 2
        assert event == {
            "id": "c",
            "type": "next",
            "payload": {
                "data": {
                    "commentEvents": {
                        "kind": "ADDED",
                        "commentId": added["comment"]["id"],
                        "comment": added["comment"],
                    }
                }
            },
        }
        await client.nothing(0.5)  # nothing for the completed subscription


# What the gateway reports, and how it stops


def metric(text: str, name: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(name) and not line.startswith("#")
    )


async def test_open_connections_and_subscriptions_are_gauged_and_each_close_logged_once(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    async def scrape() -> tuple[float, float]:
        async with gateway.client() as http:
            text = (await http.get("/metrics")).text
        return metric(text, "townhall_live_connections"), metric(
            text, "townhall_live_subscriptions"
        )

    before = await scrape()
    with caplog.at_level(logging.INFO, logger="townhall.live"):
        async with live(gateway) as one, live(gateway) as two:
            await one.init()
            await two.init()
            for n in range(3):
                await one.subscribe(str(n), NOTIFICATIONS)
            await one.subscribe("refused", "{ me { accountName } }")
            assert (await one.recv())["type"] == "error"
            assert await scrape() == (before[0] + 2, before[1] + 3)
            await one.send({"id": "0", "type": "complete"})
            await asyncio.sleep(0.1)
            assert await scrape() == (before[0] + 2, before[1] + 2)
        await asyncio.sleep(0.3)
        assert await scrape() == before
    lines = [
        r.getMessage() for r in caplog.records if r.getMessage().startswith("live connection id=")
    ]
    assert len(lines) == 2, lines
    assert any("subscriptions=3 refused=1 events=0 close=1000" in line for line in lines), lines
    assert all(
        r.levelno == logging.INFO for r in caplog.records if "live connection id=" in r.getMessage()
    )


async def test_connections_are_closed_with_1001_when_the_server_stops(
    council: Council, scim_server: Any, webdav_server: Any, tmp_path: Path
) -> None:
    settings = base_settings(council, scim_server, webdav_server, tmp_path)
    async with contextlib.AsyncExitStack() as sockets:
        async with serve(settings) as gateway:
            client = await sockets.enter_async_context(live(gateway))
            await client.init()
            await client.subscribe("n", NOTIFICATIONS)
        # The server has stopped; the socket was open all along.
        assert await client.closed() == (1001, "The server is going away.")
