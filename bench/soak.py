"""Soak benchmark: one gateway process under a steady realistic mix for minutes.

    python -m bench soak [--minutes 10] [--rate-share 0.7] [--max-seconds 20] [--interval 10]

Against the sample council's real upstreams (scim2-server, wsgidav; the embedded directory),
as ``bench gateway`` starts them, and ONE gateway process (uvicorn, uvloop, httptools, one
worker):

1. warm: every person's card once, every search once (so the soak measures a steady state,
   not the cache filling up);
2. maximum: ``wrk`` (a separate process, 1 thread, ``--connections``) sends the mix for
   ``--max-seconds``; its req/s is the maximum;
3. soak: ``--rate-share`` of that maximum for ``--minutes`` (1 to 10), sent OPEN LOOP at a
   fixed rate by this process (uvloop; 64 keep-alive HTTP/1.1 connections written on asyncio
   streams, as httpx's own CPU cost would have set the pace): a request is due every 1/rate
   seconds, whether or not earlier ones have answered, and its latency is counted from when
   it was due, so a stall in the gateway shows in p99 instead of slowing the sender down (no
   coordinated omission). Every ``--interval`` seconds: the gateway's RSS and CPU share, the
   machine's load average, p50/p99 latency of the requests due in that interval, requests
   and errors, the rate achieved, and how late the sender was (its own accuracy).

The mix, every request as a different signed-in person of the sample council's 2,002
(viewers rotate, as a council's staff would): 50% person card (the registered
``PersonCard``), 25% people search (``FindPeople``, by surname), 23% home feed
(``HomeFeed``), 2% a comment on someone's profile (``AddComment``). An error is a non-200
status, a GraphQL error, missing data, a comment refused, or no answer within 10 s.

Prints a table and the verdict against the goals (RSS growth <= 10% from the first sample to
the last, p99 steady: the median p99 of the last third of intervals within 1.5x of the first
third's, 0 errors), and writes bench/results/soak.json. A benchmark, not a CI test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench._open_loop import TIMEOUT, failure_of, rss_mb, soak
from bench.gateway import (
    DAV,
    FIXTURES,
    RESULTS,
    TOKEN,
    WebDavUser,
    free_port,
    index_ready,
    settings_for,
    start_scim_server,
    start_webdav_server,
    uvicorn_process,
    wait_http,
)
from schema.ids import global_id

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "client" / "queries"
MIX = (("card", 50), ("search", 25), ("feed", 23), ("comment", 2))
GOAL_RSS_GROWTH = 0.10
GOAL_P99_DRIFT = 1.5


def operation(file: str, name: str) -> str:
    """One registered operation's text, as the typed client sends it (so it is trusted)."""
    text = (QUERIES / file).read_text()
    start = re.search(rf"^(query|mutation) {name}\b", text, re.M)
    if start is None:
        raise SystemExit(f"{name} is not in client/queries/{file}")
    end = re.search(r"^(query|mutation) ", text[start.end() :], re.M)
    return text[start.start() : start.end() + end.start() if end else len(text)].strip()


class Mix:
    """Builds the mix's requests: (kind, viewer, body)."""

    def __init__(self, seed: int = 7) -> None:
        people = json.loads((FIXTURES / "people.json").read_text())
        self.people = [p for p in people if p["hasAd"] and p["enabled"]]
        self.surnames = sorted({p["displayName"].split()[-1] for p in self.people})
        self.random = random.Random(seed)
        self.ops = {
            "card": operation("people.graphql", "PersonCard"),
            "search": operation("people.graphql", "FindPeople"),
            "feed": operation("documents.graphql", "HomeFeed"),
            "comment": operation("social.graphql", "AddComment"),
        }
        self.kinds = [kind for kind, share in MIX for _ in range(share)]
        self.written = 0

    def body(self, kind: str, subject: dict[str, Any] | None = None) -> dict[str, Any]:
        subject = subject or self.random.choice(self.people)
        person_id = global_id("Person", subject["guid"])
        variables: dict[str, Any]
        if kind == "card":
            variables = {"id": person_id}
        elif kind == "search":
            variables = {"search": self.random.choice(self.surnames), "first": 20}
        elif kind == "feed":
            variables = {"first": 20}
        else:
            self.written += 1
            variables = {"input": {"targetId": person_id, "body": f"Soak note {self.written}"}}
        return {"query": self.ops[kind], "variables": variables}

    def next(self) -> tuple[str, str, dict[str, Any]]:
        kind = self.random.choice(self.kinds)
        viewer = self.random.choice(self.people)["sAMAccountName"]
        return kind, viewer, self.body(kind)


