"""Live updates: from a write's commit to its event at a subscription, locally and across
instances through Redis.

    python -m bench live [--writes 300] [--redis-url URL]

A comment written to the social store (SQLite) commits; the store's change listeners run;
the publisher puts the pointer message on the bus; the hub queues it for a subscription
whose reader takes it. Timed from the first change listener (called right after the
commit) to the reader's hand, per write, one write at a time:

* local: one instance, the in-memory bus;
* Redis: the write on instance A, the subscription on instance B, both RedisBus on one
  Redis (a throwaway redis-server, the test suite's, unless ``--redis-url`` names one).

Reading the item through the subscriber's gate comes after this, and costs what the same
query costs. Prints p50 and p99 in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

from connectors.social import CommentText, SocialStore
from connectors.social.changes import StoreChanges
from gateway.live.bus import EventBus, MemoryBus, RedisBus
from gateway.live.events import LiveHub, LivePublisher

ROOT = Path(__file__).resolve().parents[1]


async def _measure(
    store: SocialStore, sender: EventBus, receiver: LiveHub, writes: int
) -> list[float]:
    committed: dict[str, float] = {}

    async def stamp(changes: StoreChanges) -> None:
        for change in changes.comments:
            committed[change.comment_id] = time.perf_counter()

    store.change_listeners.insert(0, stamp)
    store.change_listeners.append(LivePublisher(sender))
    delays: list[float] = []
    events = receiver.listen(["comment"], lambda e: e.target == ("document", "bench.md"))
    reader = asyncio.ensure_future(anext(events))
    await asyncio.sleep(0.05)  # the subscription is listening
    try:
        for n in range(writes):
            await store.add_comment("bench", "document", "bench.md", CommentText(f"#{n}"))
            event = await asyncio.wait_for(reader, 10)
            delays.append((time.perf_counter() - committed[event.key]) * 1000)
            reader = asyncio.ensure_future(anext(events))
    finally:
        reader.cancel()
        await events.aclose()
        store.change_listeners.clear()
    return delays


def _line(name: str, delays: list[float]) -> str:
    q = statistics.quantiles(delays, n=100)
    return f"{name:<8} p50 {q[49]:6.3f} ms   p99 {q[98]:6.3f} ms   ({len(delays)} writes)"


async def _run(writes: int, redis_url: str | None) -> int:
    with tempfile.TemporaryDirectory() as folder:
        store = SocialStore.open(f"sqlite+aiosqlite:///{folder}/live.db")
        await store.migrate()
        try:
            memory = MemoryBus()
            hub = LiveHub(1000)
            await memory.start(hub.deliver)
            print(_line("local", await _measure(store, memory, hub, writes)))

            server = None
            if redis_url is None:
                sys.path.insert(0, str(ROOT / "tests"))
                from servers.redis import RedisServer  # type: ignore[import-not-found]

                server = RedisServer(Path(folder) / "redis")
                server.start()
                redis_url = server.url
            a, b = RedisBus(redis_url, "bench:live"), RedisBus(redis_url, "bench:live")
            hub_a, hub_b = LiveHub(1000), LiveHub(1000)
            await a.start(hub_a.deliver)
            await b.start(hub_b.deliver)
            try:
                await asyncio.wait_for(asyncio.gather(a.connected.wait(), b.connected.wait()), 10)
                print(_line("Redis", await _measure(store, a, hub_b, writes)))
            finally:
                await a.close()
                await b.close()
                if server is not None:
                    server.stop()
        finally:
            await store.close()
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench live")
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(_run(args.writes, args.redis_url))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
