"""The worker lock on real PostgreSQL and Redis (and a file): one holder, loss noticed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from pydantic import ValidationError
from servers.postgres import PostgresServer
from servers.redis import RedisServer

from gateway.settings import Settings
from gateway.worker_lock import FileLock, PostgresLock, RedisLock, lock_key


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis-worker"))
    server.start()
    yield server
    server.stop()


async def test_postgres_one_holder_and_a_dropped_connection_loses_the_lease(
    postgres: PostgresServer,
) -> None:
    url = await postgres.create_database()
    key = lock_key("worker-test")
    first = PostgresLock(url, key, check_interval=0.3)
    second = PostgresLock(url, key, check_interval=0.3)
    lease = await first.acquire()
    assert lease is not None
    assert await second.acquire() is None
    admin = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:  # the holder's session ends under it, as when its network goes
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'townhall-worker'"
        )
    finally:
        await admin.close()
    await asyncio.wait_for(lease.lost.wait(), 5)
    taken = await second.acquire()
    assert taken is not None
    await lease.release()
    await taken.release()
    again = await first.acquire()  # released: free again
    assert again is not None
    await again.release()


async def test_redis_fencing_tokens_grow_and_a_stolen_lock_is_lost(
    redis_server: RedisServer,
) -> None:
    first = RedisLock(redis_server.url, "worker-test", ttl=3)
    second = RedisLock(redis_server.url, "worker-test", ttl=3)
    try:
        lease = await first.acquire()
        assert lease is not None and lease.token is not None
        assert await second.acquire() is None
        await asyncio.sleep(3.5)  # past the TTL: renewed, so still held
        assert not lease.lost.is_set()
        assert await second.acquire() is None
        # Someone else's value in the key (as after an expiry and a takeover).
        await first._redis.set(first.key, "999:elsewhere", px=100)
        await asyncio.wait_for(lease.lost.wait(), 3)
        await asyncio.sleep(0.2)
        taken = await second.acquire()
        assert taken is not None and taken.token is not None and taken.token > lease.token
        await lease.release()  # a lost lease releases nothing of the new holder's
        assert await first.acquire() is None
        await taken.release()
        assert await first._redis.exists(first.key) == 0
    finally:
        await first.close()
        await second.close()


async def test_file_lock_is_exclusive_until_released(tmp_path: Path) -> None:
    first, second = FileLock(tmp_path / "w.lock"), FileLock(tmp_path / "w.lock")
    lease = await first.acquire()
    assert lease is not None
    assert await second.acquire() is None
    await lease.release()
    taken = await second.acquire()
    assert taken is not None
    await taken.release()


def test_production_refuses_separate_workers_without_shared_state() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(
            environment="production",
            directory={"mode": "ldap", "url": "ldaps://dc1.example:636"},
            auth={
                "jwt_jwks_url": "https://login.example/keys",
                "jwt_issuer": "https://login.example",
                "jwt_audience": "townhall",
            },
            documents={"url": "https://dav.example/"},
            worker={"mode": "separate"},
        )
    message = str(refused.value)
    for needed in (
        "server.url_signing_key",
        "cache.backend 'redis'",
        "social.database_url on PostgreSQL",
        "documents.search_database_url on PostgreSQL",
    ):
        assert needed in message
    shared = Settings(
        environment="production",
        directory={"mode": "ldap", "url": "ldaps://dc1.example:636"},
        auth={
            "jwt_jwks_url": "https://login.example/keys",
            "jwt_issuer": "https://login.example",
            "jwt_audience": "townhall",
        },
        documents={
            "url": "https://dav.example/",
            "search_database_url": "postgresql+asyncpg://db/t",
        },
        social={"database_url": "postgresql+asyncpg://db/t"},
        cache={"backend": "redis"},
        server={"url_signing_key": "k" * 32},
        worker={"mode": "separate"},
    )
    assert shared.worker.mode == "separate"
