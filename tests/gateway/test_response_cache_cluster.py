"""Two gateway instances sharing a real Redis (``cache.backend = redis``) and a real
PostgreSQL social store: a write through one ends the answers the other cached, at once
(the response cache's generation is a Redis counter both bump and read)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from servers import Council
from servers.gateway import Gateway, serve
from servers.postgres import PostgresServer
from servers.redis import RedisServer

from schema.ids import global_id

from .conftest import instance_settings
from .test_response_cache import CARER, COLLEAGUE, TEAM, ask, hits


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
            database_url=database, redis_url=redis_server.url, namespace="responses", seed=seed,
        )  # fmt: skip
        s.cache.responses_ttl = 600
        return s

    async with serve(settings("a", True)) as first, serve(settings("b", False)) as second:
        for gateway in (first, second):
            sync = gateway.upstreams.document_sync
            assert sync is not None
            await sync.ready.wait()  # their first index ends every entry: not during the test
        yield first, second


async def test_a_write_on_one_instance_ends_the_others_cached_answers(
    pair: tuple[Gateway, Gateway],
) -> None:
    first, second = pair
    listing = await ask(second, "FolderDocuments", {"folder": TEAM, "first": 1}, CARER)
    path = listing["data"]["documents"]["nodes"][0]["path"]
    search = {"query": path.rsplit("/", 1)[-1].rsplit(".", 1)[0], "first": 5}

    def count(answer: dict[str, Any]) -> int:
        [node] = [n for n in answer["data"]["searchDocuments"]["nodes"] if n["path"] == path]
        return int(node["commentCount"])

    before = count(await ask(second, "SearchDocuments", search, COLLEAGUE))
    seen = await hits(second)
    assert count(await ask(second, "SearchDocuments", search, COLLEAGUE)) == before
    assert await hits(second) == seen + 1  # cached on the second instance
    written = await ask(
        first,
        "AddComment",
        {"input": {"targetId": global_id("Document", path), "body": "Written on the first"}},
        CARER,
    )
    assert written["data"]["addComment"]["__typename"] == "CommentSuccess", written
    assert count(await ask(second, "SearchDocuments", search, COLLEAGUE)) == before + 1
    assert count(await ask(first, "SearchDocuments", search, CARER)) == before + 1
