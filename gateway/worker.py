"""``townhall worker``: the one process of a deployment that runs the background jobs.

With ``worker.mode`` ``separate`` web instances run no change feed, indexing, retention
or digests (``gateway.background``); the worker does, on connectors of its own, and
publishes what its jobs write on the live-update bus like any instance. Several workers
may run: exactly one is active, the one holding the lock (``gateway.worker_lock``); the
others stand by and try again every ``worker.retry_interval`` seconds, so when the
active one dies (``kill -9`` included) another takes over within about that long (Redis:
within ``worker.lock_ttl`` plus that). A worker that loses its lock stops its jobs at
once, then stands by. Logged at INFO: became active, standing by, lost the lock.

The worker serves ``/healthz`` (whether it is active, its lock, its fencing token) and
``/metrics`` (``townhall_worker_active``, the feeds' last rounds) on ``worker.port``.

``run_beside`` runs the worker in a web process's event loop on that process's
connectors, started and stopped by the app's lifespan (the demo: one process, SQLite, a
file lock), the web app itself running no job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import redis.asyncio as redis
import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .app import open_upstreams
from .background import background_jobs
from .digests.unsubscribe import UnsubscribeSigner
from .live.events import open_live
from .loaders import Upstreams
from .metrics import registry
from .response_generation import report_changes
from .settings import Settings
from .worker_lock import FileLock, Lease, PostgresLock, RedisLock, WorkerLock, lock_key

log = logging.getLogger("townhall.worker")

# What a lock that cannot be reached raises: retried, never fatal.
_UNREACHABLE = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError,
                redis.RedisError)  # fmt: skip


@dataclass(slots=True)
class WorkerState:
    """What ``/healthz`` says of this worker."""

    lock: str
    active: bool = False
    fencing_token: int | None = None


def make_lock(settings: Settings) -> WorkerLock:
    """The lock ``worker.lock`` names (``auto``: PostgreSQL, else Redis, else the file)."""
    w, social = settings.worker, settings.social.database_url
    kind = w.lock
    if kind == "auto":
        if social.startswith("postgresql"):
            kind = "postgres"
        elif settings.cache.backend == "redis":
            kind = "redis"
        else:
            kind = "file"
    if kind == "postgres":
        if not social.startswith("postgresql"):
            raise ValueError("worker.lock 'postgres' needs social.database_url on PostgreSQL")
        key = lock_key(settings.cache.namespace)
        return PostgresLock(social, key, check_interval=w.check_interval)
    if kind == "redis":
        ns = settings.cache.namespace
        return RedisLock(settings.cache.redis_url, ns, ttl=w.lock_ttl)
    return FileLock(w.lock_file)


async def hold_and_run(
    settings: Settings,
    upstreams: Upstreams,
    lock: WorkerLock,
    *,
    stop: asyncio.Event,
    unsubscribe: UnsubscribeSigner,
    state: WorkerState | None = None,
) -> None:
    """Stand by until the lock is ours, run the jobs while it is, until ``stop``."""
    state = state or WorkerState(lock.kind)
    standing_by = False
    while not stop.is_set():
        lease: Lease | None = None
        try:
            lease = await asyncio.wait_for(lock.acquire(), 15)
        except _UNREACHABLE as exc:
            log.warning(
                "the worker lock (%s) cannot be reached (%s); trying again",
                lock.kind,
                type(exc).__name__,
            )
            standing_by = False
        else:
            if lease is None and not standing_by:
                log.info("standing by: another worker holds the %s lock", lock.kind)
                standing_by = True
        if lease is None:
            await _until(stop, settings.worker.retry_interval)
            continue
        standing_by = False
        token = f", fencing token {lease.token}" if lease.token is not None else ""
        log.info("became active: this worker holds the %s lock%s", lock.kind, token)
        state.active, state.fencing_token = True, lease.token
        try:
            async with background_jobs(settings, upstreams, unsubscribe):
                await _first_of(stop, lease.lost)
        except Exception:
            log.exception("the background jobs failed; giving the lock back")
        finally:
            state.active, state.fencing_token = False, None
            lost = lease.lost.is_set()
            await lease.release()
        if lost and not stop.is_set():
            log.info("lost the %s lock: background jobs stopped; standing by", lock.kind)
        elif not stop.is_set():
            await _until(stop, settings.worker.retry_interval)


async def run_worker(settings: Settings, *, stop: asyncio.Event, state: WorkerState) -> None:
    """The worker process's work: open the connectors, then ``hold_and_run``."""
    async with contextlib.AsyncExitStack() as stack:
        upstreams = open_upstreams(settings, stack)
        report_changes(settings, upstreams, stack)  # cached answers on every instance go
        await upstreams.social.migrate()
        # What the jobs write (activity, document changes) reaches subscribers on every
        # instance through the bus, as web instances' writes do.
        await open_live(
            settings.live,
            upstreams.social,
            stack,
            redis_url=settings.cache.redis_url if settings.cache.backend == "redis" else None,
            namespace=settings.cache.namespace,
        )
        lock = make_lock(settings)
        stack.push_async_callback(lock.close)
        unsubscribe = UnsubscribeSigner.from_settings(settings)
        await hold_and_run(
            settings, upstreams, lock, stop=stop, unsubscribe=unsubscribe, state=state
        )


