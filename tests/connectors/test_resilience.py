"""Retry, Retry-After, deadline and circuit-breaker logic (pure: a scripted transport)."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from connectors.resilience import (
    CircuitBreaker,
    CircuitOpen,
    DeadlineExceeded,
    ResilientClient,
    RetryPolicy,
)


def scripted(
    *steps: int | type[Exception], headers: dict[str, str] | None = None
) -> tuple[httpx.AsyncClient, list[str]]:
    """A client whose transport answers each request with the next step."""
    seen: list[str] = []
    queue = list(steps)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        step = queue.pop(0)
        if isinstance(step, type):
            raise step("scripted failure", request=request)  # type: ignore[call-arg]
        return httpx.Response(step, headers=headers or {})

    return httpx.AsyncClient(
        transport=httpx.MockTransport(handler), base_url="http://upstream.test"
    ), seen


def recorder() -> tuple[list[float], Callable[[float], object]]:
    delays: list[float] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)

    return delays, sleep


async def test_retries_transient_statuses_then_succeeds() -> None:
    client, seen = scripted(503, 502, 200)
    delays, sleep = recorder()
    resilient = ResilientClient(
        client, retry=RetryPolicy(attempts=3, base_delay=0.1, jitter=0), sleep=sleep
    )
    response = await resilient.request("GET", "/Users")
    assert response.status_code == 200 and len(seen) == 3
    assert delays == [0.1, 0.2]


async def test_retry_after_is_honoured_and_capped() -> None:
    client, _ = scripted(429, 200, headers={"Retry-After": "2"})
    delays, sleep = recorder()
    await ResilientClient(client, sleep=sleep).request("GET", "/Users")
    assert delays == [2.0]
    client, seen = scripted(429, 200, headers={"Retry-After": "120"})
    response = await ResilientClient(client, retry=RetryPolicy(max_delay=5), sleep=sleep).request(
        "GET", "/"
    )
    assert response.status_code == 429 and len(seen) == 1  # too long to wait: answer now


async def test_non_idempotent_requests_are_not_repeated_unless_safe() -> None:
    client, seen = scripted(503, 200)
    _, sleep = recorder()
    response = await ResilientClient(client, sleep=sleep).request("POST", "/Bulk")
    assert response.status_code == 503 and seen == ["POST"]
    client, seen = scripted(503, 200)
    response = await ResilientClient(client, sleep=sleep).request(
        "POST", "/Users/.search", idempotent=True
    )
    assert response.status_code == 200 and seen == ["POST", "POST"]


async def test_transport_errors_are_retried_then_raised() -> None:
    client, seen = scripted(httpx.ConnectError, httpx.ConnectError, httpx.ConnectError)
    _, sleep = recorder()
    with pytest.raises(httpx.ConnectError):
        await ResilientClient(client, sleep=sleep).request("GET", "/")
    assert len(seen) == 3


async def test_the_breaker_opens_then_probes_then_closes() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failure_threshold=2, reset_after=10, clock=lambda: now[0])
    client, seen = scripted(500, 500, 500, 200)
    _, sleep = recorder()
    resilient = ResilientClient(client, retry=RetryPolicy(attempts=1), breaker=breaker, sleep=sleep)
    for _ in range(2):
        assert (await resilient.request("GET", "/")).status_code == 500
    with pytest.raises(CircuitOpen):
        await resilient.request("GET", "/")
    assert len(seen) == 2  # the open circuit sent nothing
    now[0] = 11  # half-open: one probe goes through, fails, and re-opens
    assert (await resilient.request("GET", "/")).status_code == 500
    with pytest.raises(CircuitOpen):
        await resilient.request("GET", "/")
    now[0] = 22
    assert (await resilient.request("GET", "/")).status_code == 200
    assert breaker.state == "closed"


async def test_client_errors_do_not_count_against_the_upstream() -> None:
    breaker = CircuitBreaker(failure_threshold=1)
    client, _ = scripted(400, 404, 401)
    resilient = ResilientClient(client, breaker=breaker)
    for _ in range(3):
        await resilient.request("GET", "/")
    assert breaker.state == "closed"


async def test_a_passed_deadline_sends_nothing() -> None:
    client, seen = scripted(200)
    with pytest.raises(DeadlineExceeded):
        await ResilientClient(client).request("GET", "/", deadline=time.monotonic() - 1)
    assert seen == []


async def test_no_retry_sleeps_past_the_deadline() -> None:
    client, seen = scripted(503, 200)
    delays, sleep = recorder()
    resilient = ResilientClient(client, retry=RetryPolicy(base_delay=1, jitter=0), sleep=sleep)
    response = await resilient.request("GET", "/", deadline=time.monotonic() + 0.5)
    assert response.status_code == 503 and delays == [] and len(seen) == 1
