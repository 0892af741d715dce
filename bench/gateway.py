"""Gateway core benchmark: ceiling vs warm, the floor, upstream calls, photos, cold latency,
single flight, the response cache, memory; each of issue #14's goals beside its figure.

    python -m bench gateway [--duration 5] [--rounds 2] [--connections 16] [--delay 0.02]
                            [--directory embedded|samba] [--only all|safety|observability]

Against real upstreams started here (scim2-server, wsgidav; the directory is the
embedded one, or the Samba AD DC from the test servers with ``--directory samba``),
in one run, printing a table and writing bench/results/gateway.json:

1. ceiling vs warm: req/s and p50/p99 from ``wrk`` (a separate process) for each
   query shape, against the bare Strawberry app (bench/ceiling_app.py) and
   against Townhall with every record cached, both under uvicorn (uvloop,
   httptools, one worker), interleaved, the best of ``--rounds``; their ratio
   (``throughput.<shape>.warm_over_ceiling``). Then Townhall's own floor:
   ``{ __typename }`` with sign-in and context, its time per request over the
   ceiling card's (``floor.share_of_ceiling_card``).
2. upstream calls per shape, cold and warm, counted at the connectors; a photo fetched
   cold, warm and with ``If-None-Match`` (``in_process.photo``).
3. cold latency with a fixed delay on every upstream call (bench/latency_proxy.py),
   divided by (delayed levels x delay) (``cold_latency.<shape>.ratio``); and the same
   with no delay, so that (delayed - undelayed) / delay counts the delayed round trips
   on the critical path apart from the fixed cost of the work.
4. single flight: N concurrent identical cold requests, upstream calls per key.
5. the response cache (bench/response_cache.py, when it is there):
   ``response_cache.<shape>.over_ceiling``.
6. limits, budgets and trusted documents; 7. logs and traces (bench/_overheads.py).
8. memory: RSS of a worker with the sample council cached, and with 100,000 people
   (bench/_memory.py).

Every goal is written beside its figure (``goal``, ``met``) and gathered in ``goals``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench._goals import annotate
from bench._memory import memory
from bench._overheads import observability_overhead, safety_overhead
from bench._report import report
from bench._serving import (
    DAV,
    EMBEDDED,
    FIXTURES,
    FLOOR,
    RESULTS,
    ROOT,
    TOKEN,
    VIEWER,
    index_ready,
    settings_for,
    shapes,
    uvicorn_process,
    wait_http,
    wrk,
)
from bench.latency_proxy import LatencyProxy
from gateway.settings import Settings
from townhall_demo.upstreams import WebDavUser, free_port, start_scim_server, start_webdav_server

# The shared helpers stay importable from here (bench/response_cache.py uses them).
__all__ = [
    "DAV", "EMBEDDED", "FIXTURES", "FLOOR", "RESULTS", "ROOT", "TOKEN", "VIEWER",
    "index_ready", "main", "run", "settings_for", "shapes", "uvicorn_process", "wait_http", "wrk",
]  # fmt: skip

# -- 1. ceiling vs warm, and the floor ---------------------------------------------------


async def ceiling_vs_warm(
    args: argparse.Namespace, up: dict[str, Any], workdir: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each shape on the ceiling and on warm Townhall, then ``{ __typename }`` on Townhall,
    interleaved round by round; each side's best round."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk (make bench installs it)")
    ceiling_port, townhall_port = free_port(), free_port()
    settings_file = workdir / "settings.json"
    warm = settings_for(up["scim"], up["dav"], workdir, townhall_port, up["directory"])
    warm["cache"]["warm_directory"] = "startup"
    settings_file.write_text(json.dumps(warm))
    ceiling = uvicorn_process(
        "bench.ceiling_app:app", ceiling_port, {"TOWNHALL_BENCH_FIXTURES": str(FIXTURES)}
    )
    townhall = uvicorn_process("gateway.asgi:build", townhall_port,
                               {"TOWNHALL_SETTINGS_FILE": str(settings_file)}, factory=True)  # fmt: skip
    ceiling_url = f"http://127.0.0.1:{ceiling_port}/graphql"
    townhall_url = f"http://127.0.0.1:{townhall_port}/graphql"
    floor_body = {"query": FLOOR, "variables": {}}
    runs: dict[str, dict[str, list[dict[str, float]]]] = {
        name: {"ceiling": [], "warm": []} for name in shapes()
    }
    floor_runs: list[dict[str, float]] = []
    try:
        await wait_http(ceiling_url)
        await wait_http(f"http://127.0.0.1:{townhall_port}/healthz")
        await index_ready(townhall_port)
        async with httpx.AsyncClient(timeout=60, headers={"X-Townhall-User": VIEWER}) as client:
            checks = [(n, b, u) for n, b in shapes().items() for u in (ceiling_url, townhall_url)]
            for name, body, url in [*checks, ("floor", floor_body, townhall_url)]:
                answer = (await client.post(url, json=body)).json()  # warms, checks answers
                if answer.get("errors") or not answer.get("data"):
                    raise RuntimeError(f"{name} at {url}: {str(answer)[:500]}")
        for _ in range(args.rounds):
            for name, body in shapes().items():  # ceiling then warm, shape by shape
                for side, url in (("ceiling", ceiling_url), ("warm", townhall_url)):
                    measured = wrk(url, body, args.duration, args.connections, workdir)
                    runs[name][side].append(measured)
            floor_runs.append(
                wrk(townhall_url, floor_body, args.duration, args.connections, workdir)
            )
    finally:
        for process in (ceiling, townhall):
            process.terminate()
            process.wait(10)

    def best(found: list[dict[str, float]]) -> dict[str, float]:
        return max(found, key=lambda r: r["rps"])

    results: dict[str, Any] = {}
    for name, sides in runs.items():
        c, w = best(sides["ceiling"]), best(sides["warm"])
        results[name] = {
            "ceiling": c, "warm": w, "warm_over_ceiling": round(w["rps"] / c["rps"], 3),
            "rounds": {side: [round(r["rps"]) for r in found] for side, found in sides.items()},
        }  # fmt: skip
    floor, card = best(floor_runs), results["card"]["ceiling"]
    # Time per request: one worker saturated by wrk, so 1 / req/s.
    floor_result = {
        "query": FLOOR, "townhall": floor, "ceiling_card": card,
        "rounds": [round(r["rps"]) for r in floor_runs],
        "share_of_ceiling_card": round(card["rps"] / floor["rps"], 3),
    }  # fmt: skip
    return results, floor_result


# -- 2-4. upstream calls, photos, cold latency, single flight (in process) ---------------


async def photo_calls(gw: Any) -> dict[str, Any]:
    """The viewer's photo fetched cold, warm and with If-None-Match: directory calls each."""
    body = await gw.query("{ me { photoUrl } }", user=VIEWER)
    url = body["data"]["me"]["photoUrl"]
    if url is None:
        return {"skipped": f"{VIEWER} has no photo in this directory"}
    await gw.clear_cache()
    calls = []
    async with gw.client() as client:
        before = gw.calls()["directory"]
        cold = await client.get(url)
        calls.append(gw.calls()["directory"] - before)
        before = gw.calls()["directory"]
        warm = await client.get(url)
        calls.append(gw.calls()["directory"] - before)
        before = gw.calls()["directory"]
        again = await client.get(url, headers={"If-None-Match": warm.headers.get("etag", "")})
        calls.append(gw.calls()["directory"] - before)
    cache_control = warm.headers.get("cache-control", "")
    return {
        "status": [cold.status_code, warm.status_code, again.status_code],
        "cold_directory_calls": calls[0], "warm_directory_calls": calls[1],
        "revalidated_directory_calls": calls[2], "cache_control": cache_control,
        "etag": warm.headers.get("etag"),
        "cacheable": cache_control.startswith("private, max-age=") and again.status_code == 304,
    }  # fmt: skip


