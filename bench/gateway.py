"""Gateway core benchmark: ceiling vs warm, upstream calls, cold latency, single flight, memory.

    python -m bench gateway [--duration 5] [--connections 16] [--delay 0.02]

Against real upstreams started here (scim2-server, wsgidav; the directory is the
embedded one, or the Samba AD DC from the test servers with ``--directory samba``),
in one run, printing a table and writing bench/results/gateway.json:

1. ceiling vs warm: req/s and p50/p99 from ``wrk`` (a separate process) for each
   query shape, against the bare Strawberry app (bench/ceiling_app.py) and
   against Townhall with every record cached, both under uvicorn (uvloop,
   httptools, one worker); their ratio.
2. upstream calls per shape, cold and warm, counted at the connectors.
3. cold latency with a fixed delay on every upstream call (bench/latency_proxy.py),
   divided by (delayed levels x delay); and the same with no delay, so that
   (delayed - undelayed) / delay counts the delayed round trips on the critical path
   apart from the fixed cost of the work (LDAP parsing, Samba's own time).
4. single flight: N concurrent identical cold requests, upstream calls per key.
5. memory: RSS of a worker with the sample council cached, and with 50,000 people.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench.latency_proxy import LatencyProxy
from gateway.settings import Settings
from schema.ids import global_id
from townhall_demo.upstreams import WebDavUser, free_port, start_scim_server, start_webdav_server

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "council"
RESULTS = ROOT / "bench" / "results"
TOKEN = "bench-token"
DAV = ("townhall", "bench-dav-password")
VIEWER = "helen.carter"

CARD = """query Card($id: ID!) { person(id: $id) { displayName title manager { displayName }
  directReports { displayName } employment { grade } followerCount
  activity(first: 5) { nodes { verb summary } } } }"""
LIST = "query List { people(first: 100) { nodes { displayName manager { displayName } } } }"
DOCUMENT = """query Doc($id: ID!) { document(id: $id) { title author { displayName }
  comments(first: 20) { body author { displayName } } } }"""


def shapes() -> dict[str, dict[str, Any]]:
    people = json.loads((FIXTURES / "people.json").read_text())
    subject = next(p for p in people if p["sAMAccountName"] == "alex.morgan")
    social = json.loads((FIXTURES / "social.json").read_text())
    counts: dict[str, int] = {}
    for c in social["comments"]:
        counts[c["path"]] = counts.get(c["path"], 0) + 1
    path = max(
        (p for p in counts if "/Team/" not in p and "Confidential" not in p), key=counts.__getitem__
    )
    return {
        "card": {"query": CARD, "variables": {"id": global_id("Person", subject["guid"])}},
        "list100": {"query": LIST, "variables": {}},
        "document": {"query": DOCUMENT, "variables": {"id": global_id("Document", path)}},
    }


EMBEDDED = {"mode": "embedded", "ldif_file": str(FIXTURES / "directory.ldif"), "sync_interval": 0}


def settings_for(
    scim_url: str, dav_url: str, workdir: Path, port: int, directory: dict[str, Any]
) -> dict[str, Any]:
    return {
        "environment": "test",
        "directory": dict(directory),
        "hr": {"url": scim_url, "token": TOKEN},
        "documents": {"url": dav_url, "username": DAV[0], "password": DAV[1],
                      "access_file": str(FIXTURES / "document_access.json")},
        "social": {"database_url": f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
                   "seed_file": str(FIXTURES / "social.json")},
        "cache": {"directory_ttl": 3600, "hr_ttl": 3600, "documents_ttl": 3600, "search_ttl": 3600},
        "auth": {"dev_sign_in": True, "dev_default_user": VIEWER},
        "deadlines": {"directory": 120, "hr": 120, "documents": 120},
        "server": {"port": port, "public_url": f"http://127.0.0.1:{port}"},
    }  # fmt: skip


# -- 1. ceiling vs warm ----------------------------------------------------------------


def uvicorn_process(
    target: str, port: int, env: dict[str, str], factory: bool = False
) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port),
               "--loop", "uvloop", "--http", "httptools", "--log-level", "warning", "--workers", "1"]  # fmt: skip
    if factory:
        command.append("--factory")
    # Townhall logs a line per request, as in production: to a file, not the terminal.
    log = open(Path(tempfile.gettempdir()) / f"townhall-bench-{port}.log", "wb")  # noqa: SIM115
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stderr=log)


async def wait_http(url: str, within: float = 60) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(url)).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


async def index_ready(port: int) -> None:
    """Wait for the gateway's document index build (start-up work) before measuring."""
    async with httpx.AsyncClient(timeout=120, headers={"X-Townhall-User": VIEWER}) as client:
        await client.post(
            f"http://127.0.0.1:{port}/graphql",
            json={"query": '{ searchDocuments(query: "plan", first: 1) { totalCount } }'},
        )


