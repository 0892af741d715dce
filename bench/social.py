"""The social store at council scale, on SQLite and on PostgreSQL.

    python -m bench social [--backend both|sqlite|postgresql] [--postgres-url URL]
        [--people 2000] [--events 200000] [--follows 50000] [--comments 100000]
        [--sqlite-events 200000] [--samples 40] [--writers 16] [--writes 640] [--no-vacuum]

Generates the data in bulk (PostgreSQL: ``COPY``; SQLite: ``executemany`` in big
batches) from 2,000 people of the sample council: 200,000 activity events, 50,000
follows, 100,000 comments (SQLite gets at most ``--sqlite-events`` events, so that a
run at 1,000,000 takes minutes). Then it times what the schema's resolvers ask the
store for: the home feed's first and next page (the raw event batch the resolver
aggregates) and its ``totalCount``, a document's comment thread (top-level page plus
the replies), ``experts(topic)``'s signals, and comment writes per second under 16
concurrent writers (each write is one transaction with its event, tags, mentions and
notifications). It prints the plan of the home feed's first page and of its count
(PostgreSQL: ``EXPLAIN (ANALYZE, BUFFERS)``; SQLite: ``EXPLAIN QUERY PLAN``) and
each goal beside its figure. PostgreSQL is a throwaway server on loopback (the test
suite's recipe: fsync off, so its write rate is an upper bound), vacuumed and
analysed after the load as autovacuum would (not with ``--no-vacuum``), unless
``--postgres-url`` names one.
Prints a table; writes bench/results/social.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert

from connectors.social import CommentText, SocialStore
from connectors.social.counts import StoreCounts
from connectors.social.tables import (
    activity,
    activity_tag_id,
    comments,
    follows,
    item_tags,
    profile_tags,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "council"
RESULTS = ROOT / "bench" / "results"
TAGS = ["budget", "gis", "planning", "housing", "safeguarding", "roads", "data", "climate",
        "recruitment", "digital", "waste", "libraries", "consultation", "policy", "risk"]  # fmt: skip
CHUNK = 20_000  # rows per executemany (SQLite) or COPY (PostgreSQL)
# Each goal (issue #14) beside its figure: (measure, statistic, at most, on which backend).
GOALS = [("home_first", "p95_ms", 30.0, "postgresql")]


def _args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench social")
    parser.add_argument("--backend", choices=["both", "sqlite", "postgresql"], default="both")
    parser.add_argument("--postgres-url", default="")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--follows", type=int, default=50_000)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--sqlite-events", type=int, default=200_000)
    # Measure on the statistics as loaded: what a store sees before autovacuum's first pass.
    parser.add_argument("--no-vacuum", action="store_true")
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--writes", type=int, default=640)
    return parser.parse_args(argv)


class Data:
    """A deterministic synthetic council: who follows what, who wrote what."""

    def __init__(self, args: argparse.Namespace) -> None:
        rng = random.Random(6)
        people = json.loads((FIXTURES / "people.json").read_text())
        self.people = [p["guid"] for p in people if p.get("guid")][: args.people]
        docs = json.loads((FIXTURES / "documents.json").read_text())["documents"]
        self.documents = [d["path"] for d in docs]
        self.rng = rng
        self.args = args
        self.start = datetime(2026, 1, 1, tzinfo=UTC)

    def follows(self) -> list[dict[str, Any]]:
        seen: set[tuple[str, str, str]] = set()
        rows: list[dict[str, Any]] = []
        while len(rows) < self.args.follows:
            follower = self.rng.choice(self.people)
            roll = self.rng.random()
            if roll < 0.7:
                kind, target = "person", self.rng.choice(self.people)
            elif roll < 0.9:
                kind, target = "document", self.rng.choice(self.documents)
            else:
                kind, target = "tag", self.rng.choice(TAGS)
            if (follower, kind, target) in seen or target == follower:
                continue
            seen.add((follower, kind, target))
            rows.append({"follower": follower, "target_kind": kind, "target": target,
                         "notify": self.rng.random() < 0.3,
                         "created_at": self.start + timedelta(seconds=len(rows))})  # fmt: skip
        return rows

    def comments(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        tops: dict[str, list[str]] = {}
        for i in range(self.args.comments):
            path = self.rng.choice(self.documents)
            parent = None
            if tops.get(path) and self.rng.random() < 0.4:
                parent = self.rng.choice(tops[path])
            cid = str(uuid.UUID(int=self.rng.getrandbits(128)))
            if parent is None:
                tops.setdefault(path, []).append(cid)
            rows.append({"id": cid, "author": self.rng.choice(self.people), "target_kind": "document",
                         "target": path, "document": path, "parent_id": parent,
                         "body": f"Comment {i} on #{self.rng.choice(TAGS)} " + "text " * 20,
                         "created_at": self.start + timedelta(seconds=30 * i)})  # fmt: skip
        return rows

    def events(self, written: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for c in written[: self.args.events]:
            rows.append({"actor": c["author"], "verb": "replied" if c["parent_id"] else "commented",
                         "object_kind": "comment", "object_id": c["id"], "target_kind": "document",
                         "target_id": c["target"], "audience": "document", "document": c["target"],
                         "created_at": c["created_at"]})  # fmt: skip
        while len(rows) < self.args.events:
            actor = self.rng.choice(self.people)
            if self.rng.random() < 0.5:
                path = self.rng.choice(self.documents)
                rows.append({"actor": actor, "verb": "updated", "object_kind": "document",
                             "object_id": path, "target_kind": None, "target_id": None,
                             "audience": "document", "document": path,
                             "created_at": self.start + timedelta(seconds=31 * len(rows))})  # fmt: skip
            else:
                rows.append({"actor": actor, "verb": "followed", "object_kind": "person",
                             "object_id": self.rng.choice(self.people), "target_kind": None,
                             "target_id": None, "audience": "staff", "document": None,
                             "created_at": self.start + timedelta(seconds=31 * len(rows))})  # fmt: skip
        # Events are ordered by time, as they would have been written.
        rows.sort(key=lambda r: r["created_at"])
        return rows


async def _bulk(store: SocialStore, table: Any, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if store.dialect == "postgresql":
        # COPY through the driver: a million rows in seconds, not minutes of INSERTs.
        columns = list(rows[0])
        async with store.engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None
            for i in range(0, len(rows), CHUNK):
                records = [tuple(r[c] for c in columns) for r in rows[i : i + CHUNK]]
                await driver.copy_records_to_table(table.name, records=records, columns=columns)
        return
    async with store.engine.begin() as connection:
        for i in range(0, len(rows), CHUNK):
            await connection.execute(insert(table), rows[i : i + CHUNK])


async def generate(store: SocialStore, data: Data) -> dict[str, float]:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    written = data.comments()
    # Parents first: the foreign key wants them in place.
    await _bulk(store, comments, [c for c in written if c["parent_id"] is None])
    await _bulk(store, comments, [c for c in written if c["parent_id"] is not None])
    await _bulk(store, follows, data.follows())
    await _bulk(store, activity, data.events(written))
    tagged = [{"item_kind": "activity", "item_id": activity_tag_id(i), "tag": TAGS[i % len(TAGS)]}
              for i in range(1, data.args.events + 1, 10)]  # fmt: skip
    await _bulk(store, item_tags, tagged)
    skills = [{"person": p, "kind": "skill", "tag": t, "created_at": data.start}
              for p in data.people for t in data.rng.sample(TAGS, 3)]  # fmt: skip
    await _bulk(store, profile_tags, skills)
    if store.dialect == "postgresql" and not data.args.no_vacuum:
        # What autovacuum does soon after a bulk load: statistics, and the visibility map
        # that lets index-only scans skip the table.
        async with store.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            # ANALYZE first, then VACUUM on its own: run together (or while autovacuum's
            # ANALYZE of the load runs) the vacuum marks few pages all-visible, and index-only
            # scans then visit the table or not from run to run.
            await autocommit.exec_driver_sql("ANALYZE")
            await autocommit.exec_driver_sql("VACUUM")
    timings["generate_s"] = time.perf_counter() - started
    return timings


async def _timed(samples: int, call: Callable[[int], Awaitable[object]]) -> dict[str, float]:
    took: list[float] = []
    for i in range(samples):
        started = time.perf_counter()
        await call(i)
        took.append((time.perf_counter() - started) * 1000)
    took.sort()
    return {"p50_ms": statistics.median(took), "p95_ms": took[max(0, int(len(took) * 0.95) - 1)]}


async def measure(store: SocialStore, data: Data) -> dict[str, Any]:
    rng = random.Random(60)
    viewers = rng.sample(data.people, data.args.samples)
    teams = {v: rng.sample(data.people, 8) for v in viewers}
    batch = 60  # what the home feed resolver reads for first=20 (3 x first)
    firsts: dict[str, int] = {}

    async def first_page(i: int) -> None:
        events = await store.home_feed(viewers[i], teams[viewers[i]], before=None, limit=batch)
        firsts[viewers[i]] = events[-1].id if events else 0

    async def next_page(i: int) -> None:
        await store.home_feed(viewers[i], teams[viewers[i]], before=firsts[viewers[i]], limit=batch)

    counts = StoreCounts(store)

    async def home_count(i: int) -> None:
        await counts.home_feed(viewers[i], teams[viewers[i]])

    async def thread(i: int) -> None:
        page = await store.thread("document", data.documents[i % len(data.documents)], first=21)
        await store.replies([c.id for c in page[:20]])

    async def experts(i: int) -> None:
        topic = TAGS[i % len(TAGS)]
        await store.topic_signals(topic, rng.sample(data.documents, 20))

    results: dict[str, Any] = {}
    for name, call in (("home_first", first_page), ("home_next", next_page),
                       ("home_count", home_count), ("thread", thread), ("experts", experts)):  # fmt: skip
        results[name] = await _timed(data.args.samples, call)
    results["plans"] = {
        "home_first": await _plan(store, lambda: first_page(0)),
        "home_count": await _plan(store, lambda: home_count(0)),
    }

    per_writer = data.args.writes // data.args.writers

    async def writer(n: int) -> None:
        wr = random.Random(n)
        for i in range(per_writer):
            path = wr.choice(data.documents)
            text = CommentText(body=f"bench {n}-{i} #budget", tags=["budget"],
                               mentioned=[wr.choice(data.people)])  # fmt: skip
            await store.add_comment(wr.choice(data.people), "document", path, text)

    started = time.perf_counter()
    await asyncio.gather(*(writer(n) for n in range(data.args.writers)))
    elapsed = time.perf_counter() - started
    results["writes"] = {"writers": data.args.writers, "writes": per_writer * data.args.writers,
                         "per_s": per_writer * data.args.writers / elapsed}  # fmt: skip
    return results


async def _plan(store: SocialStore, call: Callable[[], Awaitable[object]]) -> list[str]:
    """The plan of the last statement ``call`` sends (the feed's query or its count, after
    the follows are read), run again under EXPLAIN with the same parameters."""
    sent: list[tuple[str, Any]] = []

    def seen(*args: Any) -> None:
        sent.append((args[2], args[3]))  # (connection, cursor, statement, parameters, ...)

    # SQLite reads go through a synchronous engine of their own (``StoreBase._rows``).
    engines = {store.engine.sync_engine, getattr(store, "_sync_reader", None)} - {None}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", seen)
    try:
        await call()
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", seen)
    statement, parameters = sent[-1]
    explain = (
        "EXPLAIN (ANALYZE, BUFFERS) " if store.dialect == "postgresql" else "EXPLAIN QUERY PLAN "
    )
    async with store.engine.connect() as connection:
        rows = await connection.exec_driver_sql(explain + statement, parameters)
        return [str(r[0] if store.dialect == "postgresql" else r[-1]) for r in rows]


async def run_backend(name: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    store = SocialStore.open(url, pool_size=args.writers + 2)
    if name == "sqlite" and args.events > args.sqlite_events:
        args = argparse.Namespace(**{**vars(args), "events": args.sqlite_events})
    try:
        await store.migrate()
        data = Data(args)
        result: dict[str, Any] = await generate(store, data)
        result["events"], result["follows"] = args.events, args.follows
        result.update(await measure(store, data))
        return result
    finally:
        await store.close()


def _start_postgres() -> tuple[Any, str]:
    sys.path.insert(0, str(ROOT / "tests"))
    # The test suite's throwaway server.
    from servers.postgres import PostgresServer  # type: ignore[import-not-found]

    server = PostgresServer()
    server.start()
    return server, asyncio.run(server.create_database())


def main(argv: list[str]) -> int:
    args = _args(argv)
    results: dict[str, Any] = {}
    if args.backend in ("both", "sqlite"):
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{folder}/social.db"
            results["sqlite"] = asyncio.run(run_backend("sqlite", url, args))
    if args.backend in ("both", "postgresql"):
        server = None
        url = args.postgres_url
        if not url:
            server, url = _start_postgres()
        try:
            results["postgresql"] = asyncio.run(run_backend("postgresql", url, args))
        finally:
            if server is not None:
                server.stop()
    goals = _goals(results)
    _print(results, args, goals)
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"when": datetime.now(UTC).isoformat(), "machine": platform.platform(),
               "load": Path("/proc/loadavg").read_text().split()[:3],
               "args": vars(args), "results": results, "goals": goals}  # fmt: skip
    (RESULTS / "social.json").write_text(json.dumps(payload, indent=2))
    return 0


def _goals(results: dict[str, Any]) -> dict[str, Any]:
    """Each goal with the figure it judges (when that backend ran), and whether it is met."""
    found: dict[str, Any] = {}
    for measure, stat, limit, backend in GOALS:
        figure = results.get(backend, {}).get(measure, {}).get(stat)
        found[f"{backend}.{measure}.{stat}"] = {
            "goal_at_most": limit, "figure": figure,
            "met": None if figure is None else figure <= limit,
        }  # fmt: skip
    return found


def _stat(measure: str, stat: str) -> Callable[[dict[str, Any]], str]:
    return lambda result: f"{result[measure][stat]:.2f}"


def _print(results: dict[str, Any], args: argparse.Namespace, goals: dict[str, Any]) -> None:
    print(f"social store: {args.people} people, {args.comments} comments; "
          f"{args.samples} samples each")  # fmt: skip
    print(f"{'measure':<32}" + "".join(f"{b:>14}" for b in results) + "  goal")
    Cell = Callable[[dict[str, Any]], str]
    rows: list[tuple[str, Cell, str]] = [("events", lambda r: f"{r['events']:,}", ""),
            ("follows", lambda r: f"{r['follows']:,}", ""),
            ("generate (s)", lambda r: f"{r['generate_s']:.1f}", "")]  # fmt: skip
    for key, label in (("home_first", "home feed, first page"), ("home_next", "home feed, next page"),
                       ("home_count", "home feed, totalCount"), ("thread", "document thread"),
                       ("experts", "experts(topic) signals")):  # fmt: skip
        for stat in ("p50_ms", "p95_ms"):
            goal = "".join(
                f"  <= {g['goal_at_most']:g} ({name.split('.')[0]}: "
                f"{'met' if g['met'] else 'missed' if g['met'] is not None else 'not run'})"
                for name, g in goals.items() if name.endswith(f".{key}.{stat}")
            )  # fmt: skip
            rows.append((f"{label} {stat[:3]} ms", _stat(key, stat), goal))
    rows.append(
        (f"comment writes/s ({args.writers} writers)", lambda r: f"{r['writes']['per_s']:.0f}", "")
    )
    for label, show, goal in rows:
        print(f"{label:<32}" + "".join(f"{show(r):>14}" for r in results.values()) + goal)
    for backend, result in results.items():
        for name, plan in result["plans"].items():
            print(f"\n{backend}: plan of {name}")
            print("\n".join(f"  {line}" for line in plan))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
