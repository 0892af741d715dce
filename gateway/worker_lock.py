"""The lock that makes exactly one ``townhall worker`` active across a deployment.

Three kinds, one shape: ``WorkerLock.acquire()`` tries once and returns a ``Lease``
(``None`` while another worker holds the lock); a lease's ``lost`` event is set the
moment the holder can no longer be sure it holds the lock, and the worker then stops its
jobs before anything else is written.

- ``PostgresLock``: ``pg_try_advisory_lock`` on a connection of its own (asyncpg, not the
  store's pool). The server releases the lock when that connection ends, so a worker
  killed with ``kill -9`` lets the next one in at its next try. The holder runs
  ``SELECT 1`` on the connection every ``worker.check_interval`` seconds (each with that
  long to answer); a failed check, or the connection closing, loses the lease. Server-side
  TCP keepalives end the session of a holder whose machine vanished.
- ``RedisLock``: ``SET key value NX PX ttl``, where the value begins with a fencing token
  from ``INCR`` (each holder's is larger than every earlier one's), renewed every third of
  the TTL by a Lua check-and-extend that extends only the holder's own value. The lease is
  lost when a renewal is refused or when the TTL, counted from the start of the last
  renewal that succeeded, is about to run out (a second of margin) without a renewal:
  the holder gives up before the key can expire and another worker take it.
- ``FileLock``: ``flock`` on a file (one machine only, e.g. the demo's SQLite). The kernel
  releases it when the process dies; it cannot be lost while held.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
import socket
import time
import uuid
from pathlib import Path
from typing import Any, Protocol

import asyncpg
import redis.asyncio as redis
from sqlalchemy.engine import make_url

log = logging.getLogger("townhall.worker")

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
_MARGIN = 1.0  # seconds a Redis lease is given up before its key could expire


class Lease(Protocol):
    kind: str
    token: int | None  # the fencing token (Redis), else None
    lost: asyncio.Event

    async def release(self) -> None: ...


class WorkerLock(Protocol):
    kind: str

    async def acquire(self) -> Lease | None: ...

    async def close(self) -> None: ...


def lock_key(namespace: str) -> int:
    """The advisory lock's 64-bit key for a deployment (its cache namespace)."""
    digest = hashlib.sha256(f"townhall-worker:{namespace}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def holder_id() -> str:
    """Who holds a lock, for whoever looks at it: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class _Watched:
    """A lease whose liveness a task checks; ``lost`` is set when a check fails."""

    kind = ""
    token: int | None = None

    def __init__(self) -> None:
        self.lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def watch(self) -> None:
        self._task = asyncio.create_task(self._watch(), name=f"townhall-{self.kind}-lease")

    async def _watch(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    async def _stop_watching(self) -> None:
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


class PostgresLock:
    """A session-level advisory lock on a dedicated connection."""

    kind = "postgres"

    def __init__(self, database_url: str, key: int, *, check_interval: float = 2.0) -> None:
        url = make_url(database_url)
        self._connect: dict[str, Any] = {
            "host": url.host,
            "port": url.port,
            "user": url.username,
            "password": url.password,
            "database": url.database,
            "timeout": 10.0,
            "server_settings": {
                "application_name": "townhall-worker",
                "tcp_keepalives_idle": "10",
                "tcp_keepalives_interval": "5",
                "tcp_keepalives_count": "3",
            },
        }
        self.key = key
        self.check_interval = check_interval

    async def acquire(self) -> Lease | None:
        connection = await asyncpg.connect(**self._connect)
        try:
            won = await connection.fetchval("SELECT pg_try_advisory_lock($1)", self.key)
        except BaseException:
            connection.terminate()
            raise
        if not won:
            await connection.close()
            return None
        lease = _PostgresLease(connection, self.key, self.check_interval)
        lease.watch()
        return lease

    async def close(self) -> None:
        return None


class _PostgresLease(_Watched):
    kind = "postgres"

    def __init__(self, connection: asyncpg.Connection, key: int, check_interval: float) -> None:
        super().__init__()
        self._connection = connection
        self._key = key
        self._interval = check_interval
        connection.add_termination_listener(self._terminated)

    def _terminated(self, _: object) -> None:
        self.lost.set()

    async def _watch(self) -> None:
        while not self.lost.is_set():
            await asyncio.sleep(self._interval)
            try:
                await asyncio.wait_for(self._connection.fetchval("SELECT 1"), self._interval)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.debug("the worker lock's connection failed: %s", type(exc).__name__)
                self.lost.set()
        self._connection.terminate()  # whatever is left of the session ends with the lock

    async def release(self) -> None:
        await self._stop_watching()
        if not self._connection.is_closed():
            try:  # closing the session releases the lock too; unlocking says so sooner
                await asyncio.wait_for(
                    self._connection.fetchval("SELECT pg_advisory_unlock($1)", self._key), 5
                )
                await asyncio.wait_for(self._connection.close(), 5)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                self._connection.terminate()


class RedisLock:
    """``SET NX PX`` with a fencing token, renewed by a Lua check-and-extend."""

    kind = "redis"

    def __init__(self, redis_url: str, namespace: str, *, ttl: float = 15.0) -> None:
        self._redis: redis.Redis = redis.Redis.from_url(
            redis_url, socket_connect_timeout=2.0, socket_timeout=max(1.0, ttl / 3)
        )
        self.key = f"{namespace}:worker:lock"
        self.fence_key = f"{namespace}:worker:fence"
        self.ttl = ttl

    async def acquire(self) -> Lease | None:
        if await self._redis.exists(self.key):
            return None
        token = int(await self._redis.incr(self.fence_key))
        value = f"{token}:{holder_id()}"
        started = time.monotonic()
        if not await self._redis.set(self.key, value, nx=True, px=int(self.ttl * 1000)):
            return None
        lease = _RedisLease(self, value, token, started)
        lease.watch()
        return lease

    async def close(self) -> None:
        await self._redis.aclose()


class _RedisLease(_Watched):
    kind = "redis"

    def __init__(self, lock: RedisLock, value: str, token: int, started: float) -> None:
        super().__init__()
        self._lock = lock
        self._value = value
        self.token = token
        self.valid_until = started + lock.ttl - _MARGIN

    async def _watch(self) -> None:
        lock = self._lock
        while not self.lost.is_set():
            await asyncio.sleep(lock.ttl / 3)
            started = time.monotonic()
            left = self.valid_until - started
            try:
                renewed = await asyncio.wait_for(
                    lock._redis.eval(_RENEW, 1, lock.key, self._value, int(lock.ttl * 1000)),
                    max(0.1, left),
                )
            except (OSError, TimeoutError, redis.RedisError) as exc:
                log.debug("renewing the worker lock failed: %s", type(exc).__name__)
                renewed = 0
            if renewed != 1 or time.monotonic() >= self.valid_until:
                self.lost.set()
            else:
                self.valid_until = started + lock.ttl - _MARGIN

    async def release(self) -> None:
        await self._stop_watching()
        with contextlib.suppress(OSError, TimeoutError, redis.RedisError):
            lock = self._lock
            await asyncio.wait_for(lock._redis.eval(_RELEASE, 1, lock.key, self._value), 5)


class FileLock:
    """``flock`` on a file: one machine only."""

    kind = "file"

    def __init__(self, path: Path) -> None:
        self.path = path

    async def acquire(self) -> Lease | None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        os.ftruncate(fd, 0)
        os.write(fd, holder_id().encode())
        return _FileLease(fd)

    async def close(self) -> None:
        return None


class _FileLease:
    kind = "file"
    token: int | None = None

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self.lost = asyncio.Event()  # never set: the kernel holds it while we live

    async def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # releases the flock
            self._fd = -1