def wrk(
    url: str, body: dict[str, Any], duration: float, connections: int, workdir: Path
) -> dict[str, float]:
    script = workdir / "post.lua"
    payload = json.dumps(body).replace("\\", "\\\\").replace('"', '\\"')
    script.write_text(
        'wrk.method = "POST"\n'
        f'wrk.body = "{payload}"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["X-Townhall-User"] = "{VIEWER}"\n'
    )
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency", "-s", str(script), url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw errors:\n{out}")

    def latency(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not match:
            return float("nan")
        return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return {"rps": rps, "p50_ms": latency("50"), "p99_ms": latency("99")}


async def ceiling_vs_warm(
    args: argparse.Namespace, up: dict[str, Any], workdir: Path
) -> dict[str, Any]:
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
    results: dict[str, Any] = {}
    try:
        await wait_http(f"http://127.0.0.1:{ceiling_port}/graphql")
        await wait_http(f"http://127.0.0.1:{townhall_port}/healthz")
        await index_ready(townhall_port)
        async with httpx.AsyncClient(timeout=60, headers={"X-Townhall-User": VIEWER}) as client:
            for name, body in shapes().items():
                for port in (ceiling_port, townhall_port):  # warm every record, check answers
                    answer = (
                        await client.post(f"http://127.0.0.1:{port}/graphql", json=body)
                    ).json()
                    if answer.get("errors") or not answer.get("data"):
                        raise RuntimeError(f"{name} on port {port}: {str(answer)[:500]}")
        for name, body in shapes().items():  # interleaved: ceiling then warm, shape by shape
            c = wrk(
                f"http://127.0.0.1:{ceiling_port}/graphql",
                body,
                args.duration,
                args.connections,
                workdir,
            )
            w = wrk(
                f"http://127.0.0.1:{townhall_port}/graphql",
                body,
                args.duration,
                args.connections,
                workdir,
            )
            results[name] = {
                "ceiling": c,
                "warm": w,
                "warm_over_ceiling": round(w["rps"] / c["rps"], 3),
            }
    finally:
        for process in (ceiling, townhall):
            process.terminate()
            process.wait(10)
    return results


async def safety_steps(iterations: int = 20_000) -> dict[str, float]:
    """CPU microseconds per request of the steps the limits add, in process: resolving the
    document (trusted documents), preparing it (cached parse, validation, measure), and
    spending the budget (in memory)."""
    from gateway.budgets import Budgets
    from gateway.operations import OperationPreparer
    from gateway.settings import LimitsSettings
    from gateway.trusted import DocumentResolver, TrustedDocuments
    from schema import build_schema

    body = shapes()["card"]
    preparer = OperationPreparer(build_schema()._schema, LimitsSettings())
    resolver = DocumentResolver(TrustedDocuments.load())
    budgets = Budgets.memory(10**12)
    preparer.prepare(body["query"], None, body["variables"], discovery=True)
    results = {}
    started = time.process_time()
    for _ in range(iterations):
        await resolver.resolve(body["query"], None, may_register=False)
    results["trusted_us"] = (time.process_time() - started) / iterations * 1e6
    started = time.process_time()
    for _ in range(iterations):
        preparer.prepare(body["query"], None, body["variables"], discovery=True)
    results["prepare_us"] = (time.process_time() - started) / iterations * 1e6
    started = time.process_time()
    for i in range(iterations):
        await budgets.spend(f"viewer-{i % 2000}", 31)
    results["budget_us"] = (time.process_time() - started) / iterations * 1e6
    return results


async def safety_overhead(
    args: argparse.Namespace, up: dict[str, Any], workdir: Path, rounds: int = 3
) -> dict[str, Any]:
    """The warm card with the operation limits, budgets and trusted documents as shipped,
    against the same gateway with budgets and trusted documents off and the limits out of
    reach (the cached measure still runs): req/s interleaved over ``rounds``, one run."""
    processes: dict[str, subprocess.Popen[bytes]] = {}
    ports = {"safe": free_port(), "bare": free_port()}
    try:
        for label, port in ports.items():
            settings = settings_for(up["scim"], up["dav"], workdir, port, up["directory"])
            settings["cache"]["warm_directory"] = "startup"
            settings["social"]["database_url"] = f"sqlite+aiosqlite:///{workdir / label}.db"
            if label == "bare":
                settings["limits"] = {"budget_per_minute": 0, "trusted_documents": "off",
                                      "max_cost": 10**9, "max_depth": 100, "max_aliases": 10**6,
                                      "max_objects": 10**9}  # fmt: skip
            file = workdir / f"settings-{label}.json"
            file.write_text(json.dumps(settings))
            processes[label] = uvicorn_process("gateway.asgi:build", port,
                                               {"TOWNHALL_SETTINGS_FILE": str(file)}, factory=True)  # fmt: skip
        body = shapes()["card"]
        async with httpx.AsyncClient(timeout=60, headers={"X-Townhall-User": VIEWER}) as client:
            for port in ports.values():
                await wait_http(f"http://127.0.0.1:{port}/healthz")
                answer = (await client.post(f"http://127.0.0.1:{port}/graphql", json=body)).json()
                if answer.get("errors"):
                    raise RuntimeError(f"card on port {port}: {str(answer)[:500]}")
        rps: dict[str, list[float]] = {"safe": [], "bare": []}
        for _ in range(rounds):
            for label, port in ports.items():
                url = f"http://127.0.0.1:{port}/graphql"
                rps[label].append(wrk(url, body, args.duration, args.connections, workdir)["rps"])
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(10)
    safe, bare = sum(rps["safe"]), sum(rps["bare"])
    steps = await safety_steps()
    card_us = 1e6 * rounds / safe  # one worker, saturated by wrk: wall time per request
    added = steps["trusted_us"] + steps["prepare_us"] + steps["budget_us"]
    return {
        "rps": rps,
        "safe_over_bare": round(safe / bare, 3),
        "rounds": rounds,
        "steps_us": {k: round(v, 1) for k, v in steps.items()},
        "card_us": round(card_us, 1),
        "steps_share_of_card": round(added / card_us, 4),
    }


TRACE_EVERY_REQUEST = {
    "enabled": True,
    "exporter": "none",
    "sample_ratio": 1.0,
    "resolver_sample_ratio": 0.0,
}


async def observability_overhead(
    args: argparse.Namespace, up: dict[str, Any], workdir: Path, rounds: int = 3
) -> dict[str, Any]:
    """The warm card with logs as text and tracing off (as shipped), against JSON logs, and
    against every request traced (spans made for the request, its SQL and upstream calls,
    resolver spans off, not exported): req/s interleaved over ``rounds``, one run."""
    variants: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
        "shipped": ({}, {}),
        "json_logs": ({}, {"TOWNHALL_LOG__FORMAT": "json"}),
        "traced": ({"tracing": TRACE_EVERY_REQUEST}, {}),
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    ports = {label: free_port() for label in variants}
    try:
        for label, (extra, env) in variants.items():
            port = ports[label]
            settings = settings_for(up["scim"], up["dav"], workdir, port, up["directory"])
            settings["cache"]["warm_directory"] = "startup"
            settings["social"]["database_url"] = f"sqlite+aiosqlite:///{workdir / label}.db"
            settings.update(extra)
            file = workdir / f"settings-{label}.json"
            file.write_text(json.dumps(settings))
            processes[label] = uvicorn_process("gateway.asgi:build", port,
                                               {"TOWNHALL_SETTINGS_FILE": str(file), **env},
                                               factory=True)  # fmt: skip
        body = shapes()["card"]
        async with httpx.AsyncClient(timeout=60, headers={"X-Townhall-User": VIEWER}) as client:
            for port in ports.values():
                await wait_http(f"http://127.0.0.1:{port}/healthz")
                answer = (await client.post(f"http://127.0.0.1:{port}/graphql", json=body)).json()
                if answer.get("errors"):
                    raise RuntimeError(f"card on port {port}: {str(answer)[:500]}")
        rps: dict[str, list[float]] = {label: [] for label in variants}
        for _ in range(rounds):
            for label, port in ports.items():
                url = f"http://127.0.0.1:{port}/graphql"
                rps[label].append(wrk(url, body, args.duration, args.connections, workdir)["rps"])
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(10)
    shipped = sum(rps["shipped"])
    return {
        "rps": rps,
        "rounds": rounds,
        "json_logs_over_shipped": round(sum(rps["json_logs"]) / shipped, 3),
        "traced_over_shipped": round(sum(rps["traced"]) / shipped, 3),
    }


# -- 2-4. upstream calls, cold latency, single flight (in process) ----------------------


async def in_process(args: argparse.Namespace, up: dict[str, Any], workdir: Path) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "tests"))
    from servers.gateway import serve  # type: ignore[import-not-found]  # the tests' server

    def settings(
        scim_url: str, dav_url: str, db: str, directory: dict[str, Any] = up["directory"]
    ) -> Settings:
        data = settings_for(scim_url, dav_url, workdir, 0, directory)
        data["social"]["database_url"] = f"sqlite+aiosqlite:///{workdir / db}"
        return Settings(**data)

    out: dict[str, Any] = {"calls": {}, "cold_latency": {}, "single_flight": {}}
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
        solo_before = gw.calls()
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

    # cold latency: every upstream call delayed (the embedded directory is in process),
    # then the same with no delay: the difference over the delay is how many delayed
    # round trips lie on the critical path, apart from the fixed cost of the work itself.
    levels = EXPECTED_LEVELS[up["directory"]["mode"]]
    undelayed = await cold_latencies(up, workdir, settings, serve, 0.0)
    delayed = await cold_latencies(up, workdir, settings, serve, args.delay)
    for name, best in delayed.items():
        trips = (best - undelayed[name]) / args.delay
        out["cold_latency"][name] = {
            "seconds": round(best, 4), "seconds_undelayed": round(undelayed[name], 4),
            "delay": args.delay, "delayed_levels": levels[name],
            "ratio": round(best / (levels[name] * args.delay), 3) if levels[name] else None,
            "delayed_round_trips": round(trips, 2),
        }  # fmt: skip
    return out


