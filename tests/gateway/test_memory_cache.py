"""The in-memory record store: expiry without timers, sweeps on write, the bound and its
eviction order, and ``RecordCache`` over it (the setting wired through ``open_upstreams``)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from servers import Council

from gateway.app import open_upstreams
from gateway.cache import RecordCache
from gateway.memory_cache import SWEEP_AFTER, MemoryStore
from townhall_demo.upstreams import ScimServer, WebDavServer

from .conftest import base_settings


def test_an_entry_expires_on_read_without_any_event_loop() -> None:
    # No running loop here: nothing can be scheduled per key, expiry is a comparison.
    store = MemoryStore()
    store.set_many("person", [("a", "Alice"), ("b", None)], fetched_at=100.0, expires_at=160.0)
    a, b = store.get_many("person", ["a", "b"], now=159.9)
    assert a is not None and (a.record, a.fetched_at, a.expires_at) == ("Alice", 100.0, 160.0)
    assert b is not None and b.record is None
    assert store.get_many("person", ["a", "b", "c"], now=160.0) == [None, None, None]
    assert len(store) == 0  # the expired entries were dropped by the read
    assert store.get_many("other", ["a"], now=0.0) == [None]


def test_expired_entries_are_swept_by_writes_to_their_kind() -> None:
    store = MemoryStore()
    store.set_many("person", [(f"old{n}", n) for n in range(10)], 0.0, 10.0)
    store.set_many("group", [("g", "G")], 0.0, 10.0)
    # Enough later writes to the kind sweep its expired entries, unread.
    store.set_many("person", [(f"new{n}", n) for n in range(SWEEP_AFTER)], 20.0, 80.0)
    assert not any(key.startswith("old") for key in store.kinds["person"])
    assert len(store.kinds["person"]) == SWEEP_AFTER
    assert "g" in store.kinds["group"]  # another kind: left for its reads or its writes
    assert store.sweep(now=20.0) == 1 and "group" in store.kinds and not store.kinds["group"]


def test_few_writes_do_not_sweep() -> None:
    store = MemoryStore()
    store.set_many("person", [("a", 1)], 0.0, 10.0)
    store.set_many("person", [("b", 2)], 20.0, 80.0)
    assert set(store.kinds["person"]) == {"a", "b"}  # "a" waits for a read or a sweep


def test_the_bound_drops_the_expired_first_then_the_oldest_written() -> None:
    from prometheus_client import REGISTRY

    def exported() -> float:
        return REGISTRY.get_sample_value("townhall_cache_evictions_total") or 0.0

    counted = exported()
    store = MemoryStore(max_entries=100)
    store.set_many("hr", [(f"x{n}", n) for n in range(30)], 0.0, 5.0)  # expired by t=10
    store.set_many("person", [(f"p{n}", n) for n in range(70)], 0.0, 1000.0)
    assert len(store) == 100 and store.evicted == 0
    store.set_many("person", [(f"q{n}", n) for n in range(20)], 10.0, 1000.0)
    assert not store.kinds["hr"]  # expired: dropped before anything live
    assert len(store) == 90 and store.evicted == 0
    store.set_many("person", [(f"r{n}", n) for n in range(30)], 11.0, 1000.0)
    people = list(store.kinds["person"])
    # 120 written, 20 past the bound: those and a tenth of the rest more go at once.
    assert 85 <= len(people) <= 90 and len(store) == len(people)
    assert store.evicted == 120 - len(people)
    assert people[-30:] == [f"r{n}" for n in range(30)]  # the newest written stay
    assert people[0] == f"p{store.evicted}"  # the oldest went first
    assert exported() - counted == store.evicted  # /metrics counts them (expired ones not)


def test_a_rewritten_entry_counts_as_newly_written() -> None:
    store = MemoryStore(max_entries=4)
    store.set_many("person", [("a", 1), ("b", 2), ("c", 3), ("d", 4)], 0.0, 1000.0)
    store.set_many("person", [("a", 10)], 1.0, 1000.0)  # now the newest
    # Past the bound by one: it and a tenth more go, the oldest written first (b, c).
    store.set_many("person", [("e", 5)], 2.0, 1000.0)
    assert list(store.kinds["person"]) == ["d", "a", "e"]
    (a,) = store.get_many("person", ["a"], now=2.0)
    assert a is not None and a.record == 10


def test_no_bound_when_zero() -> None:
    store = MemoryStore(max_entries=0)
    store.set_many("person", [(str(n), n) for n in range(5000)], 0.0, 1000.0)
    assert len(store) == 5000 and store.evicted == 0


def test_clear_puts_a_new_dict_in_place() -> None:
    store = MemoryStore()
    store.set_many("person", [("a", 1)], 0.0, 1000.0)
    before = store.kinds
    store.clear()
    assert before["person"] == {"a": before["person"]["a"]}  # a reader's dict is untouched
    assert store.kinds == {} and len(store) == 0


async def test_record_cache_is_bounded_and_still_serves_stale_then_refreshes() -> None:
    cache = RecordCache.memory(max_entries=10)
    assert cache.store is not None and cache.store.max_entries == 10
    await cache.set_many("person", {str(n): f"v{n}" for n in range(25)}, ttl=60, missing_ttl=60)
    assert len(cache.store) <= 10
    assert cache.fresh("person", ["24"], ttl=60, missing_ttl=60) == ["v24"]
    assert cache.fresh("person", ["0"], ttl=60, missing_ttl=60) is None  # evicted

    calls: list[list[str]] = []

    async def fetch(keys: list[str]) -> list[str | None]:
        calls.append(keys)
        return [f"new-{k}" for k in keys]

    # Kept for ttl + stale_for; past ttl it is served stale while one refresh runs.
    await cache.set_many("person", {"s": "old"}, ttl=60, missing_ttl=60)
    await asyncio.sleep(0.02)
    first = await cache.load("person", ["s"], str, fetch, ttl=0.01, missing_ttl=60, stale_for=60)
    assert first == ["old"]
    for _ in range(50):
        if calls:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.01)
    assert calls == [["s"]]
    assert cache.fresh("person", ["s"], ttl=60, missing_ttl=60) == ["new-s"]
    # An evicted key is a miss: fetched again, once.
    assert await cache.load("person", ["0"], str, fetch, ttl=60, missing_ttl=60) == ["new-0"]
    await cache.close()


async def test_the_bound_comes_from_the_settings(
    council: Council, scim_server: ScimServer, webdav_server: WebDavServer, tmp_path: Path
) -> None:
    settings = base_settings(council, scim_server, webdav_server, tmp_path)
    assert settings.cache.memory_max_entries == 1_000_000  # the default: 100k people fit
    cache = settings.cache.model_copy(update={"memory_max_entries": 1234})
    settings = settings.model_copy(update={"cache": cache})
    async with contextlib.AsyncExitStack() as stack:
        upstreams = open_upstreams(settings, stack)
        assert upstreams.cache.store is not None
        assert upstreams.cache.store.max_entries == 1234


async def test_a_record_under_several_kinds_holds_one_entry() -> None:
    cache = RecordCache.memory()
    alice, bob = {"name": "Alice"}, {"name": "Bob"}
    by_key = {
        "person": {"a": alice, "b": bob},
        "person-dn": {"cn=a": alice, "cn=b": bob, "cn=x": None},
    }
    await cache.set_many_kinds(by_key, ttl=60, missing_ttl=30)
    store = cache.store
    assert store is not None
    assert store.kinds["person"]["a"] is store.kinds["person-dn"]["cn=a"]
    assert store.kinds["person"]["a"] is not store.kinds["person"]["b"]
    missing = store.kinds["person-dn"]["cn=x"]
    assert missing.record is None and missing.expires_at - missing.fetched_at == 30
    assert cache.fresh("person-dn", ["cn=b", "cn=x"], ttl=60, missing_ttl=30) == [bob, None]
    await cache.delete("person", ["a"])  # one key dropped: the other kinds keep theirs
    assert cache.fresh("person", ["a"], ttl=60, missing_ttl=30) is None
    assert cache.fresh("person-dn", ["cn=a"], ttl=60, missing_ttl=30) == [alice]
    # Stored again later: a new entry, at its own time.
    await cache.set_many("person", {"a": alice}, ttl=60, missing_ttl=30)
    assert store.kinds["person"]["a"] is not store.kinds["person-dn"]["cn=a"]
