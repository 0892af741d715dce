"""HR lookups: 100 people's HR fields, batched vs one request per person.

    python -m bench hr [--people 100] [--rounds 3] [--batch-size 50] [--latency 0.02]

Starts a real scim2-server on loopback seeded with the sample council, then, in
one run and interleaved round by round, fetches the same people's HR records
with the HR connector three ways:

* batched: what a DataLoader batch does — one ``or`` filter per ``--batch-size`` keys;
* one request per person, concurrently (a resolver per person, no DataLoader);
* one request per person, one after another.

Each way runs twice per round: straight to the server on loopback, and through
a proxy adding ``--latency`` seconds to every request (bench/latency_proxy.py),
as a round trip to an HR system elsewhere on the network costs. Prints HTTP
requests and median wall time of each, and their ratio to the batched way, and
writes bench/results/hr.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.latency_proxy import LatencyProxy
from connectors.hr import BearerToken, HRConnector, HRRecord
from townhall_demo.upstreams import start_scim_server

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "council"
RESULTS = ROOT / "bench" / "results"
TOKEN = "bench-token"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

Way = Callable[[HRConnector, list[str]], Awaitable[list[HRRecord | None]]]


async def batched(hr: HRConnector, keys: list[str]) -> list[HRRecord | None]:
    return await hr.records_by("employee_number", keys)


async def per_person_concurrent(hr: HRConnector, keys: list[str]) -> list[HRRecord | None]:
    found = await asyncio.gather(*(hr.records_by("employee_number", [k]) for k in keys))
    return [one for [one] in found]


async def per_person_sequential(hr: HRConnector, keys: list[str]) -> list[HRRecord | None]:
    return [(await hr.records_by("employee_number", [k]))[0] for k in keys]


WAYS: dict[str, Way] = {
    "batched": batched,
    "one per person, concurrent": per_person_concurrent,
    "one per person, sequential": per_person_sequential,
}


async def run(people: int, rounds: int, batch_size: int, latency: float) -> dict[str, Any]:
    users = json.loads((FIXTURES / "hr" / "users.json").read_text())
    keys = [u[ENTERPRISE]["employeeNumber"] for u in users][:people]
    networks = {"loopback": 0.0, f"+{latency * 1000:.0f} ms per request": latency}
    timings: dict[tuple[str, str], list[float]] = {}
    requests: dict[tuple[str, str], int] = {}
    with tempfile.TemporaryDirectory(prefix="bench-hr-") as workdir:
        server = await start_scim_server(
            token=TOKEN, schemas_dir=FIXTURES / "hr", users=users, workdir=Path(workdir)
        )
        proxy = await LatencyProxy("127.0.0.1", server.port, latency).start()
        try:
            clients = {
                network: httpx.AsyncClient(
                    base_url=f"http://127.0.0.1:{proxy.port if delay else server.port}/v2/",
                    auth=BearerToken(TOKEN),
                    timeout=120,
                    limits=httpx.Limits(max_connections=20),
                )
                for network, delay in networks.items()
            }
            connectors = {n: HRConnector(c, batch_size=batch_size) for n, c in clients.items()}
            expected = await batched(connectors["loopback"], keys)  # warm-up; the one answer
            if any(r is None for r in expected):
                raise SystemExit("some benchmark people have no HR record")
            for _ in range(rounds):
                for network, hr in connectors.items():  # interleaved: drift hits all alike
                    for name, way in WAYS.items():
                        before = hr.calls
                        started = time.perf_counter()
                        found = await way(hr, keys)
                        timings.setdefault((network, name), []).append(
                            time.perf_counter() - started
                        )
                        requests[(network, name)] = hr.calls - before
                        if found != expected:
                            raise SystemExit(f"{name} ({network}) returned different records")
            for client in clients.values():
                await client.aclose()
        finally:
            await proxy.stop()
            server.stop()
    results: dict[str, Any] = {}
    for network in networks:
        base = statistics.median(timings[(network, "batched")])
        results[network] = {
            name: {
                "http_requests": requests[(network, name)],
                "median_seconds": statistics.median(timings[(network, name)]),
                "min_seconds": min(timings[(network, name)]),
                "max_seconds": max(timings[(network, name)]),
                "time_ratio_to_batched": statistics.median(timings[(network, name)]) / base,
                "request_ratio_to_batched": requests[(network, name)]
                / requests[(network, "batched")],
            }
            for name in WAYS
        }
    return {
        "benchmark": "hr",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "people": people,
        "rounds": rounds,
        "batch_size": batch_size,
        "latency_seconds": latency,
        "networks": results,
    }


def report(result: dict[str, Any]) -> str:
    lines = [
        f"HR lookups of {result['people']} people against scim2-server "
        f"(batch size {result['batch_size']}, median of {result['rounds']} interleaved rounds)",
    ]
    for network, ways in result["networks"].items():
        lines += [
            "",
            f"{network:<28} {'requests':>8} {'median ms':>10} {'x requests':>10} {'x time':>8}",
        ]
        for name, way in ways.items():
            lines.append(
                f"  {name:<26} {way['http_requests']:>8} {way['median_seconds'] * 1000:>10.0f} "
                f"{way['request_ratio_to_batched']:>10.0f} {way['time_ratio_to_batched']:>8.2f}"
            )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench hr", description=__doc__)
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per request")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.people, args.rounds, args.batch_size, args.latency))
    print(report(result))
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "hr.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwritten to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
