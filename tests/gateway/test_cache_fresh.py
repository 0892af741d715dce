"""``RecordCache.fresh``: the warm path's synchronous read of the in-memory cache answers
only when every key is a fresh hit, and never from records that were dropped."""

from __future__ import annotations

import asyncio

from gateway.cache import RecordCache


async def test_fresh_answers_only_fresh_hits() -> None:
    cache = RecordCache.memory()
    try:
        await cache.set_many("person", {"a": "Alice", "b": None}, ttl=60, missing_ttl=60)
        assert cache.in_memory
        assert cache.fresh("person", ["a", "b"], ttl=60, missing_ttl=60) == ["Alice", None]
        assert cache.fresh("person", ["a", "c"], ttl=60, missing_ttl=60) is None  # a miss
        await asyncio.sleep(0.02)
        assert cache.fresh("person", ["a"], ttl=0.01, missing_ttl=60) is None  # stale
        await cache.delete("person", ["a"])
        assert cache.fresh("person", ["a"], ttl=60, missing_ttl=60) is None
        await cache.clear()
        assert cache.fresh("person", ["b"], ttl=60, missing_ttl=60) is None
        await cache.set_many("person", {"d": "Dev"}, ttl=60, missing_ttl=60)
        assert cache.fresh("person", ["d"], ttl=60, missing_ttl=60) == ["Dev"]
    finally:
        await cache.close()
