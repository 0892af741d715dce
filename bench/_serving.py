"""What the gateway benchmark's steps share: the query shapes, the settings of a benchmark
gateway, serving it (or the ceiling) under uvicorn, and measuring it with ``wrk``."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from schema.ids import global_id

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "council"
RESULTS = ROOT / "bench" / "results"
TOKEN = "bench-token"
DAV = ("townhall", "bench-dav-password")
VIEWER = "helen.carter"

CARD = """query Card($id: ID!) { person(id: $id) { displayName title manager { displayName }
  directReports { displayName } employment { grade } followerCount
  activity(first: 5) { nodes { verb summary } } } }"""
FLOOR = "{ __typename }"  # Townhall's own cost: sign-in, context, limits, no resolver
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
        # One viewer sends thousands of requests a minute here: budgets are still spent on
        # every request (their cost is measured), never exhausted.
        "limits": {"budget_per_minute": 10**12},
        "server": {"port": port, "public_url": f"http://127.0.0.1:{port}"},
    }  # fmt: skip


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
    url: str,
    body: dict[str, Any],
    duration: float,
    connections: int,
    workdir: Path,
    viewer: str = VIEWER,
) -> dict[str, float]:
    """req/s and p50/p99 ms of ``body`` POSTed by ``viewer`` for ``duration`` seconds."""
    script = workdir / "post.lua"
    payload = json.dumps(body).replace("\\", "\\\\").replace('"', '\\"')
    script.write_text(
        'wrk.method = "POST"\n'
        f'wrk.body = "{payload}"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["X-Townhall-User"] = "{viewer}"\n'
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


_FLOOR_BODY = b'{"data":{"__typename":"Query"}}'
_FLOOR_HEADERS = [
    (b"content-length", b"%d" % len(_FLOOR_BODY)),
    (b"content-type", b"application/json"),
]


async def server_floor_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The server's floor: a bare ASGI app answering every request with a constant body,
    its request body read (what uvicorn and httptools cost per request, nothing else)."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    more = scope["method"] == "POST"
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": _FLOOR_HEADERS})
    await send({"type": "http.response.body", "body": _FLOOR_BODY})
