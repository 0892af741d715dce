"""The gateway core with real upstreams going away, and two instances sharing Redis."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from servers import Council, start_test_webdav
from servers.redis import RedisServer
from servers.samba import SambaDC

from schema.ids import global_id

from .conftest import base_settings, serve

CARD = """query($id: ID!) { person(id: $id) { displayName title manager { displayName }
  directReports { displayName } employment { jobTitle } followerCount } }"""


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis-core"))
    server.start()
    yield server
    server.stop()


def card_variables(council: Council, account: str = "alex.morgan") -> dict[str, Any]:
    person = next(p for p in council.people if p["sAMAccountName"] == account)
    return {"id": global_id("Person", person["guid"])}


async def test_two_gateways_share_one_redis_cache(
    council: Council,
    scim_server: Any,
    webdav_server: Any,
    redis_server: RedisServer,
    tmp_path: Path,
) -> None:
    settings = [
        base_settings(council, scim_server, webdav_server, tmp_path / name) for name in ("a", "b")
    ]
    for s in settings:
        s.cache.backend = "redis"
        s.cache.redis_url = redis_server.url
        s.cache.namespace = "shared-core"
    variables = card_variables(council)
    async with serve(settings[0]) as first, serve(settings[1]) as second:
        for gateway in (first, second):  # start-up indexing of documents is not the query's
            await asyncio.wait_for(gateway.upstreams.document_sync.ready.wait(), 120)
        await first.query("{ me { displayName } }", user="helen.carter")
        await second.query("{ me { displayName } }", user="helen.carter")
        before_first = first.calls()
        one = await first.query(CARD, variables, user="helen.carter")
        cold = {k: v - before_first[k] for k, v in first.calls().items()}
        before_second = second.calls()
        two = await second.query(CARD, variables, user="helen.carter")
        warm = {k: v - before_second[k] for k, v in second.calls().items()}
    assert "errors" not in one and one == two
    assert cold["directory"] > 0 and cold["hr"] == 1
    assert warm == {"directory": 0, "hr": 0, "documents": 0}  # all from the other's fetches


COUNT = "query($id: ID!) { person(id: $id) { followerCount } }"
FOLLOW = "mutation($id: ID!) { %s(personId: $id) { ... on FollowSuccess { changed } } }"


async def follower_count(gateway: Any, variables: dict[str, Any]) -> int:
    body = await gateway.query(COUNT, variables, user="helen.carter")
    return int(body["data"]["person"]["followerCount"])


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_counts_are_cached_and_a_follow_drops_them_at_once(
    council: Council,
    scim_server: Any,
    webdav_server: Any,
    redis_server: RedisServer,
    tmp_path: Path,
    backend: str,
) -> None:
    """A count is read once, then reused; a follow through any instance sharing the cache
    (the same one, with memory) drops it, so the next read counts again."""
    names = ("a", "b") if backend == "redis" else ("a",)
    settings = [base_settings(council, scim_server, webdav_server, tmp_path / n) for n in names]
    for s in settings:
        s.cache.backend = backend  # type: ignore[assignment]
        s.cache.redis_url = redis_server.url
        s.cache.namespace = "counts"
        s.cache.counts_ttl = 3600
        s.social.database_url = settings[0].social.database_url  # one social store
    variables = card_variables(council)
    async with contextlib.AsyncExitStack() as stack:
        gateways = [await stack.enter_async_context(serve(s)) for s in settings]
        reader, writer = gateways[0], gateways[-1]
        first = await follower_count(reader, variables)
        statements = reader.upstreams.social.calls
        assert await follower_count(reader, variables) == first
        assert reader.upstreams.social.calls == statements  # reused, not counted again
        for mutation, expected in (("followPerson", first + 1), ("unfollowPerson", first)):
            body = await writer.query(FOLLOW % mutation, variables, user="priya.shah")
            assert body["data"][mutation] == {"changed": True}, body
            assert await follower_count(reader, variables) == expected


@pytest.mark.samba
async def test_a_stopped_domain_controller_serves_stale_directory_records(
    council: Council, samba: SambaDC, scim_server: Any, webdav_server: Any, tmp_path: Path
) -> None:
    settings = base_settings(
        council,
        scim_server,
        webdav_server,
        tmp_path,
        **samba.directory_settings(connect_timeout=2),
    )
    settings.cache.directory_ttl = 0.5
    settings.cache.max_stale = 600
    variables = card_variables(council)
    async with serve(settings) as gateway:
        fresh = await gateway.query(CARD, variables, user="helen.carter")
        assert "errors" not in fresh and "extensions" not in fresh
        samba.stop()
        try:
            await asyncio.sleep(0.7)
            for _ in range(60):  # until the background refresh has failed
                stale = await gateway.query(CARD, variables, user="helen.carter")
                reasons = {n["source"]: n["reason"] for n in stale["extensions"]["stale"]}
                if reasons.get("directory") == "source_unavailable":
                    break
                await asyncio.sleep(0.25)
            unknown = await gateway.query(
                CARD, card_variables(council, "priya.shah"), user="helen.carter"
            )
        finally:
            samba.start()
    assert stale["data"] == fresh["data"] and "errors" not in stale
    assert reasons["directory"] == "source_unavailable"
    # Nothing stale to fall back on for someone never fetched: a clear, sourced error.
    assert unknown["data"]["person"] is None
    assert unknown["errors"][0]["extensions"]["source"] == "directory"
    assert "DC=" not in str(unknown) and "ldaps" not in str(unknown)


async def test_a_stopped_document_store_serves_stale_documents(
    council: Council, scim_server: Any, tmp_path: Path
) -> None:
    dav = await start_test_webdav(council, tmp_path / "dav")
    try:
        settings = base_settings(council, scim_server, dav, tmp_path)
        settings.cache.documents_ttl = 0.5
        settings.cache.max_stale = 600
        settings.documents.sync_interval = 3600
        path = "Planning/Plans/Local Plan 2026.md"
        query = '{{ document(id: "{}") {{ title author {{ displayName }} }} }}'.format(
            global_id("Document", path)
        )
        async with serve(settings) as gateway:
            fresh = await gateway.query(query, user="priya.shah")
            assert fresh["data"]["document"]["title"]
            dav.kill()
            await asyncio.sleep(0.7)
            for _ in range(60):
                stale = await gateway.query(query, user="priya.shah")
                notes = {
                    n["source"]: n["reason"] for n in stale.get("extensions", {}).get("stale", [])
                }
                if notes.get("documents") == "source_unavailable":
                    break
                await asyncio.sleep(0.25)
    finally:
        dav.stop()
    assert stale["data"] == fresh["data"] and "errors" not in stale
    assert notes["documents"] == "source_unavailable"
