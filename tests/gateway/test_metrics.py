"""Prometheus metrics at /metrics: requests, refusals, upstream calls and the cache, read
through a real gateway, and scraped by a real Prometheus server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from servers import Council
from servers.prometheus import Prometheus, run_prometheus
from servers.redis import _free_port as free_port

from gateway.metrics import MULTIPROC_ENV, operation_label
from gateway.trusted import TrustedDocuments
from townhall_demo.upstreams import ScimServer, WebDavServer

from .conftest import Gateway, base_settings, serve

BOMB = (
    "{ people(first:100){edges{node{manager{directReports{employment{grade} "
    "colleagues{employment{workingPattern}}}}}}} }"
)
Labels = tuple[tuple[str, str], ...]


async def scrape(gateway: Gateway) -> dict[tuple[str, Labels], float]:
    """Every sample /metrics shows, by name and labels (no sign-in sent)."""
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def sample(samples: dict[tuple[str, Labels], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def registered(name: str) -> str:
    """The typed client's document for the operation ``name``, as the client sends it."""
    return next(op.document for op in TrustedDocuments.load().operations() if op.name == name)


async def test_requests_refusals_and_upstream_calls_are_counted(demo_gateway: Gateway) -> None:
    before = await scrape(demo_gateway)
    async with demo_gateway.client("alex.morgan") as client:
        ok = await client.post("/graphql", json={"query": registered("Me")})
        own = await client.post("/graphql", json={"query": "query MyOwnName { __typename }"})
        costly = await client.post("/graphql", json={"query": BOMB})
    async with demo_gateway.client() as client:
        unsigned = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"Authorization": "Bearer x"}
        )
    assert ok.status_code == 200 and "errors" not in ok.json()
    assert own.status_code == 200
    assert costly.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert unsigned.status_code == 401
    assert unsigned.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    after = await scrape(demo_gateway)

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    requests = "townhall_requests_total"
    assert grew(requests, operation="Me", status="200", outcome="ok") == 1
    # A name the registry does not hold is not a label: clients cannot mint series.
    assert grew(requests, operation="other", status="200", outcome="ok") == 1
    assert not [k for k in after if ("operation", "MyOwnName") in k[1]]
    assert grew(requests, operation="anonymous", status="200", outcome="QUERY_TOO_COSTLY") == 1
    assert grew(requests, operation="anonymous", status="401", outcome="UNAUTHENTICATED") == 1
    assert grew("townhall_refused_total", reason="QUERY_TOO_COSTLY") == 1
    assert grew("townhall_refused_total", reason="UNAUTHENTICATED") == 1
    assert grew("townhall_refused_total", reason="ok") == 0
    assert grew("townhall_request_seconds_count", operation="Me") == 1
    assert grew("townhall_request_seconds_bucket", operation="Me", le="+Inf") == 1


async def test_upstream_calls_and_cache_results_are_counted(demo_gateway: Gateway) -> None:
    await demo_gateway.clear_cache()
    before = await scrape(demo_gateway)
    calls_before = demo_gateway.calls()["directory"]
    # Text sent ad hoc: never answered from the response cache, so the second request reads
    # the record cache.
    query = {"query": "{ me { displayName manager { displayName } } }"}
    async with demo_gateway.client("priya.shah") as client:
        first = await client.post("/graphql", json=query)
        second = await client.post("/graphql", json=query)
    assert first.status_code == second.status_code == 200
    after = await scrape(demo_gateway)

    def grew_all(name: str, **labels: str) -> dict[str, float]:
        """How much each series of ``name`` with ``labels`` grew, by its other labels."""
        wanted = set(labels.items())
        return {
            str(dict(k)): v - before.get((n, k), 0.0)
            for (n, k), v in after.items()
            if n == name and wanted <= set(k) and v > before.get((n, k), 0.0)
        }

    calls = grew_all("townhall_upstream_calls_total", source="directory")
    assert sum(calls.values()) >= 1, calls
    # Every directory call counted was one the connector made.
    assert sum(calls.values()) <= demo_gateway.calls()["directory"] - calls_before
    timed = grew_all("townhall_upstream_seconds_count", source="directory")
    assert timed.keys() == calls.keys()
    # The first ask missed the emptied cache; the second found what the first stored.
    assert grew_all("townhall_cache_lookups_total", result="miss")
    assert grew_all("townhall_cache_lookups_total", result="hit")
    assert not grew_all("townhall_cache_lookups_total", result="stale")
    assert grew_all("townhall_loader_batch_size_count")
    assert sample(after, "townhall_circuit_state", source="hr") == 0  # closed


async def test_a_change_feed_round_is_timestamped(demo_gateway: Gateway) -> None:
    sync = demo_gateway.upstreams.document_sync
    assert sync is not None
    await asyncio.wait_for(sync.ready.wait(), 60)  # its first round done
    name = "townhall_feed_last_success_timestamp_seconds"
    for _ in range(100):  # ready is set within the round; the stamp follows it
        stamp = sample(await scrape(demo_gateway), name, feed="document-sync")
        if stamp:
            break
        await asyncio.sleep(0.1)
    assert time.time() - 600 < stamp <= time.time()


