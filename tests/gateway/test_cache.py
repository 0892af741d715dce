"""The record cache: batching of misses, negative entries, single flight."""

import asyncio
from typing import Any

import pytest
from pydantic import BaseModel

from gateway.cache import RecordCache


class Rec(BaseModel):
    key: str
    value: int


@pytest.fixture
def cache() -> RecordCache:
    return RecordCache.memory()


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


async def test_stale_records_are_served_at_once_and_refreshed_once(cache: RecordCache) -> None:
    version = 1
    calls: list[list[str]] = []
    noted: list[tuple[float, bool]] = []

    async def fetch(keys: list[str]) -> list[Rec | None]:
        calls.append(keys)
        await asyncio.sleep(0.05)
        return [Rec(key=k, value=version) for k in keys]

    def load() -> Any:
        return cache.load(
            "swr", ["a"], Rec, fetch, ttl=0.05, missing_ttl=1, stale_for=60,
            on_stale=lambda at, failing: noted.append((at, failing)),
        )  # fmt: skip

    assert [r.value for r in await load() if r] == [1]
    await asyncio.sleep(0.1)  # now stale
    version = 2
    served = await asyncio.gather(*(load() for _ in range(10)))
    assert all([r.value for r in s if r] == [1] for s in served)  # stale, at once
    assert len(noted) == 10 and not any(failing for _, failing in noted)
    await asyncio.sleep(0.15)  # the one background refresh has landed
    assert calls == [["a"], ["a"]]
    assert [r.value for r in await load() if r] == [2]


async def test_stale_records_outlive_a_failing_upstream(cache: RecordCache) -> None:
    healthy = True

    async def fetch(keys: list[str]) -> list[Rec | None]:
        if not healthy:
            raise RuntimeError("upstream down")
        return [Rec(key=k, value=7) for k in keys]

    noted: list[bool] = []

    def load(keys: list[str]) -> Any:
        return cache.load(
            "sie", keys, Rec, fetch, ttl=0.01, missing_ttl=1, stale_for=60,
            on_stale=lambda at, failing: noted.append(failing),
        )  # fmt: skip

    await load(["a"])
    healthy = False
    for _ in range(3):
        await asyncio.sleep(0.03)
        assert [r.value for r in await load(["a"]) if r] == [7]
        await asyncio.sleep(0.01)  # let the background refresh fail
    assert noted[0] is False and noted[-1] is True  # the response can say why it is stale
    with pytest.raises(RuntimeError):  # nothing stale to fall back on for a new key
        await load(["b"])


async def test_a_caller_giving_up_does_not_cancel_the_shared_fetch(cache: RecordCache) -> None:
    calls = 0

    async def slow(keys: list[str]) -> list[Rec | None]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.1)
        return [Rec(key=k, value=3) for k in keys]

    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.02):
            await cache.load("deadline", ["k"], Rec, slow, ttl=60, missing_ttl=60)
    await asyncio.sleep(0.15)
    result = await cache.load("deadline", ["k"], Rec, slow, ttl=60, missing_ttl=60)
    assert [r.value for r in result if r] == [3] and calls == 1  # filled the cache anyway
