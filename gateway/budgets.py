"""Per-viewer budgets: how many cost units each viewer may spend per window (a minute).

Owns the budget decision for one operation (allowed or not, what is left, when it
comes back), its IETF RateLimit header fields, and the viewer's digest that keys a
budget (and may be logged) in place of the raw GUID.

Counting is the *sliding window counter* of the ``limits`` library: in Redis (shared
by instances) through the library itself, with the ``redis`` package's asyncio
client; in memory (one instance) by ``_MemoryWindows``, the same weighting kept in a
dict, because the library's memory storage sweeps every key after each spend (6 ms
an operation with 30,000 viewers counted). Chosen over the other two strategies:

- a *moving window* keeps one entry per unit spent: a 200,000-unit budget would be
  a 200,000-entry list per viewer, and every spend would cost its cost in writes;
- a *fixed window* counts before it compares, so a refused operation would still
  consume, and a viewer could spend twice the budget across a window's edge;
- the sliding window counter keeps two counters per viewer, refuses without
  consuming (one atomic Lua script in Redis), and weights the previous window so
  no edge doubles the budget.

Nothing here raises to a request: a failing Redis lets operations through (fail
open), logged at WARNING at most once a minute, and Redis is left alone for a
few seconds after a failure so a dead server costs no latency. Refusals are not
logged here: the caller's one line per request says what was refused.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

import redis.asyncio
from limits import RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError

if TYPE_CHECKING:
    from .settings import Settings

log = logging.getLogger(__name__)

POLICY = "viewer"  # the quota policy's name in the RateLimit fields
_DIGEST_NAMESPACE = b"townhall:viewer:v1\x00"

Refusal = Literal["over_budget", "exceeds_budget"]


def viewer_digest(guid: str) -> str:
    """A stable pseudonym of a viewer's GUID (32 hex digits) for budget keys and logs.

    SHA-256 under a namespace, of the GUID lowercased: the same person has the same
    digest on every instance without a shared secret, and no raw id lands in Redis or
    a log. Unkeyed, so whoever holds the directory's GUIDs can tell whose digest it is;
    a keyed HMAC shared by the instances is the stronger choice where that matters.
    """
    return hashlib.sha256(_DIGEST_NAMESPACE + guid.strip().lower().encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class BudgetDecision:
    """What a viewer's budget says about one operation.

    ``remaining`` is what is left after this operation (if allowed); ``reset_after``
    the seconds until the whole budget is back; ``retry_after`` (refused only) the
    seconds until an operation of this cost would fit, 0 when it never will
    (``reason == "exceeds_budget"``). ``counted`` is false when no budget applies:
    budgets are off, or the store failed and the operation was let through.
    """

    allowed: bool
    limit: int
    remaining: int
    reset_after: float
    retry_after: int
    window: int = 60
    cost: int = 0
    counted: bool = True
    reason: Refusal | None = None

    def headers(self) -> dict[str, str]:
        """``RateLimit-Policy`` and ``RateLimit`` (draft-ietf-httpapi-ratelimit-headers-11),
        plus ``Retry-After`` when refused; none when nothing was counted."""
        if not self.counted:
            return {}
        # t: when refused, the wait before this cost fits (so Retry-After is never earlier
        # than the window the fields describe); else until the whole budget is back.
        effective = self.retry_after if not self.allowed else math.ceil(self.reset_after)
        headers = {
            "RateLimit-Policy": f'"{POLICY}";q={self.limit};w={self.window}',
            "RateLimit": f'"{POLICY}";r={self.remaining};t={effective}',
        }
        if not self.allowed and self.retry_after > 0:
            headers["Retry-After"] = str(self.retry_after)
        return headers


@dataclass(frozen=True, slots=True)
class _Window:
    """A spend's outcome and the viewer's window after it, as the sliding counter sees it:
    the previous window's count and seconds left, the current window's count and its
    counter's seconds left (the current window's remainder plus one window)."""

    allowed: bool
    previous: int
    previous_ttl: float
    current: int
    current_ttl: float


class _Counter(Protocol):
    async def spend(self, key: str, cost: int, limit: int) -> _Window: ...
    async def close(self) -> None: ...


class _MemoryWindows:
    """The sliding window counter in this process: windows aligned on the clock, one
    entry per viewer, entries older than the previous window dropped once per window."""

    def __init__(self, window: int) -> None:
        self.window = window
        self._entries: dict[str, tuple[int, int, int]] = {}  # key: window index, previous, current
        self._swept = 0

    async def spend(self, key: str, cost: int, limit: int) -> _Window:
        now = time.time()
        index = int(now // self.window)
        into = now - index * self.window
        if index != self._swept:
            self._swept = index
            self._entries = {k: e for k, e in self._entries.items() if e[0] >= index - 1}
        seen, previous, current = self._entries.get(key, (index, 0, 0))
        if seen != index:
            previous, current = (current, 0) if seen == index - 1 else (0, 0)
        left = self.window - into
        allowed = math.floor(previous * left / self.window) + current + cost <= limit
        if allowed:
            current += cost
        self._entries[key] = (index, previous, current)
        return _Window(allowed, previous, left if previous else 0.0, current, left + self.window)

    def __len__(self) -> int:
        return len(self._entries)

    async def close(self) -> None:
        self._entries.clear()


class _RedisWindows:
    """The ``limits`` library's sliding window counter in Redis: one atomic Lua script
    spends or refuses, a second reads the window."""

    def __init__(self, url: str, window: int, namespace: str, timeout: float) -> None:
        self.window = window
        self._pool = redis.asyncio.ConnectionPool.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._storage = RedisStorage(
            f"async+{url}",
            wrap_exceptions=True,
            implementation="redispy",
            key_prefix=f"{namespace}:budget",
            connection_pool=self._pool,  # type: ignore[arg-type]  # passed through to redis-py
        )
        self._limiter = SlidingWindowCounterRateLimiter(self._storage)

    async def spend(self, key: str, cost: int, limit: int) -> _Window:
        item = RateLimitItemPerSecond(limit, self.window, namespace=POLICY)
        # The library refuses cost > limit itself; checking first saves a round trip.
        allowed = cost <= limit and await self._limiter.hit(item, key, cost=cost)
        previous, previous_ttl, current, current_ttl = await self._storage.get_sliding_window(
            item.key_for(key), item.get_expiry()
        )
        return _Window(allowed, previous, previous_ttl, current, current_ttl)

    async def close(self) -> None:
        await self._pool.aclose()


class Budgets:
    """Cost budgets per viewer: ``await spend(viewer_digest(guid), cost)`` once per operation."""

    def __init__(
        self,
        counter: _Counter | None,
        *,
        limit: int,
        window: int = 60,
        pause_after_failure: float = 5.0,
        warn_every: float = 60.0,
    ) -> None:
        if limit < 0 or window < 1:
            raise ValueError("a budget needs limit >= 0 and a window of at least one second")
        self.limit = limit
        self.window = window
        self._counter = counter
        self._pause_after_failure = pause_after_failure
        self._warn_every = warn_every
        self._paused_until = 0.0
        self._warned_at: float | None = None

    @classmethod
    def memory(cls, limit: int, *, window: int = 60) -> Budgets:
        """Budgets counted in this process (one gateway instance)."""
        return cls(_MemoryWindows(window), limit=limit, window=window)

    @classmethod
    def redis(
        cls,
        url: str,
        limit: int,
        *,
        window: int = 60,
        namespace: str = "townhall",
        timeout: float = 0.5,
        pause_after_failure: float = 5.0,
    ) -> Budgets:
        """Budgets shared by every instance using the same Redis (keys ``<namespace>:budget:*``).

        ``timeout`` bounds each Redis call: a slow Redis delays an operation by at most
        that, then the budget fails open.
        """
        counter = _RedisWindows(url, window, namespace, timeout)
        return cls(counter, limit=limit, window=window, pause_after_failure=pause_after_failure)

    @classmethod
    def from_settings(cls, settings: Settings) -> Budgets:
        """``limits.budget_per_minute`` (0: no budget) in ``limits.budget_storage``."""
        limit = settings.limits.budget_per_minute
        if limit and settings.limits.budget_storage == "redis":
            return cls.redis(settings.cache.redis_url, limit, namespace=settings.cache.namespace)
        return cls.memory(limit)

    @property
    def enabled(self) -> bool:
        return self._counter is not None and self.limit > 0

    async def spend(self, viewer_key: str, cost: int) -> BudgetDecision:
        """Spend ``cost`` units of the viewer's budget, or refuse without spending any.

        An operation costing more than the whole budget is always refused. Never raises
        for a storage failure: the operation is then allowed, uncounted.
        """
        if cost < 0:
            raise ValueError("cost must not be negative")
        if self._counter is None or not self.limit or time.monotonic() < self._paused_until:
            return self._uncounted(cost)
        try:
            window = await self._counter.spend(viewer_key, cost, self.limit)
        except (StorageError, redis.RedisError, OSError) as exc:
            self._failed(exc)
            return self._uncounted(cost)
        return self._decide(window, cost)

    def _decide(self, w: _Window, cost: int) -> BudgetDecision:
        limit, window = self.limit, self.window
        # As the library weighs it: the previous window counts for the share of it still
        # inside the sliding window (its seconds left over the window), floored.
        spent = math.floor(w.previous * w.previous_ttl / window) + w.current
        remaining = max(0, limit - spent)
        # The current window's counter lives two windows; past the first it becomes the
        # previous one and fades out over the next.
        reset_after = w.current_ttl if w.current else w.previous_ttl if w.previous else 0.0
        if w.allowed:
            return BudgetDecision(True, limit, remaining, reset_after, 0, window, cost)
        if cost > limit:
            return BudgetDecision(
                False, limit, remaining, reset_after, 0, window, cost, reason="exceeds_budget"
            )
        wait = _time_until_fits(
            limit - cost,
            window,
            w.previous,
            w.previous_ttl,
            w.current,
            max(0.0, w.current_ttl - window),
        )
        return BudgetDecision(
            False, limit, remaining, reset_after, max(1, math.ceil(wait)), window, cost,
            reason="over_budget",
        )  # fmt: skip

    def _uncounted(self, cost: int) -> BudgetDecision:
        return BudgetDecision(
            True, self.limit, self.limit, 0.0, 0, self.window, cost, counted=False
        )

    def _failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        self._paused_until = now + self._pause_after_failure
        if self._warned_at is None or now - self._warned_at >= self._warn_every:
            self._warned_at = now
            log.warning(
                "viewer budgets are not counted (budget store failed: %s); operations are "
                "let through",
                type(exc.__cause__ or exc).__name__,
            )

    async def close(self) -> None:
        """Release the store (Redis connections)."""
        if self._counter is not None:
            await self._counter.close()


def _time_until_fits(
    target: int,
    window: int,
    previous: int,
    previous_ttl: float,
    current: int,
    window_left: float,
) -> float:
    """Seconds until the weighted count falls to ``target`` if nothing more is spent.

    Until the current window ends (``window_left``) the previous count fades linearly;
    then the current count becomes the previous one and fades over a whole window.
    """
    if current <= target:
        if not previous:
            return 0.0
        return max(0.0, previous_ttl - (target - current) * window / previous)
    return window_left + window * (1 - target / current)