async def in_process(
    args: argparse.Namespace, up: dict[str, Any], workdir: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    sys.path.insert(0, str(ROOT / "tests"))
    from servers.gateway import serve  # type: ignore[import-not-found]  # the tests' server

    def settings(
        scim_url: str, dav_url: str, db: str, directory: dict[str, Any] = up["directory"]
    ) -> Settings:
        data = settings_for(scim_url, dav_url, workdir, 0, directory)
        data["social"]["database_url"] = f"sqlite+aiosqlite:///{workdir / db}"
        return Settings(**data)

    out: dict[str, Any] = {"calls": {}, "single_flight": {}}
    async with serve(settings(up["scim"], up["dav"], "calls.db")) as gw:
        await asyncio.wait_for(gw.upstreams.document_sync.ready.wait(), 120)
        for name, body in shapes().items():
            await gw.clear_cache()
            before = gw.calls()
            await gw.query(body["query"], body["variables"], user=VIEWER)
            middle = gw.calls()
            await gw.query(body["query"], body["variables"], user=VIEWER)
            after = gw.calls()
            out["calls"][name] = {
                "cold": {k: middle[k] - before[k] for k in before},
                "warm": {k: after[k] - middle[k] for k in before},
            }
        out["photo"] = await photo_calls(gw)
        # single flight: N identical cold requests at once
        body = shapes()["card"]
        await gw.clear_cache()
        await gw.query("{ me { displayName } }", user=VIEWER)  # sign-in records, then cold again
        before = gw.calls()
        await asyncio.gather(
            *(
                gw.query(body["query"], body["variables"], user=VIEWER)
                for _ in range(args.concurrent)
            )
        )
        after = gw.calls()
        await gw.clear_cache()
        await gw.query("{ me { displayName } }", user=VIEWER)
        solo_before = gw.calls()
        await gw.query(body["query"], body["variables"], user=VIEWER)
        solo_after = gw.calls()
        out["single_flight"] = {
            "concurrent_requests": args.concurrent,
            "calls_concurrent": {k: after[k] - before[k] for k in before},
            "calls_one_request": {k: solo_after[k] - solo_before[k] for k in before},
        }

    # cold latency: every upstream call delayed (not the embedded directory: the gateway
    # opens it itself), then the same with no delay: the difference over the delay is how
    # many delayed round trips lie on the critical path, apart from the work itself.
    cold: dict[str, Any] = {}
    levels = EXPECTED_LEVELS[up["directory"]["mode"]]
    undelayed = await cold_latencies(up, settings, serve, 0.0)
    delayed = await cold_latencies(up, settings, serve, args.delay)
    for name, best in delayed.items():
        trips = (best - undelayed[name]) / args.delay
        cold[name] = {
            "seconds": round(best, 4), "seconds_undelayed": round(undelayed[name], 4),
            "delay": args.delay, "delayed_levels": levels[name],
            # No delayed level (list100 on the embedded directory): no floor to divide by.
            "ratio": round(best / (levels[name] * args.delay), 3) if levels[name] else None,
            "delayed_round_trips": round(trips, 2),
        }  # fmt: skip
    return out, cold


async def cold_latencies(
    up: dict[str, Any], settings: Any, serve: Any, delay: float
) -> dict[str, float]:
    """Each shape's best of three cold requests, every upstream call ``delay`` late."""
    scim, dav = urlsplit(up["scim"]), urlsplit(up["dav"])
    ldap = urlsplit(up["directory"].get("url", "ldaps://127.0.0.1:636"))
    found: dict[str, float] = {}
    async with (
        LatencyProxy("127.0.0.1", scim.port or 80, delay) as hr_proxy,
        LatencyProxy("127.0.0.1", dav.port or 80, delay) as dav_proxy,
        LatencyProxy("127.0.0.1", ldap.port or 636, delay) as ldap_proxy,
    ):
        directory = dict(up["directory"])
        if directory["mode"] == "ldap":
            directory["url"] = f"ldaps://127.0.0.1:{ldap_proxy.port}"
        delayed = settings(
            f"http://127.0.0.1:{hr_proxy.port}{scim.path}",
            f"http://127.0.0.1:{dav_proxy.port}{dav.path}",
            f"lat-{delay}.db",
            directory,
        )
        async with serve(delayed) as gw:
            await asyncio.wait_for(gw.upstreams.document_sync.ready.wait(), 120)
            for name, body in shapes().items():
                samples = []
                for _ in range(3):
                    await gw.clear_cache()
                    await gw.query("{ me { displayName } }", user=VIEWER)
                    started = time.perf_counter()
                    await gw.query(body["query"], body["variables"], user=VIEWER)
                    samples.append(time.perf_counter() - started)
                found[name] = min(samples)
    return found


# Delayed levels on the critical path: sources that do not depend on each other are
# fetched side by side, so a level costs one delay, however many people or sources it covers.
# card: person -> {manager, reports, HR + groups/chain level 1} -> {groups/chain 2} -> {groups 3}
# list100: search -> managers; document: document -> {author, comments} -> comment authors
EXPECTED_LEVELS = {
    "embedded": {"card": 1, "list100": 0, "document": 1},
    "ldap": {"card": 4, "list100": 2, "document": 3},
}


# -- 5. the response cache ---------------------------------------------------------------


async def response_cache(
    args: argparse.Namespace, workdir: Path, up: dict[str, Any]
) -> dict[str, Any]:
    """``bench.response_cache.measure`` when that module is there (given these upstreams
    when it takes them); the rest of the run goes on without it, or when it fails (the
    failure is written down instead)."""
    try:
        step = importlib.import_module("bench.response_cache")
    except ModuleNotFoundError as exc:
        if exc.name != "bench.response_cache":
            raise
        return {"skipped": "bench/response_cache.py is not there"}
    try:
        extra = {"up": up} if "up" in inspect.signature(step.measure).parameters else {}
        found: dict[str, Any] = await step.measure(args, workdir, **extra)
    except Exception as exc:  # one step's failure must not lose the others
        return {"error": f"{type(exc).__name__}: {exc}"[:500]}
    return found


# -- main --------------------------------------------------------------------------------


def loadavg() -> list[float]:
    return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="townhall-bench-") as tmp:
        workdir = Path(tmp)
        users = json.loads((FIXTURES / "hr" / "users.json").read_text())
        props = json.loads((FIXTURES / "documents.json").read_text())
        scim = await start_scim_server(
            token=TOKEN, schemas_dir=FIXTURES / "hr", users=users, workdir=workdir / "scim"
        )
        dav = await start_webdav_server(root=FIXTURES / "documents", props=props,
                                        users={DAV[0]: WebDavUser(DAV[1])}, workdir=workdir / "dav")  # fmt: skip
        samba = None
        try:
            up: dict[str, Any] = {"scim": scim.url, "dav": dav.url, "directory": EMBEDDED}
            if args.directory == "samba":
                sys.path.insert(0, str(ROOT / "tests"))
                from servers.samba import SambaDC  # type: ignore[import-not-found]

                samba = SambaDC(workdir / "samba", FIXTURES / "directory.ldif")
                samba.start()
                # JSON-ready: the warm gateway reads it from a settings file
                up["directory"] = samba.directory_settings(
                    ca_file=str(samba.ca_file), sync_interval=0
                )
            results: dict[str, Any] = {
                "machine": {"cpus": os.cpu_count(), "loadavg_start": loadavg()},
                "directory": args.directory,
            }
            if args.only == "safety":
                results["safety"] = await safety_overhead(args, up, workdir)
                return results
            if args.only == "observability":
                results["observability"] = await observability_overhead(args, up, workdir)
                return results
            results["in_process"], results["cold_latency"] = await in_process(args, up, workdir)
            results["throughput"], results["floor"] = await ceiling_vs_warm(args, up, workdir)
            results["response_cache"] = await response_cache(args, workdir, up)
            results["safety"] = await safety_overhead(args, up, workdir)
            results["memory"] = memory(workdir)
            results["machine"]["loadavg_end"] = loadavg()
            results["goals"] = annotate(results)
            return results
        finally:
            scim.stop()
            dav.stop()
            if samba is not None:
                samba.stop()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench gateway", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument(
        "--duration", type=float, default=5.0, help="seconds of wrk per measurement"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="interleaved rounds of ceiling vs warm (best kept)"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--delay", type=float, default=0.02, help="seconds added to each upstream call"
    )
    parser.add_argument(
        "--concurrent", type=int, default=50, help="requests in the single-flight test"
    )
    parser.add_argument(
        "--directory",
        choices=["embedded", "samba"],
        default="embedded",
        help="the directory: the embedded one, or a real Samba AD DC (ports 389/636)",
    )
    parser.add_argument(
        "--only",
        choices=["all", "safety", "observability"],
        default="all",
        help="safety: only the cost of the limits, budgets and trusted documents; "
        "observability: only the cost of JSON logs and of tracing every request",
    )
    args = parser.parse_args(argv)
    results = asyncio.run(run(args))
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "gateway.json" if args.only == "all" else f"gateway-{args.only}.json"
    if args.only == "all" and args.directory == "samba":
        name = "gateway-samba.json"
    (RESULTS / name).write_text(json.dumps(results, indent=2))
    report(results)
    return 0
