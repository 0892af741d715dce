"""Two gateway instances sharing a real Redis (``cache.backend = redis``) and a real
PostgreSQL social store: a comment written through one reaches a subscriber on the
other within 2 s, and a subscriber who may not read the document gets nothing, not even
its id, while their subscription to a document they may read goes on working."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from servers import Council
from servers.gateway import Gateway, serve
from servers.postgres import PostgresServer
from servers.redis import RedisServer

from schema.ids import global_id

from .conftest import instance_settings
from .live_ws import COMMENT_EVENTS, LiveClient, add_comment, live
from .privacy_world import OPEN_DOC, RESTRICTED, generate

SECRET_FOLDER = "Planning/Team"


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def pair(
    council: Council,
    scim_server: Any,
    webdav_server: Any,
    postgres: PostgresServer,
    redis_server: RedisServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Gateway, Gateway]]:
    database = await postgres.create_database()

    def settings(name: str, seed: bool) -> Any:
        s = instance_settings(
            council, scim_server, webdav_server, tmp_path_factory.mktemp(name),
            database_url=database, redis_url=redis_server.url, namespace="cluster", seed=seed,
        )  # fmt: skip
        return s

    async with serve(settings("a", True)) as first, serve(settings("b", False)) as second:
        yield first, second


def secret_path(council: Council) -> str:
    documents = council.documents["documents"]
    return min(str(d["path"]) for d in documents if d["path"].startswith(SECRET_FOLDER + "/"))


async def events(client: LiveClient, seconds: float) -> list[dict[str, Any]]:
    """Every message but pings that arrives within ``seconds``."""
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            found.append(await client.recv(left))
        except TimeoutError:
            break
    return found


async def test_a_comment_reaches_a_reader_on_the_other_instance_and_no_one_else(
    pair: tuple[Gateway, Gateway], council: Council
) -> None:
    first, second = pair
    viewers, _ = generate(council)
    reader = next(v.account for v in viewers if v.role == RESTRICTED[SECRET_FOLDER])
    outsider = next(v.account for v in viewers if v.role == "HR Confidential")
    secret = global_id("Document", secret_path(council))
    open_doc = global_id("Document", OPEN_DOC)
    async with (
        live(second) as reading,
        live(second) as outside_here,
        live(first) as outside_there,
    ):
        await reading.init({"x-townhall-user": reader})
        await reading.subscribe("secret", COMMENT_EVENTS, {"target": secret})
        for client in (outside_here, outside_there):
            await client.init({"x-townhall-user": outsider})
            await client.subscribe("secret", COMMENT_EVENTS, {"target": secret})
            await client.subscribe("open", COMMENT_EVENTS, {"target": open_doc})
        await asyncio.sleep(0.3)  # every subscription is listening

        started = time.monotonic()
        added = await add_comment(first, secret, "Team away day moved", user=reader)
        event = await reading.recv(2)
        assert time.monotonic() - started < 2
        assert event["id"] == "secret" and event["type"] == "next"
        assert event["payload"]["data"]["commentEvents"]["comment"] == added["comment"]

        # The control: a comment the outsider may read reaches them on either instance.
        shown = await add_comment(second, open_doc, "Local Plan consultation", user=reader)
        for client in (outside_here, outside_there):
            seen = await events(client, 1.5)
            assert [(m["id"], m["type"]) for m in seen] == [("open", "next")], seen
            assert (
                seen[0]["payload"]["data"]["commentEvents"]["commentId"] == (shown["comment"]["id"])
            )
            text = json.dumps(seen)
            for marker in (added["comment"]["id"], "Team away day", secret):
                assert marker not in text
        assert await events(reading, 0.5) == []  # the reader asked about the secret only
