"""Viewer budgets: cost units per window, in memory and shared through a real Redis."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio
from servers.redis import RedisServer

from gateway.budgets import BudgetDecision, Budgets, _MemoryWindows, viewer_digest
from gateway.settings import Settings

ALICE = viewer_digest("6F1C2E44-0B8A-4D7E-9C2B-1A2B3C4D5E6F")
BOB = viewer_digest("0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70")


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis-budgets"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["memory", "redis"])
async def budgets(
    request: pytest.FixtureRequest, redis_server: RedisServer
) -> AsyncIterator[Budgets]:
    """100 units per 2 s, counted in this process or in Redis (a namespace per test)."""
    if request.param == "memory":
        budgets = Budgets.memory(100, window=2)
    else:
        budgets = Budgets.redis(redis_server.url, 100, window=2, namespace=request.node.name)
    yield budgets
    await budgets.close()


# The viewer's digest


def test_viewer_digest_is_a_stable_pseudonym() -> None:
    guid = "6F1C2E44-0B8A-4D7E-9C2B-1A2B3C4D5E6F"
    assert viewer_digest(guid) == viewer_digest(guid.lower()) == ALICE
    assert re.fullmatch(r"[0-9a-f]{32}", ALICE)
    assert ALICE != BOB
    assert "6f1c2e44" not in ALICE and "0b8a" not in ALICE


# Both counters: in memory and in Redis


async def test_spending_lowers_what_remains_and_says_so_in_headers(
    budgets: Budgets,
) -> None:
    first = await budgets.spend(ALICE, 30)
    second = await budgets.spend(ALICE, 25)
    assert (first.allowed, first.remaining) == (True, 70)
    assert (second.allowed, second.remaining) == (True, 45)
    assert 0 < second.reset_after <= 4
    headers = second.headers()
    assert headers["RateLimit-Policy"] == '"viewer";q=100;w=2'
    assert re.fullmatch(r'"viewer";r=45;t=[1-4]', headers["RateLimit"])
    assert "Retry-After" not in headers


async def test_a_refused_operation_consumes_nothing(budgets: Budgets) -> None:
    assert (await budgets.spend(ALICE, 60)).allowed
    refused = await budgets.spend(ALICE, 50)
    assert not refused.allowed and refused.reason == "over_budget"
    assert refused.remaining == 40 and refused.retry_after >= 1
    headers = refused.headers()
    assert headers["Retry-After"] == str(refused.retry_after)
    assert headers["RateLimit"] == f'"viewer";r=40;t={refused.retry_after}'
    # Had the refusal consumed its 50, these 40 would not fit.
    assert (await budgets.spend(ALICE, 40)).allowed
    assert not (await budgets.spend(ALICE, 1)).allowed


async def test_an_operation_dearer_than_the_whole_budget_is_never_allowed(
    budgets: Budgets,
) -> None:
    refused = await budgets.spend(ALICE, 101)
    assert not refused.allowed and refused.reason == "exceeds_budget"
    assert refused.retry_after == 0 and "Retry-After" not in refused.headers()
    assert refused.remaining == 100
    # Nothing was consumed: the whole budget is still there.
    assert (await budgets.spend(ALICE, 100)).allowed


async def test_retry_after_is_when_the_same_cost_fits_again(budgets: Budgets) -> None:
    assert (await budgets.spend(ALICE, 100)).allowed
    refused = await budgets.spend(ALICE, 30)
    assert not refused.allowed and 1 <= refused.retry_after <= 4
    other = await budgets.spend(BOB, 30)
    assert other.allowed and other.remaining == 70
    await asyncio.sleep(refused.retry_after)
    assert (await budgets.spend(ALICE, 30)).allowed


async def test_no_budget_when_the_setting_is_zero() -> None:
    budgets = Budgets.from_settings(Settings(environment="test", limits={"budget_per_minute": 0}))
    try:
        assert not budgets.enabled
        decision = await budgets.spend(ALICE, 10**9)
        assert decision.allowed and not decision.counted
        assert decision.headers() == {}
    finally:
        await budgets.close()


async def test_settings_choose_a_minute_in_memory_by_default() -> None:
    budgets = Budgets.from_settings(Settings(environment="test"))
    try:
        assert budgets.enabled and budgets.window == 60
        assert budgets.limit == Settings(environment="test").limits.budget_per_minute
        decision = await budgets.spend(ALICE, 1000)
        assert decision.headers()["RateLimit-Policy"] == f'"viewer";q={budgets.limit};w=60'
    finally:
        await budgets.close()


async def test_negative_costs_are_a_programming_error(budgets: Budgets) -> None:
    with pytest.raises(ValueError):
        await budgets.spend(ALICE, -1)


def test_headers_of_an_uncounted_decision_are_empty() -> None:
    decision = BudgetDecision(True, 100, 100, 0.0, 0, counted=False)
    assert decision.headers() == {}


async def test_memory_windows_drop_viewers_not_seen_for_two_windows() -> None:
    windows = _MemoryWindows(1)
    for n in range(50):
        await windows.spend(f"v{n}", 1, 10)
    assert len(windows) == 50
    await asyncio.sleep(2.05)
    await windows.spend("last", 1, 10)
    assert len(windows) == 1


# In Redis, shared by instances


async def test_two_instances_share_one_budget_through_redis(redis_server: RedisServer) -> None:
    first = Budgets.redis(redis_server.url, 100, window=2, namespace="shared")
    second = Budgets.redis(redis_server.url, 100, window=2, namespace="shared")
    try:
        assert (await first.spend(ALICE, 60)).allowed
        refused = await second.spend(ALICE, 60)
        assert not refused.allowed and refused.remaining == 40 and refused.retry_after >= 1
        assert (await second.spend(ALICE, 40)).allowed
        assert (await first.spend(ALICE, 1)).remaining == 0
    finally:
        await first.close()
        await second.close()


async def test_over_budget_viewer_waits_while_another_is_served(redis_server: RedisServer) -> None:
    budgets = Budgets.redis(redis_server.url, 50, window=1, namespace="wait")
    try:
        assert (await budgets.spend(ALICE, 50)).allowed
        refused = await budgets.spend(ALICE, 20)
        assert not refused.allowed and refused.reason == "over_budget"
        assert 1 <= refused.retry_after <= 2
        assert refused.headers()["Retry-After"] == str(refused.retry_after)
        other = await budgets.spend(BOB, 20)
        assert other.allowed and other.remaining == 30

        await asyncio.sleep(refused.retry_after)
        again = await budgets.spend(ALICE, 20)
        assert again.allowed, again
    finally:
        await budgets.close()


async def test_concurrent_spends_from_two_instances_never_overdraw(
    redis_server: RedisServer,
) -> None:
    first = Budgets.redis(redis_server.url, 100, window=60, namespace="race")
    second = Budgets.redis(redis_server.url, 100, window=60, namespace="race")
    try:
        decisions = await asyncio.gather(
            *(budgets.spend(ALICE, 10) for _ in range(25) for budgets in (first, second))
        )
        assert sum(d.allowed for d in decisions) == 10
    finally:
        await first.close()
        await second.close()


async def test_redis_keys_are_namespaced_and_hold_no_raw_guid(redis_server: RedisServer) -> None:
    guid = "11111111-2222-3333-4444-555555555555"
    budgets = Budgets.redis(redis_server.url, 100, namespace="keys")
    client = redis.asyncio.from_url(redis_server.url)
    try:
        await budgets.spend(viewer_digest(guid), 5)
        keys = [k.decode() async for k in client.scan_iter("keys:*")]
        assert keys and all(k.startswith("keys:budget:") for k in keys)
        assert all(viewer_digest(guid) in k and "11111111" not in k for k in keys)
    finally:
        await client.aclose()
        await budgets.close()


async def test_settings_choose_the_shared_redis(redis_server: RedisServer) -> None:
    settings = Settings(
        environment="test",
        limits={"budget_per_minute": 70, "budget_storage": "redis"},
        cache={"redis_url": redis_server.url, "namespace": "fromsettings"},
    )
    first, second = Budgets.from_settings(settings), Budgets.from_settings(settings)
    try:
        assert (await first.spend(ALICE, 70)).allowed
        assert not (await second.spend(ALICE, 1)).allowed
    finally:
        await first.close()
        await second.close()


async def test_a_stopped_redis_lets_operations_through_and_warns_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = RedisServer(tmp_path / "redis")
    server.start()
    budgets = Budgets.redis(server.url, 10, window=60, namespace="down", pause_after_failure=0)
    try:
        assert (await budgets.spend(ALICE, 10)).allowed
        assert not (await budgets.spend(ALICE, 10)).allowed
        server.stop()
        with caplog.at_level(logging.WARNING, logger="gateway.budgets"):
            decisions = [await budgets.spend(ALICE, 10) for _ in range(3)]
        assert all(d.allowed and not d.counted and d.headers() == {} for d in decisions)
        warnings = [r for r in caplog.records if r.name == "gateway.budgets"]
        assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
        assert server.url not in warnings[0].getMessage()
        assert warnings[0].exc_info is None
    finally:
        server.stop()
        await budgets.close()


async def test_after_a_failure_redis_is_left_alone_for_a_pause(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis")
    server.start()
    budgets = Budgets.redis(server.url, 10, window=60, namespace="pause", pause_after_failure=30)
    try:
        assert (await budgets.spend(ALICE, 10)).allowed
        server.stop()
        assert not (await budgets.spend(ALICE, 10)).counted
        server.start()  # back, on the same port: still not asked during the pause
        assert not (await budgets.spend(ALICE, 10)).counted
    finally:
        server.stop()
        await budgets.close()