async def cold_latencies(
    up: dict[str, Any], workdir: Path, settings: Any, serve: Any, delay: float
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


# -- 5. memory ---------------------------------------------------------------------------

MEMORY_SCRIPT = r"""
import asyncio, json, sys, uuid, gc
from pathlib import Path
from connectors.directory import DirectoryPerson, open_embedded
from connectors.hr import HRRecord
from gateway.cache import RecordCache

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

async def main(count, ldif):
    cache = RecordCache.memory()
    base = rss()
    if count == 0:
        directory = open_embedded(Path(ldif), "DC=ad,DC=northshire,DC=test")
        people = await directory.search_people(None, include_leavers=True)
        records = {p.guid: p for p in people}
        await directory.close()
    else:
        records = {}
        for n in range(count):
            guid = str(uuid.UUID(int=n))
            records[guid] = DirectoryPerson(guid=guid, dn=f"CN=Person {n},OU=Staff,DC=ad,DC=council,DC=test",
                account_name=f"person.{n}", upn=f"person.{n}@council.test", display_name=f"Person {n}",
                given_name="Person", surname=str(n), mail=f"person.{n}@council.test", title="Officer",
                department="Department", office="County Hall", telephone="01632 960000",
                employee_id=f"E{n:06d}", manager_dn="CN=Person 0,OU=Staff,DC=ad,DC=council,DC=test")
    loaded = rss()
    hr = {p.employee_id or p.guid: HRRecord(scim_id=p.guid, employee_number=p.employee_id, grade="PO3",
          job_title=p.title, working_pattern="Full time", work_location=p.office) for p in records.values()}
    await cache.set_many("person", records, ttl=3600, missing_ttl=60)
    await cache.set_many("hr", hr, ttl=3600, missing_ttl=60)
    del records, hr
    gc.collect()
    print(json.dumps({"people": len(cache._backend._cache) // 2, "rss_mb_start": round(base, 1),
                      "rss_mb_cached": round(rss(), 1)}))

asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
"""


def memory() -> dict[str, Any]:
    out = {}
    for label, count in (("sample_council", 0), ("generated_50000", 50_000)):
        result = subprocess.run(
            [sys.executable, "-c", MEMORY_SCRIPT, str(count), str(FIXTURES / "directory.ldif")],
            capture_output=True, text=True, check=True, cwd=ROOT,
        )  # fmt: skip
        out[label] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


# -- main --------------------------------------------------------------------------------


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
            results: dict[str, Any] = {"machine": {"cpus": os.cpu_count()}}
            if args.only == "safety":
                results["safety"] = await safety_overhead(args, up, workdir)
                return results
            if args.only == "observability":
                results["observability"] = await observability_overhead(args, up, workdir)
                return results
            results["in_process"] = await in_process(args, up, workdir)
            results["throughput"] = await ceiling_vs_warm(args, up, workdir)
            results["safety"] = await safety_overhead(args, up, workdir)
            results["memory"] = memory()
            return results
        finally:
            scim.stop()
            dav.stop()
            if samba is not None:
                samba.stop()


def report_safety(safety: dict[str, Any]) -> None:
    print("\n6. limits, budgets and trusted documents: warm card req/s, interleaved rounds")
    print(f"   on  {' '.join(f'{r:.0f}' for r in safety['rps']['safe'])}")
    print(f"   off {' '.join(f'{r:.0f}' for r in safety['rps']['bare'])}")
    print(f"   on/off = {safety['safe_over_bare']:.3f}")
    steps = safety["steps_us"]
    print(f"   in process, CPU us per request: trusted documents {steps['trusted_us']:.1f}, "
          f"prepare (cached parse, validation, measure) {steps['prepare_us']:.1f}, "
          f"budget {steps['budget_us']:.1f}; the card takes {safety['card_us']:.0f} us: "
          f"{safety['steps_share_of_card'] * 100:.1f}% of it")  # fmt: skip


def report_observability(o: dict[str, Any]) -> None:
    print("\n7. logs and traces: warm card req/s, interleaved rounds")
    for label, values in o["rps"].items():
        print(f"   {label:10} {' '.join(f'{r:.0f}' for r in values)}")
    print(f"   JSON logs / text logs = {o['json_logs_over_shipped']:.3f}; "
          f"every request traced / tracing off = {o['traced_over_shipped']:.3f}")  # fmt: skip


def report(results: dict[str, Any]) -> None:
    if "observability" in results:
        report_observability(results["observability"])
        return
    if "throughput" not in results:
        report_safety(results["safety"])
        return
    print("\n1. ceiling vs warm (req/s, p50/p99 ms; wrk, one worker)")
    print(
        f"{'shape':10} {'ceiling':>10} {'warm':>10} {'ratio':>7}   {'ceil p50/p99':>14} {'warm p50/p99':>14}"
    )
    for name, r in results["throughput"].items():
        c, w = r["ceiling"], r["warm"]
        print(f"{name:10} {c['rps']:>10.0f} {w['rps']:>10.0f} {r['warm_over_ceiling']:>7.2f}   "
              f"{c['p50_ms']:>6.1f}/{c['p99_ms']:<7.1f} {w['p50_ms']:>6.1f}/{w['p99_ms']:<7.1f}")  # fmt: skip
    print("\n2. upstream calls per shape (directory/hr/documents)")
    for name, r in results["in_process"]["calls"].items():
        cold, warm = r["cold"], r["warm"]
        print(
            f"{name:10} cold {cold['directory']}/{cold['hr']}/{cold['documents']}   warm {warm['directory']}/{warm['hr']}/{warm['documents']}"
        )
    print("\n3. cold latency with a fixed delay per upstream call (and with none)")
    for name, r in results["in_process"]["cold_latency"].items():
        # No delayed level (list100 on the embedded directory): no ratio to the floor.
        ratio = f"{r['ratio']:.2f} x" if r["ratio"] is not None else "n/a"
        print(
            f"{name:10} {r['seconds'] * 1000:8.1f} ms = {ratio} ({r['delayed_levels']} level x {r['delay'] * 1000:.0f} ms); "
            f"{r['seconds_undelayed'] * 1000:.1f} ms undelayed: {r['delayed_round_trips']:.1f} delayed round trips on the critical path"
        )
    sf = results["in_process"]["single_flight"]
    print(f"\n4. single flight: {sf['concurrent_requests']} identical cold card requests -> calls {sf['calls_concurrent']} "
          f"(one request alone: {sf['calls_one_request']})")  # fmt: skip
    report_safety(results["safety"])
    print("\n5. memory (RSS of one process, MB)")
    for label, r in results["memory"].items():
        print(
            f"{label:16} {r['people']:>6} people cached: {r['rss_mb_cached']:.1f} MB (start {r['rss_mb_start']:.1f} MB)"
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench gateway", description=__doc__)
    parser.add_argument(
        "--duration", type=float, default=5.0, help="seconds of wrk per measurement"
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
    (RESULTS / name).write_text(json.dumps(results, indent=2))
    report(results)
    return 0
