"""The response cache's change generation: one number that every change bumps.

Cached answers (``gateway.response_cache``) are keyed by it, so a bump ends them all at
once. It is bumped after every mutation, after every committed write the social store
tells its change or follow listeners of, and whenever records are dropped from the record
cache for a change or a reset (``RecordCache.change_listeners``: the directory, HR and
document change feeds). In one process it is a counter; with the Redis cache backend it
is also a Redis counter that every instance and the worker bump and read, so all agree.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from .loaders import Upstreams
    from .settings import Settings

__all__ = ["Generation", "report_changes"]

log = logging.getLogger("townhall.responses")


class Generation:
    """The change generation: in this process, and in Redis shared by instances."""

    def __init__(self, redis: Redis | None = None, key: str = "townhall:responses:generation"):
        self.local = 0
        self.listeners: list[Callable[[], None]] = []  # told of every bump made here
        self._redis = redis
        self._key = key
        self._failing = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Generation:
        if settings.cache.backend != "redis":
            return cls()
        from redis.asyncio import Redis

        redis = Redis.from_url(settings.cache.redis_url, socket_timeout=2)
        return cls(redis, f"{settings.cache.namespace}:responses:generation")

    @property
    def shared(self) -> bool:
        """Whether the generation is kept in Redis too (else ``local`` is all of it)."""
        return self._redis is not None

    async def current(self) -> tuple[int, int] | None:
        """This generation (``None``: Redis cannot be read, nothing may be cached)."""
        if self._redis is None:
            return self.local, 0
        try:
            shared = await self._redis.get(self._key)
        except Exception as exc:  # redis down: answers run, nothing is cached
            self._note_failure(exc)
            return None
        self._failing = False
        return self.local, int(shared or 0)

    async def bump(self) -> None:
        self.local += 1
        for listener in self.listeners:
            listener()
        if self._redis is not None:
            try:
                await self._redis.incr(self._key)
            except Exception as exc:
                self._note_failure(exc)

    def _note_failure(self, exc: Exception) -> None:
        if not self._failing:
            self._failing = True
            log.warning("the response cache's generation is unreachable (%s)", type(exc).__name__)

    def watch(self, upstreams: Upstreams) -> Callable[[], None]:
        """Bump on every change the store and the record cache report; returns the undo."""

        async def on_store(*_: Any) -> None:
            await self.bump()

        hooks: list[tuple[list[Any], Any]] = [
            (upstreams.social.change_listeners, on_store),
            (upstreams.social.follow_listeners, on_store),
            (upstreams.cache.change_listeners, self.bump),
        ]
        for listeners, hook in hooks:
            listeners.append(hook)

        def undo() -> None:
            for listeners, hook in hooks:
                with contextlib.suppress(ValueError):
                    listeners.remove(hook)

        return undo

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()


def report_changes(
    settings: Settings, upstreams: Upstreams, stack: contextlib.AsyncExitStack
) -> None:
    """In a process that serves no GraphQL (``townhall worker``): bump the shared
    generation on what its jobs change, so every instance's cached answers go (Redis
    only: a worker beside memory caches shares nothing with them)."""
    if settings.cache.responses and settings.cache.backend == "redis":
        generation = Generation.from_settings(settings)
        stack.push_async_callback(generation.close)
        stack.callback(generation.watch(upstreams))
