"""The record cache: batching of misses, negative entries, single flight."""

import asyncio

import pytest
from pydantic import BaseModel

from gateway.cache import RecordCache


class Rec(BaseModel):
    key: str
    value: int


@pytest.fixture
def cache() -> RecordCache:
    return RecordCache.memory(namespace="test-cache")


async def test_misses_are_fetched_in_one_call_and_then_served_from_cache(
    cache: RecordCache,
) -> None:
    calls: list[list[str]] = []

    async def fetch(keys: list[str]) -> list[Rec | None]:
        calls.append(keys)
        return [Rec(key=k, value=len(k)) if k != "missing" else None for k in keys]

    first = await cache.load("rec", ["a", "bb", "missing"], Rec, fetch, ttl=60, missing_ttl=60)
    assert [r.value if r else None for r in first] == [1, 2, None]
    again = await cache.load("rec", ["bb", "missing", "a"], Rec, fetch, ttl=60, missing_ttl=60)
    assert [r.value if r else None for r in again] == [2, None, 1]
    assert calls == [["a", "bb", "missing"]]


async def test_concurrent_misses_make_one_upstream_call(cache: RecordCache) -> None:
    calls: list[list[str]] = []
    gate = asyncio.Event()

    async def fetch(keys: list[str]) -> list[Rec | None]:
        calls.append(keys)
        await gate.wait()
        return [Rec(key=k, value=1) for k in keys]

    tasks = [
        asyncio.create_task(cache.load("sf", ["x", "y"], Rec, fetch, ttl=60, missing_ttl=60))
        for _ in range(20)
    ]
    await asyncio.sleep(0.01)
    gate.set()
    results = await asyncio.gather(*tasks)
    assert calls == [["x", "y"]]
    assert all([r.key for r in result if r] == ["x", "y"] for result in results)


async def test_a_failed_fetch_fails_every_waiter_and_caches_nothing(cache: RecordCache) -> None:
    async def broken(keys: list[str]) -> list[Rec | None]:
        await asyncio.sleep(0.01)
        raise RuntimeError("upstream down")

    tasks = [
        asyncio.create_task(cache.load("err", ["k"], Rec, broken, ttl=60, missing_ttl=60))
        for _ in range(3)
    ]
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert await cache.get_many("err", ["k"], Rec) == [None]


async def test_zero_ttl_caches_nothing(cache: RecordCache) -> None:
    calls = 0

    async def fetch(keys: list[str]) -> list[Rec | None]:
        nonlocal calls
        calls += 1
        return [Rec(key=k, value=0) for k in keys]

    for _ in range(2):
        await cache.load("nottl", ["k"], Rec, fetch, ttl=0, missing_ttl=0)
    assert calls == 2