def failure(kind: str, response: httpx.Response) -> str | None:
    """Why an answer counts as an error, or None."""
    return failure_of(kind, response.status_code, response.content)


# -- warm-up and the maximum (wrk) -------------------------------------------------------


async def warm(port: int, mix: Mix) -> None:
    """Every person's card and every search once, 16 at a time, each checked."""
    url = f"http://127.0.0.1:{port}/graphql"
    bodies = [("card", mix.body("card", p)) for p in mix.people]
    search = operation("people.graphql", "FindPeople")
    bodies += [("search", {"query": search, "variables": {"search": s}}) for s in mix.surnames]
    bodies += [("feed", mix.body("feed")), ("comment", mix.body("comment"))]
    gate = asyncio.Semaphore(16)
    async with httpx.AsyncClient(timeout=120) as client:

        async def one(kind: str, body: dict[str, Any]) -> None:
            async with gate:
                viewer = mix.random.choice(mix.people)["sAMAccountName"]
                answer = await client.post(url, json=body, headers={"X-Townhall-User": viewer})
                if (why := failure(kind, answer)) is not None:
                    raise RuntimeError(f"warm-up {kind}: {why}: {answer.text[:300]}")

        await asyncio.gather(*(one(kind, body) for kind, body in bodies))


def wrk_mix(
    port: int, mix: Mix, seconds: float, connections: int, workdir: Path, only: str | None = None
) -> dict[str, Any]:
    """wrk over a table of 6,000 mixed requests (each its own viewer), cycled in order; with
    ``only``, requests of that kind alone."""
    script = workdir / "mix.lua"
    # wrk's LuaJIT has no JSON: the table is written as Lua long strings instead.
    rows = []
    for _ in range(6000):
        _, viewer, body = mix.next()
        if only is not None:
            body = mix.body(only)
        rows.append(f'{{"{viewer}", [==[{json.dumps(body)}]==]}}')
    script.write_text(
        "local rows = {\n" + ",\n".join(rows) + "\n}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #rows + 1\n"
        "  local headers = {}\n"
        '  headers["Content-Type"] = "application/json"\n'
        '  headers["X-Townhall-User"] = rows[i][1]\n'
        '  return wrk.format("POST", "/graphql", headers, rows[i][2])\n'
        "end\n"
    )
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
               "--timeout", f"{TIMEOUT:g}s",
               "-s", str(script), f"http://127.0.0.1:{port}/graphql"]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors:.*", out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def latency(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not match:
            return float("nan")
        return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]

    return {
        "rps": rps,
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": socket_errors.group(0) if socket_errors else None,
        "connections": connections,
        "seconds": seconds,
    }


# -- verdict, report, main ---------------------------------------------------------------


