"""A throwaway Prometheus server (Debian's ``prometheus``) scraping one target every second."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from .redis import _free_port


@dataclass
class Prometheus:
    url: str

    async def query(self, query: str) -> list[dict[str, Any]]:
        """An instant query's result vector (``/api/v1/query``)."""
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            response = await client.get("/api/v1/query", params={"query": query})
        response.raise_for_status()
        body = response.json()
        assert body["status"] == "success", body
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    async def query_until(self, query: str, *, within: float) -> list[dict[str, Any]]:
        """The query's result once it is not empty (``[]`` when ``within`` s pass first)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            result = await self.query(query)
            if result:
                return result
            await asyncio.sleep(0.5)
        return []


@contextlib.asynccontextmanager
async def run_prometheus(target: str, workdir: Path) -> AsyncIterator[Prometheus]:
    """Prometheus on a free loopback port, scraping ``target``'s ``/metrics`` every second,
    its storage in ``workdir``; stopped on exit."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = _start(target, workdir, port)
    try:
        await _ready(url, process, within=30)
        yield Prometheus(url)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _start(target: str, workdir: Path, port: int) -> subprocess.Popen[bytes]:
    binary = shutil.which("prometheus")
    if binary is None:
        raise RuntimeError("prometheus is missing: run tests/servers/install-packages.sh")
    split = urlsplit(target)
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "prometheus.yml"
    config.write_text(  # JSON is YAML
        json.dumps(
            {
                "global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
                "scrape_configs": [
                    {
                        "job_name": "townhall",
                        "scheme": split.scheme,
                        "metrics_path": "/metrics",
                        "static_configs": [{"targets": [split.netloc]}],
                    }
                ],
            }
        )
    )
    with (workdir / "prometheus.log").open("wb") as log:
        return subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )


async def _ready(url: str, process: subprocess.Popen[bytes], *, within: float) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=url, timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError("prometheus exited at start: see prometheus.log")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/-/ready")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError("prometheus did not become ready")
