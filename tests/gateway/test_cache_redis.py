"""The record cache on a real Redis: JSON entries (no pickle), shared by two instances."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis.asyncio
from servers.redis import RedisServer

from connectors.directory import DirectoryPerson
from gateway.cache import RecordCache


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


def person(n: int) -> DirectoryPerson:
    return DirectoryPerson(
        guid=f"00000000-0000-0000-0000-{n:012d}", dn=f"CN=P{n},DC=x", display_name=f"P{n}"
    )


async def test_two_instances_share_records_through_redis(redis_server: RedisServer) -> None:
    first = RecordCache.redis(redis_server.url, namespace="shared")
    second = RecordCache.redis(redis_server.url, namespace="shared")
    fetched: list[list[str]] = []

    async def fetch(keys: list[str]) -> list[DirectoryPerson | None]:
        fetched.append(keys)
        return [person(int(k)) if k != "404" else None for k in keys]

    try:
        one = await first.load(
            "person", ["1", "2", "404"], DirectoryPerson, fetch, ttl=60, missing_ttl=60
        )
        two = await second.load(
            "person", ["2", "1", "404"], DirectoryPerson, fetch, ttl=60, missing_ttl=60
        )
        assert fetched == [["1", "2", "404"]]
        assert one == [person(1), person(2), None]
        assert two == [person(2), person(1), None]
    finally:
        await first.close()
        await second.close()


async def test_entries_are_json_and_unreadable_ones_are_dropped(redis_server: RedisServer) -> None:
    cache = RecordCache.redis(redis_server.url, namespace="json")
    client = redis.asyncio.from_url(redis_server.url)
    try:
        await cache.set_many("person", {"7": person(7)}, ttl=60, missing_ttl=60)
        raw = await client.get("json:person:7") or await client.get("jsonperson:7")
        assert raw is not None and raw.startswith(b"{") and b"P7" in raw
        keys = [k async for k in client.scan_iter("json*")]
        assert len(keys) == 1
        await client.set(keys[0], b"\x80\x04pickled-not-json")
        assert await cache.get_many("person", ["7"], DirectoryPerson) == [None]
    finally:
        await client.aclose()
        await cache.close()


async def test_ttl_expires_entries(redis_server: RedisServer, tmp_path: Path) -> None:
    cache = RecordCache.redis(redis_server.url, namespace="ttl")
    try:
        await cache.set_many("person", {"1": person(1)}, ttl=1, missing_ttl=1)
        [entry] = await cache.get_many("person", ["1"], DirectoryPerson)
        assert entry is not None and entry.record == person(1)

        await asyncio.sleep(1.3)
        assert await cache.get_many("person", ["1"], DirectoryPerson) == [None]
    finally:
        await cache.close()


async def test_lists_of_records_round_trip_through_redis(redis_server: RedisServer) -> None:
    cache = RecordCache.redis(redis_server.url, namespace="lists")
    try:
        team = [person(1), person(2)]
        await cache.set_many("reports", {"cn=boss": team, "cn=nobody": []}, ttl=60, missing_ttl=60)
        entries = await cache.get_many("reports", ["cn=boss", "cn=nobody"], list[DirectoryPerson])
        assert [e.record if e else None for e in entries] == [team, []]
    finally:
        await cache.close()
