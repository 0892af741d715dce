"""Response cache benchmark: a repeated registered operation against the ceiling.

    python -m bench response_cache [--duration 3] [--connections 16] [--rounds 3]

In one run, with ``wrk`` (a separate process), against real upstreams started here
(scim2-server, wsgidav, the embedded directory):

- the ceiling: the bare Strawberry app (bench/ceiling_app.py) serving the card shape;
- Townhall with the response cache on, answering the same card operation registered
  ahead (a manifest in ``limits.trusted_sources``), sent as text as the ceiling gets it;
- Townhall answering the person-card widget's own operation (``PersonCard``, sent by
  hash alone as the widget sends it) for the same person;
- the server's floor: a bare ASGI app (``bench._serving.server_floor_app``) under the same
  uvicorn settings answering every request with a constant body, its body read: what
  uvicorn and httptools cost a request on this machine, so the most any answer can reach
  (``server_floor.over_ceiling_card``; a goal above it is out of reach here).

Each is measured ``rounds`` times, interleaved, best round kept; the result is each
Townhall shape's req/s over the ceiling card's (goal >= 5) and over the server's floor. The viewer is a member of
staff outside the subject's management chain: a manager's read of restricted HR fields
is written to the audit trail on every request, so such answers are never cached.

``measure(args, workdir)`` is what ``bench gateway`` calls; ``main`` runs it alone and
writes bench/results/response_cache.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import httpx

from bench.gateway import (
    DAV,
    EMBEDDED,
    FIXTURES,
    RESULTS,
    TOKEN,
    index_ready,
    settings_for,
    shapes,
    uvicorn_process,
    wait_http,
    wrk,
)
from gateway.trusted import TrustedDocuments, document_hash
from gateway.widgets import WIDGET_OPERATIONS
from townhall_demo.upstreams import WebDavUser, free_port, start_scim_server, start_webdav_server

# Staff, not in the subject's (alex.morgan's) line-management chain, no HR role.
VIEWER = "aaron.wilkinson"
GOAL = 5.0


def wrk_rps(
    url: str, body: dict[str, Any], duration: float, connections: int, workdir: Path
) -> float:
    return wrk(url, body, duration, connections, workdir, viewer=VIEWER)["rps"]


def bodies() -> dict[str, dict[str, Any]]:
    card = shapes()["card"]
    [widget] = [
        op
        for op in TrustedDocuments.load(WIDGET_OPERATIONS, typed_client=False).operations()
        if op.name == "PersonCard"
    ]
    return {
        "card": card,
        "widget_card": {
            "variables": card["variables"],
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": widget.sha256}},
        },
    }


async def measure(
    args: argparse.Namespace, workdir: Path, up: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``{shape: {"rps", "ceiling_rps", "over_ceiling", "goal", "hits"}}`` measured in one
    run; ``up`` holds the upstreams' URLs (``scim``, ``dav``, ``directory``), started here
    when not given."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    if up is None:
        scim, dav = await _upstreams(workdir)
        try:
            return await measure(
                args, workdir, {"scim": scim.url, "dav": dav.url, "directory": EMBEDDED}
            )
        finally:
            scim.stop()
            dav.stop()
    card = shapes()["card"]
    manifest = workdir / "response-cache-operations.json"
    manifest.write_text(json.dumps({document_hash(card["query"]): card["query"]}))
    ceiling_port, townhall_port, floor_port = free_port(), free_port(), free_port()
    settings = settings_for(up["scim"], up["dav"], workdir, townhall_port, up["directory"])
    settings["cache"].update({"warm_directory": "startup", "responses": True})
    settings["limits"] = {"trusted_sources": [str(manifest)]}
    settings["social"]["database_url"] = f"sqlite+aiosqlite:///{workdir / 'responses.db'}"
    settings["auth"]["dev_default_user"] = VIEWER
    settings_file = workdir / "settings-responses.json"
    settings_file.write_text(json.dumps(settings))
    ceiling = uvicorn_process(
        "bench.ceiling_app:app", ceiling_port, {"TOWNHALL_BENCH_FIXTURES": str(FIXTURES)}
    )
    townhall = uvicorn_process("gateway.asgi:build", townhall_port,
                               {"TOWNHALL_SETTINGS_FILE": str(settings_file)}, factory=True)  # fmt: skip
    floor = uvicorn_process("bench._serving:server_floor_app", floor_port, {})
    ceiling_url = f"http://127.0.0.1:{ceiling_port}/graphql"
    townhall_url = f"http://127.0.0.1:{townhall_port}/graphql"
    floor_url = f"http://127.0.0.1:{floor_port}/graphql"
    rps: dict[str, list[float]] = {"ceiling": [], "floor": [], **{name: [] for name in bodies()}}
    try:
        await wait_http(ceiling_url)
        await wait_http(floor_url)
        await wait_http(f"http://127.0.0.1:{townhall_port}/healthz")
        await index_ready(townhall_port)  # start-up indexing must not share the measurement
        async with httpx.AsyncClient(timeout=60, headers={"X-Townhall-User": VIEWER}) as client:
            for name, body in bodies().items():  # fill the cache, check the answers
                for _ in range(2):
                    answer = (await client.post(townhall_url, json=body)).json()
                    if answer.get("errors") or not answer.get("data"):
                        raise RuntimeError(f"{name}: {str(answer)[:500]}")
            before = await _hits(client, townhall_port)
            for body in bodies().values():
                await client.post(townhall_url, json=body)
            if await _hits(client, townhall_port) - before != len(bodies()):
                raise RuntimeError("the repeated operations were not answered from the cache")
            answer = (await client.post(ceiling_url, json=card)).json()
            if answer.get("errors") or not answer.get("data"):
                raise RuntimeError(f"ceiling: {str(answer)[:500]}")
        for _ in range(
            getattr(args, "rounds", 3)
        ):  # interleaved: ceiling, then each Townhall shape
            rps["ceiling"].append(
                wrk_rps(ceiling_url, card, args.duration, args.connections, workdir)
            )
            rps["floor"].append(wrk_rps(floor_url, card, args.duration, args.connections, workdir))
            for name, body in bodies().items():
                rps[name].append(
                    wrk_rps(townhall_url, body, args.duration, args.connections, workdir)
                )
        async with httpx.AsyncClient(timeout=60) as client:
            hits = await _hits(client, townhall_port)
    finally:
        for process in (ceiling, townhall, floor):
            process.terminate()
            process.wait(10)
    best_ceiling = max(rps["ceiling"])
    results: dict[str, Any] = {
        name: {
            "rps": round(max(values), 1),
            "ceiling_rps": round(best_ceiling, 1),
            "over_ceiling": round(max(values) / best_ceiling, 2),
            "over_server_floor": round(max(values) / max(rps["floor"]), 2),
            "goal": GOAL,
            "rounds": {"townhall": values, "ceiling": rps["ceiling"]},
            "hits": hits,
        }
        for name, values in rps.items()
        if name not in ("ceiling", "floor")
    }
    results["server_floor"] = {
        "rps": round(max(rps["floor"]), 1),
        "ceiling_rps": round(best_ceiling, 1),
        "over_ceiling_card": round(max(rps["floor"]) / best_ceiling, 2),
        "rounds": rps["floor"],
        "what": "a bare ASGI app, constant body, same uvicorn settings: the most any answer "
        "can reach on this machine",
    }
    return results


async def _hits(client: httpx.AsyncClient, port: int) -> int:
    text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
    found = re.search(
        r'^townhall_response_cache_lookups_total\{result="hit"\} ([\d.e+]+)$', text, re.M
    )
    return int(float(found.group(1))) if found else 0


async def _upstreams(workdir: Path) -> tuple[Any, Any]:
    users = json.loads((FIXTURES / "hr" / "users.json").read_text())
    props = json.loads((FIXTURES / "documents.json").read_text())
    scim = await start_scim_server(
        token=TOKEN, schemas_dir=FIXTURES / "hr", users=users, workdir=workdir / "scim"
    )
    dav = await start_webdav_server(root=FIXTURES / "documents", props=props,
                                    users={DAV[0]: WebDavUser(DAV[1])}, workdir=workdir / "dav")  # fmt: skip
    return scim, dav


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench response_cache", description=__doc__)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds of wrk per run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (best kept)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="townhall-bench-") as tmp:
        results = asyncio.run(measure(args, Path(tmp)))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "response_cache.json").write_text(json.dumps(results, indent=2))
    print("response cache: a repeated registered operation vs the ceiling's card (req/s, wrk)")
    floor = results.pop("server_floor")
    for name, r in results.items():
        verdict = "meets" if r["over_ceiling"] >= r["goal"] else "misses"
        print(f"{name:12} {r['rps']:>9.0f} vs ceiling {r['ceiling_rps']:>7.0f}: "
              f"{r['over_ceiling']:.2f} x (goal >= {r['goal']:g}: {verdict}); "
              f"{r['over_server_floor']:.2f} x the server's floor")  # fmt: skip
    print(f"{'server floor':12} {floor['rps']:>9.0f} vs ceiling {floor['ceiling_rps']:>7.0f}: "
          f"{floor['over_ceiling_card']:.2f} x (a bare ASGI app: the most any answer reaches)")  # fmt: skip
    return 0
