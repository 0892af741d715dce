"""Readiness: whether this instance can serve, source by source (``/readyz``).

``/healthz`` (in the app) only says the process answers. ``/readyz`` asks every
configured source at once, each with ``server.ready_timeout`` seconds to answer:

* ``directory``: one search for at most one entry under the base, no attributes;
* ``hr``: ``GET /ServiceProviderConfig`` (the CSV extract: the file can be read);
* ``documents``: ``PROPFIND`` depth 0 of the root (a file share: its root folder);
* ``social``: ``SELECT 1``;
* ``cache``: one Redis round trip (only with ``cache.backend = "redis"``).

Each source is then ``up``; ``degraded`` when it failed but the record cache can
still serve it stale (stale serving is on, ``cache.max_stale > 0``, and the source
was ``up`` at one of this instance's checks in the last ``cache.max_stale`` s); or
``down``. The instance is ``ready`` (200) unless it has not finished starting or is
stopping, or any source is ``down`` (503 ``not_ready``). The social store and the
Redis cache are never ``degraded``: nothing stands in for them.

A result is reused for ``server.ready_cache_seconds``, and concurrent requests share
the one check that is running, so a storm of probes costs each upstream one request
per period. Sources are named only by kind: no URL, DN or exception text reaches
the answer, and the log gets an exception's type only, once per change of state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .loaders import Upstreams
from .settings import Settings

log = logging.getLogger("townhall.health")

SourceState = Literal["up", "degraded", "down"]
Lifespan = Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]
#: Sources the record cache can stand in for with stale records.
COVERABLE = frozenset({"directory", "hr", "documents"})
_NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True, slots=True)
class Readiness:
    """One check's outcome: ``ready`` or not, and each source's state by kind."""

    ready: bool
    sources: dict[str, SourceState] = field(default_factory=dict)
    reason: str | None = None  # "starting" or "stopping" before or after the lifespan

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "status": "ready" if self.ready else "not_ready",
            "sources": self.sources,
        }
        if self.reason:
            body["reason"] = self.reason
        return body


class ReadinessCheck:
    """Probes the sources of one app, caches the outcome and answers ``/readyz``."""

    def __init__(
        self,
        *,
        timeout: float,
        cache_seconds: float,
        max_stale: float,
        shared_cache: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.timeout = timeout
        self.cache_seconds = cache_seconds
        self.max_stale = max_stale
        self.shared_cache = shared_cache  # Redis: probed; in memory: nothing to ask
        self._clock = clock
        self.upstreams: Upstreams | None = None
        self.stopping = False
        self.probes: Counter[str] = Counter()  # probes sent per source, for tests and metrics
        self._last: Readiness | None = None
        self._checked_at = -float("inf")
        self._running: asyncio.Task[Readiness] | None = None
        self._up_at: dict[str, float] = {}  # when each source last answered
        self._states: dict[str, SourceState] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> ReadinessCheck:
        return cls(
            timeout=settings.server.ready_timeout,
            cache_seconds=settings.server.ready_cache_seconds,
            max_stale=settings.cache.max_stale,
            shared_cache=settings.cache.backend == "redis",
        )

    def around(self, lifespan: Lifespan) -> Lifespan:
        """``lifespan`` wrapped: ready once it has started everything, not once it stops."""

        @contextlib.asynccontextmanager
        async def wrapped(app: Starlette) -> AsyncIterator[None]:
            async with lifespan(app):
                app.state.readiness = self
                self.upstreams = app.state.upstreams
                try:
                    yield
                finally:
                    self.stopping = True

        return wrapped

    async def endpoint(self, _: Request) -> Response:
        readiness = await self.check()
        return JSONResponse(
            readiness.body(), status_code=200 if readiness.ready else 503, headers=_NO_STORE
        )

    async def check(self) -> Readiness:
        """The current readiness: reused while fresh, else from the one check running."""
        if self.upstreams is None or self.stopping:
            return Readiness(False, reason="stopping" if self.stopping else "starting")
        if self._last is not None and self._clock() - self._checked_at < self.cache_seconds:
            return self._last
        if self._running is None:
            self._running = asyncio.create_task(self._check(self.upstreams))
            self._running.add_done_callback(self._finished)
        # A client that hangs up must not cancel the check the others are waiting for.
        return await asyncio.shield(self._running)

    def _finished(self, task: asyncio.Task[Readiness]) -> None:
        self._running = None
        if not task.cancelled() and task.exception() is None:
            self._last, self._checked_at = task.result(), self._clock()

    async def _check(self, up: Upstreams) -> Readiness:
        probes = _probes(up, self.shared_cache)
        names = list(probes)
        for name in names:
            self.probes[name] += 1
        outcomes = await asyncio.gather(*(self._probe(n, probes[n]) for n in names))
        now = self._clock()
        sources: dict[str, SourceState] = {}
        for name, failure in zip(names, outcomes, strict=True):
            if failure is None:
                self._up_at[name] = now
                state: SourceState = "up"
            elif name in COVERABLE and self.max_stale > 0 and self._covered(name, now):
                state = "degraded"
            else:
                state = "down"
            self._note(name, state, failure)
            sources[name] = state
        return Readiness(all(s != "down" for s in sources.values()), sources)

    async def _probe(self, name: str, probe: Callable[[], Awaitable[None]]) -> str | None:
        """``None`` when the source answered in time, else why not (safe to log)."""
        try:
            await asyncio.wait_for(probe(), self.timeout)
        except TimeoutError:
            return f"no answer within {self.timeout:g} s"
        except Exception as exc:  # any failure means "not up"; its text may hold URLs
            return type(exc).__name__
        return None

    def _covered(self, name: str, now: float) -> bool:
        seen = self._up_at.get(name)
        return seen is not None and now - seen <= self.max_stale

    def _note(self, name: str, state: SourceState, failure: str | None) -> None:
        """Log a source's change of state once, not every probe."""
        before = self._states.get(name, "up")
        self._states[name] = state
        if state == before:
            return
        if state == "up":
            log.info("readiness: %s is up again (was %s)", name, before)
        else:
            log.warning("readiness: %s is %s (was %s): %s", name, state, before, failure)


def _probes(up: Upstreams, shared_cache: bool) -> dict[str, Callable[[], Awaitable[None]]]:
    """One probe per configured source, by kind."""
    probes: dict[str, Callable[[], Awaitable[None]]] = {"directory": up.directory.ping}
    if up.hr is not None:
        probes["hr"] = up.hr.ping
    if up.documents is not None:
        probes["documents"] = up.documents.ping
    probes["social"] = up.social.ping
    if shared_cache:
        probes["cache"] = up.cache.ping
    return probes