def verdict(samples: list[dict[str, Any]]) -> dict[str, Any]:
    first, last = samples[0]["rss_mb"], samples[-1]["rss_mb"]
    third = max(1, len(samples) // 3)
    early = statistics.median(s["p99_ms"] for s in samples[:third])
    late = statistics.median(s["p99_ms"] for s in samples[-third:])
    errors = sum(sum(s["errors"].values()) for s in samples)
    growth = (last - first) / first
    return {
        "rss_first_mb": first,
        "rss_last_mb": last,
        "rss_max_mb": max(s["rss_mb"] for s in samples),
        "rss_growth": round(growth, 4),
        "rss_ok": growth <= GOAL_RSS_GROWTH,
        "p99_first_third_ms": early,
        "p99_last_third_ms": late,
        "p99_worst_interval_ms": max(s["p99_ms"] for s in samples),
        "p99_ok": late <= GOAL_P99_DRIFT * early,
        "errors": errors,
        "errors_ok": errors == 0,
        "sent": sum(s["sent"] for s in samples),
        "answered": sum(s["answered"] for s in samples),
        "sender_lag_p99_worst_ms": max(s["sender_lag_p99_ms"] for s in samples),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk (make bench-tools installs it)")
    with tempfile.TemporaryDirectory(prefix="townhall-soak-") as tmp:
        workdir = Path(tmp)
        users = json.loads((FIXTURES / "hr" / "users.json").read_text())
        props = json.loads((FIXTURES / "documents.json").read_text())
        scim = await start_scim_server(
            token=TOKEN, schemas_dir=FIXTURES / "hr", users=users, workdir=workdir / "scim"
        )
        dav = await start_webdav_server(root=FIXTURES / "documents", props=props,
                                        users={DAV[0]: WebDavUser(DAV[1])}, workdir=workdir / "dav")  # fmt: skip
        port = free_port()
        embedded = {"mode": "embedded", "ldif_file": str(FIXTURES / "directory.ldif"),
                    "sync_interval": 0}  # fmt: skip
        settings = settings_for(scim.url, dav.url, workdir, port, embedded)
        settings["cache"]["warm_directory"] = "startup"
        (workdir / "settings.json").write_text(json.dumps(settings))
        gateway = uvicorn_process("gateway.asgi:build", port,
                                  {"TOWNHALL_SETTINGS_FILE": str(workdir / "settings.json")},
                                  factory=True)  # fmt: skip
        try:
            await wait_http(f"http://127.0.0.1:{port}/healthz")
            await index_ready(port)
            mix = Mix()
            started = time.monotonic()
            await warm(port, mix)
            print(f"1. warm-up: {len(mix.people)} cards and {len(mix.surnames)} searches "
                  f"in {time.monotonic() - started:.0f} s; RSS {rss_mb(gateway.pid):.1f} MB")  # fmt: skip
            kinds = {}
            for kind, _ in MIX if args.per_kind_seconds else ():
                kinds[kind] = wrk_mix(
                    port, mix, args.per_kind_seconds, args.connections, workdir, only=kind
                )
                print(f"   {kind:8} alone: {kinds[kind]['rps']:7.1f} req/s, "
                      f"p50 {kinds[kind]['p50_ms']:.1f} ms, p99 {kinds[kind]['p99_ms']:.1f} ms")  # fmt: skip
            maximum = wrk_mix(port, mix, args.max_seconds, args.connections, workdir)
            if maximum["non_2xx"] or maximum["socket_errors"]:
                raise RuntimeError(f"errors while measuring the maximum: {maximum}")
            print(f"2. maximum: {maximum['rps']:.0f} req/s (wrk, {args.connections} connections, "
                  f"{args.max_seconds:g} s)")  # fmt: skip
            rate = args.rate_share * maximum["rps"]
            print(f"3. soak at {args.rate_share:.0%} of it, open loop, sampled every "
                  f"{args.interval:g} s")  # fmt: skip
            samples = await soak(port, gateway.pid, mix, rate, args.minutes, args.interval)
            alive = gateway.poll() is None
        finally:
            gateway.terminate()
            gateway.wait(10)
            scim.stop()
            dav.stop()
    return {
        "machine": {"cpus": os.cpu_count()},
        "mix": dict(MIX),
        "maximum": maximum,
        "per_kind": kinds,
        "rate_share": args.rate_share,
        "target_rate": round(rate, 1),
        "minutes": args.minutes,
        "interval_s": args.interval,
        "samples": samples,
        "gateway_alive_at_end": alive,
        "verdict": verdict(samples),
    }


def report(results: dict[str, Any]) -> None:
    v = results["verdict"]
    samples = results["samples"]
    cpu = statistics.median(s["gateway_cpu_share"] for s in samples)
    rate = statistics.median(s["rate"] for s in samples)
    print(f"\nsoak: {results['minutes']:g} min at {results['target_rate']:.0f} req/s "
          f"({results['rate_share']:.0%} of {results['maximum']['rps']:.0f}); achieved "
          f"{rate:.0f} req/s median; gateway CPU {cpu:.2f} of a core "
          f"({cpu / rate * 1e6:.0f} us per request); sender late by at most "
          f"{v['sender_lag_p99_worst_ms']:.1f} ms (p99 of an interval)")  # fmt: skip
    print(f"\n{'t s':>5} {'RSS MB':>7} {'req/s':>6} {'p50 ms':>7} {'p99 ms':>8} {'max ms':>8} "
          f"{'cpu':>5} {'load':>5} {'errors':>6}")  # fmt: skip
    for s in samples:
        print(f"{s['t_s']:>5} {s['rss_mb']:>7.1f} {s['rate']:>6.1f} {s['p50_ms']:>7.1f} "
              f"{s['p99_ms']:>8.1f} {s['max_ms']:>8.1f} {s['gateway_cpu_share']:>5.2f} "
              f"{s['load_average_1m']:>5.2f} {sum(s['errors'].values()):>6}")  # fmt: skip
    print(f"\n{'goal':32} {'measured':>42}   verdict")
    rss = (f"{v['rss_first_mb']:.1f} -> {v['rss_last_mb']:.1f} MB ({v['rss_growth']:+.1%}, "
           f"max {v['rss_max_mb']:.1f})")  # fmt: skip
    p99 = (f"{v['p99_first_third_ms']:.1f} -> {v['p99_last_third_ms']:.1f} ms "
           f"(worst {v['p99_worst_interval_ms']:.1f})")  # fmt: skip
    rows = [
        ("RSS growth <= 10%", rss, v["rss_ok"]),
        ("p99 steady (last/first <= 1.5)", p99, v["p99_ok"]),
        ("0 errors", f"{v['errors']} of {v['answered']} answered", v["errors_ok"]),
    ]
    for goal, measured, ok in rows:
        print(f"{goal:32} {measured:>42}   {'pass' if ok else 'FAIL'}")
    for s in samples:
        for what, n in s["errors"].items():
            print(f"   at {s['t_s']} s: {n} x {what}")
    if not results["gateway_alive_at_end"]:
        print("the gateway process had exited by the end")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--minutes", type=float, default=10.0, help="soak length, 1 to 10")
    parser.add_argument("--rate-share", type=float, default=0.7, help="share of the maximum")
    parser.add_argument("--max-seconds", type=float, default=20.0, help="wrk run for the maximum")
    parser.add_argument("--per-kind-seconds", type=float, default=5.0,
                        help="wrk run per request kind alone before the mix (0: none)")  # fmt: skip
    parser.add_argument("--interval", type=float, default=10.0, help="seconds per sample")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    args = parser.parse_args(argv)
    if not 1 <= args.minutes <= 10:
        parser.error("--minutes must be between 1 and 10")
    if not 0 < args.rate_share <= 1:
        parser.error("--rate-share must be above 0 and at most 1")
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    results = asyncio.run(run(args))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "soak.json").write_text(json.dumps(results, indent=2))
    report(results)
    v = results["verdict"]
    ok = v["rss_ok"] and v["p99_ok"] and v["errors_ok"] and results["gateway_alive_at_end"]
    return 0 if ok else 1