def run_beside(app: Starlette, settings: Settings) -> None:
    """Run the worker in ``app``'s process, on the app's connectors: it starts once the
    app's lifespan has opened them and stops before they close (their cache and live bus
    are the app's, as Redis shares them between processes). For the demo; the app must
    have ``worker.mode`` ``separate``, so that it runs no job itself."""
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[Any]:
        async with inner(app) as state:
            stop, lock = asyncio.Event(), make_lock(settings)
            task = asyncio.create_task(
                hold_and_run(
                    settings,
                    app.state.upstreams,
                    lock,
                    stop=stop,
                    unsubscribe=UnsubscribeSigner.from_settings(settings),
                ),
                name="townhall-worker",
            )
            try:
                yield state
            finally:
                stop.set()
                await task
                await lock.close()

    app.router.lifespan_context = lifespan


def worker_app(state: WorkerState) -> Starlette:
    """``/healthz`` and ``/metrics`` of the worker process."""

    async def health(_: Request) -> Response:
        return JSONResponse(
            {
                "status": "ok",
                "active": state.active,
                "lock": state.lock,
                "fencing_token": state.fencing_token,
            }
        )

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(registry()), media_type=CONTENT_TYPE_LATEST)

    return Starlette(routes=[Route("/healthz", health), Route("/metrics", metrics)])


def main(settings: Settings) -> int:
    """``townhall worker``: run until SIGTERM or SIGINT; 2 when the settings forbid it."""
    if settings.worker.mode != "separate":
        sys.stderr.write(
            "townhall worker: worker.mode is 'embedded', so the web instances run the "
            "background jobs themselves; set TOWNHALL_WORKER__MODE=separate everywhere\n"
        )
        return 2
    try:
        kind = make_lock(settings).kind
    except ValueError as exc:
        sys.stderr.write(f"townhall worker: {exc}\n")
        return 2
    asyncio.run(_serve(settings, WorkerState(kind)))
    return 0


async def _serve(settings: Settings, state: WorkerState) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    server = None
    tasks = [asyncio.create_task(run_worker(settings, stop=stop, state=state))]
    if settings.worker.port:
        config = uvicorn.Config(
            worker_app(state),
            host=settings.worker.host,
            port=settings.worker.port,
            lifespan="off",
            access_log=False,
            server_header=False,
            log_level="warning",
        )
        server = uvicorn.Server(config)
        tasks.append(asyncio.create_task(server.serve()))
    await _first_of(stop, None, tasks[0])
    stop.set()
    if server is not None:
        server.should_exit = True
    await asyncio.gather(*tasks)


async def _until(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def _first_of(
    a: asyncio.Event, b: asyncio.Event | None, task: asyncio.Task[None] | None = None
) -> None:
    """Wait until either event is set (or ``task`` ends)."""
    waits = [asyncio.create_task(e.wait()) for e in (a, b) if e is not None]
    pending = {*waits, *([task] if task is not None else [])}
    try:
        await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
