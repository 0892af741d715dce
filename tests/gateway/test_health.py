"""/healthz and /readyz over real upstreams: each source named by kind, a source that
goes away is degraded (stale serving covers it) or down, it comes back, a hanging one
cannot hold the answer, and a storm of probes sends each upstream one request."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from servers import Council, start_test_scim
from servers.redis import RedisServer

from bench.latency_proxy import LatencyProxy
from gateway.app import create_app

from .conftest import Gateway, base_settings, serve

ALL_UP = {"directory": "up", "hr": "up", "documents": "up", "social": "up"}
TIMEOUT, CACHE = 1.0, 0.5


async def readyz(client: httpx.AsyncClient) -> tuple[int, dict[str, Any]]:
    response = await client.get("/readyz")
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    return response.status_code, body


async def until(
    client: httpx.AsyncClient, source: str, state: str, within: float
) -> tuple[int, dict[str, Any], float]:
    """Poll /readyz until ``source`` is in ``state``; the answer and the seconds it took."""
    started = time.monotonic()
    while True:
        code, body = await readyz(client)
        elapsed = time.monotonic() - started
        if body["sources"].get(source) == state or elapsed > within:
            return code, body, elapsed
        await asyncio.sleep(0.05)


def health_logs(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == "townhall.health" and r.levelno == level
    ]


async def test_all_up_is_ready_and_healthz_needs_no_sign_in(demo_gateway: Gateway) -> None:
    async with httpx.AsyncClient(base_url=demo_gateway.url, timeout=30) as anonymous:
        health = await anonymous.get("/healthz")
        code, body = await readyz(anonymous)
        probes = dict(demo_gateway.app_state.readiness.probes)
        again = await readyz(anonymous)  # within server.ready_cache_seconds (5 s): reused
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert code == 200 and body == {"status": "ready", "sources": ALL_UP}
    assert probes == dict.fromkeys(ALL_UP, 1)  # the in-memory cache has nothing to ask
    assert again == (code, body) and demo_gateway.app_state.readiness.probes == probes


async def test_not_ready_until_the_lifespan_has_started_everything(
    council: Council, scim_server: Any, webdav_server: Any, tmp_path: Path
) -> None:
    app = create_app(base_settings(council, scim_server, webdav_server, tmp_path))
    transport = httpx.ASGITransport(app=app)  # serves without running the lifespan
    async with httpx.AsyncClient(transport=transport, base_url="http://townhall") as client:
        health = await client.get("/healthz")
        code, body = await readyz(client)
    assert health.status_code == 200  # the process answers; it just is not ready
    assert code == 503 and body == {"status": "not_ready", "sources": {}, "reason": "starting"}


async def test_a_stopped_hr_system_is_degraded_while_stale_records_cover_it_then_up(
    council: Council, webdav_server: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="townhall.health")
    scim = await start_test_scim(council, tmp_path / "scim")  # ours to stop
    try:
        settings = base_settings(council, scim, webdav_server, tmp_path)
        settings.server.ready_timeout = TIMEOUT
        settings.server.ready_cache_seconds = CACHE
        settings.hr.sync_interval = 0
        async with serve(settings) as gateway, gateway.client() as client:
            code, body = await readyz(client)
            assert code == 200 and body == {"status": "ready", "sources": ALL_UP}

            await asyncio.to_thread(scim.stop)
            code, body, elapsed = await until(client, "hr", "degraded", within=10)
            assert code == 200, body
            assert body == {"status": "ready", "sources": {**ALL_UP, "hr": "degraded"}}
            assert elapsed <= TIMEOUT + CACHE + 0.5, elapsed
            for _ in range(4):  # more checks while it stays down: logged once, not each time
                await asyncio.sleep(CACHE)
                assert (await readyz(client))[1]["sources"]["hr"] == "degraded"
            assert gateway.app_state.readiness.probes["hr"] >= 5
            [warning] = health_logs(caplog, logging.WARNING)
            assert warning.startswith("readiness: hr is degraded (was up)"), warning
            assert scim.url not in warning and str(scim.port) not in warning

            await scim.restart()
            code, body, elapsed = await until(client, "hr", "up", within=10)
            assert code == 200 and body == {"status": "ready", "sources": ALL_UP}
            assert elapsed <= TIMEOUT + CACHE + 0.5, elapsed
            assert health_logs(caplog, logging.INFO) == ["readiness: hr is up again (was degraded)"]
    finally:
        await asyncio.to_thread(scim.stop)


async def test_a_hanging_hr_system_cannot_hold_readyz_and_probes_are_shared(
    council: Council, scim_server: Any, webdav_server: Any, tmp_path: Path
) -> None:
    target = urlsplit(scim_server.url)
    async with LatencyProxy(target.hostname or "127.0.0.1", target.port or 80, 120.0) as proxy:
        settings = base_settings(council, scim_server, webdav_server, tmp_path)
        settings.hr.url = f"http://127.0.0.1:{proxy.port}{target.path}"
        settings.hr.sync_interval = 0  # only the readiness probes reach the proxy
        settings.server.ready_timeout = TIMEOUT
        settings.server.ready_cache_seconds = CACHE
        async with serve(settings) as gateway, gateway.client() as client:
            started = time.monotonic()
            response = await client.get("/readyz")
            elapsed = time.monotonic() - started
            # HR was never up here: no stale records cover it, so the instance is not ready.
            assert response.status_code == 503
            assert response.json() == {
                "status": "not_ready",
                "sources": {**ALL_UP, "hr": "down"},
            }
            assert elapsed < TIMEOUT + 1.5, elapsed
            assert str(proxy.port) not in response.text and "127.0.0.1" not in response.text

            await asyncio.sleep(CACHE + 0.1)  # the cached result has expired
            readiness = gateway.app_state.readiness
            probes, connections = dict(readiness.probes), proxy.connections
            started = time.monotonic()
            answers = await asyncio.gather(*(client.get("/readyz") for _ in range(20)))
            elapsed = time.monotonic() - started
            assert {a.status_code for a in answers} == {503}
            assert elapsed < TIMEOUT + 2.0, elapsed  # one shared check, not twenty in a row
            assert {k: v - probes[k] for k, v in readiness.probes.items()} == {
                source: 1 for source in ALL_UP
            }
            assert proxy.connections - connections == 1  # the HR system saw one request


async def test_the_shared_cache_is_checked_and_nothing_covers_it(
    council: Council, scim_server: Any, webdav_server: Any, tmp_path: Path
) -> None:
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    try:
        settings = base_settings(council, scim_server, webdav_server, tmp_path)
        settings.cache.backend = "redis"
        settings.cache.redis_url = redis.url
        settings.server.ready_timeout = TIMEOUT
        settings.server.ready_cache_seconds = CACHE
        async with serve(settings) as gateway, gateway.client() as client:
            code, body = await readyz(client)
            assert code == 200 and body["sources"] == {**ALL_UP, "cache": "up"}
            redis.stop()
            code, body, _ = await until(client, "cache", "down", within=10)
            assert code == 503 and body == {
                "status": "not_ready",
                "sources": {**ALL_UP, "cache": "down"},
            }
    finally:
        redis.stop()