async def test_a_failing_upstream_counts_errors_and_opens_its_circuit(
    council: Council, scim_server: ScimServer, webdav_server: WebDavServer, tmp_path: Path
) -> None:
    settings = base_settings(council, scim_server, webdav_server, tmp_path)
    settings.hr.url = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
    settings.hr.retries = 0
    settings.hr.breaker_failures = 1
    settings.hr.breaker_reset = 600
    query = {"query": "{ me { displayName employment { jobTitle } } }"}
    async with serve(settings) as gateway:
        before = await scrape(gateway)
        async with gateway.client("alex.morgan") as client:
            response = await client.post("/graphql", json=query)
        after = await scrape(gateway)
    body = response.json()
    assert body["data"]["me"]["employment"] is None and body["errors"]
    errors = {
        dict(labels)["error"]: value - before.get((name, labels), 0.0)
        for (name, labels), value in after.items()
        if name == "townhall_upstream_errors_total" and ("source", "hr") in labels
    }
    assert sum(errors.values()) >= 1, errors
    assert not [e for e in errors if "://" in e or "127.0.0.1" in e]  # a class name, no URL
    assert sample(after, "townhall_circuit_state", source="hr") == 2  # open
    assert (
        sample(
            after, "townhall_requests_total", operation="anonymous", status="200", outcome="partial"
        )
        - sample(
            before,
            "townhall_requests_total",
            operation="anonymous",
            status="200",
            outcome="partial",
        )
        == 1
    )


async def test_metrics_can_be_turned_off(
    council: Council, scim_server: ScimServer, webdav_server: WebDavServer, tmp_path: Path
) -> None:
    settings = base_settings(council, scim_server, webdav_server, tmp_path)
    settings.server.metrics = False
    async with serve(settings) as gateway, gateway.client() as client:
        assert (await client.get("/metrics")).status_code == 404


async def test_workers_share_their_counts(council: Council, tmp_path: Path) -> None:
    """``townhall serve --workers 2``: a scrape of either worker counts both workers' requests."""
    port = free_port()
    env = {
        **os.environ,
        "TOWNHALL_ENVIRONMENT": "test",
        "TOWNHALL_DIRECTORY__MODE": "embedded",
        "TOWNHALL_DIRECTORY__LDIF_FILE": str(council.ldif),
        "TOWNHALL_DIRECTORY__BASE_DN": "DC=ad,DC=northshire,DC=test",
        "TOWNHALL_DIRECTORY__SYNC_INTERVAL": "0",
        "TOWNHALL_CACHE__WARM_DIRECTORY": "off",
        "TOWNHALL_SOCIAL__DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'townhall.db'}",
        "TOWNHALL_AUTH__DEV_SIGN_IN": "true",
        "TOWNHALL_AUTH__DEV_DEFAULT_USER": "alex.morgan",
        "TOWNHALL_SERVER__PORT": str(port),
    }
    env.pop(MULTIPROC_ENV, None)
    process = start_serving(env, tmp_path / "serve.log")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            for _ in range(300):
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get("/metrics")).status_code == 200:
                        break
                assert process.poll() is None, (tmp_path / "serve.log").read_text()
                await asyncio.sleep(0.1)
            headers = {"X-Townhall-User": "alex.morgan"}
            for _ in range(20):  # new connections: the kernel spreads them over the workers
                async with httpx.AsyncClient(base_url=client.base_url, timeout=10) as one:
                    response = await one.post(
                        "/graphql", json={"query": "{ __typename }"}, headers=headers
                    )
                    assert response.status_code == 200
            for _ in range(6):  # whichever worker answers the scrape
                async with httpx.AsyncClient(base_url=client.base_url, timeout=10) as one:
                    text = (await one.get("/metrics")).text
                assert (
                    'townhall_requests_total{operation="anonymous",outcome="ok",status="200"} 20.0'
                    in text
                )
        assert "process_cpu_seconds_total" not in text  # the multiprocess collector's answer
    finally:
        process.terminate()
        process.wait(30)


def start_serving(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    townhall = Path(sys.executable).parent / "townhall"
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(townhall), "serve", "--workers", "2"], env=env, stdout=out, stderr=out
        )


def test_operation_labels_are_bounded() -> None:
    assert operation_label("anonymous") == "anonymous"
    assert {operation_label(f"Made{i}") for i in range(1000)} == {"other"}


async def test_a_real_prometheus_scrapes_the_gateway(demo_gateway: Gateway, tmp_path: Path) -> None:
    async with demo_gateway.client("alex.morgan") as client:
        assert (await client.post("/graphql", json={"query": registered("Me")})).is_success
    async with run_prometheus(demo_gateway.url, tmp_path) as prometheus:
        result = await until_series(prometheus, 'townhall_requests_total{operation="Me"}')
    labels: dict[str, Any] = result[0]["metric"]
    assert labels["__name__"] == "townhall_requests_total"
    assert labels["operation"] == "Me" and labels["outcome"] == "ok"
    assert float(result[0]["value"][1]) >= 1


async def until_series(prometheus: Prometheus, query: str) -> list[dict[str, Any]]:
    result = await prometheus.query_until(query, within=30)
    if not result:
        pytest.fail(f"Prometheus never showed {query}")
    return result
