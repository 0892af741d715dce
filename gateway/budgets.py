"""Per-viewer budgets: how many cost units each viewer may spend per window (a minute).

Owns the budget decision for one operation (allowed or not, what is left, when it
comes back), its IETF RateLimit header fields, and the viewer's digest that keys a
budget (and may be logged) in place of the raw GUID.

Counting is the ``limits`` library's *sliding window counter*, in memory (per
instance) or in Redis (shared by instances, with the ``redis`` package's asyncio
client). Chosen over the other two strategies because:

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
from typing import TYPE_CHECKING, Literal

import redis.asyncio
from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage
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
    digest on every instance without a shared secret, and no raw id lands in Redis.
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


class Budgets:
    """Cost budgets per viewer: ``await spend(viewer_digest(guid), cost)`` once per operation."""

    def __init__(
        self,
        storage: MemoryStorage | RedisStorage | None,
        *,
        limit: int,
        window: int = 60,
        pool: redis.asyncio.ConnectionPool | None = None,
        pause_after_failure: float = 5.0,
        warn_every: float = 60.0,
    ) -> None:
        if limit < 0 or window < 1:
            raise ValueError("a budget needs limit >= 0 and a window of at least one second")
        self.limit = limit
        self.window = window
        self._storage = storage if limit else None
        self._limiter = (
            SlidingWindowCounterRateLimiter(self._storage) if self._storage is not None else None
        )
        self._item = RateLimitItemPerSecond(limit or 1, window, namespace=POLICY)
        self._pool = pool
        self._pause_after_failure = pause_after_failure
        self._warn_every = warn_every
        self._paused_until = 0.0
        self._warned_at: float | None = None

    @classmethod
    def memory(cls, limit: int, *, window: int = 60) -> Budgets:
        """Budgets counted in this process (one gateway instance)."""
        return cls(MemoryStorage(), limit=limit, window=window)

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
        pool = redis.asyncio.ConnectionPool.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        storage = RedisStorage(
            f"async+{url}",
            wrap_exceptions=True,
            implementation="redispy",
            key_prefix=f"{namespace}:budget",
            connection_pool=pool,  # type: ignore[arg-type]  # passed through to redis-py
        )
        return cls(
            storage,
            limit=limit,
            window=window,
            pool=pool,
            pause_after_failure=pause_after_failure,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Budgets:
        """``limits.budget_per_minute`` (0: no budget) in ``limits.budget_storage``."""
        limit = settings.limits.budget_per_minute
        if limit and settings.limits.budget_storage == "redis":
            return cls.redis(settings.cache.redis_url, limit, namespace=settings.cache.namespace)
        return cls.memory(limit)

    @property
    def enabled(self) -> bool:
        return self._limiter is not None

    async def spend(self, viewer_key: str, cost: int) -> BudgetDecision:
        """Spend ``cost`` units of the viewer's budget, or refuse without spending any.

        An operation costing more than the whole budget is always refused. Never raises
        for a storage failure: the operation is then allowed, uncounted.
        """
        if cost < 0:
            raise ValueError("cost must not be negative")
        if self._storage is None or self._limiter is None:
            return self._uncounted(cost)
        if time.monotonic() < self._paused_until:
            return self._uncounted(cost)
        item = self._item
        try:
            # The library refuses cost > limit itself; checking first saves a round trip.
            allowed = cost <= self.limit and await self._limiter.hit(item, viewer_key, cost=cost)
            window = await self._storage.get_sliding_window(
                item.key_for(viewer_key), item.get_expiry()
            )
        except (StorageError, redis.RedisError, OSError) as exc:
            self._failed(exc)
            return self._uncounted(cost)
        previous, previous_ttl, current, current_ttl = window
        return self._decide(
            allowed, cost, int(previous), float(previous_ttl), int(current), float(current_ttl)
        )

    def _decide(
        self,
        allowed: bool,
        cost: int,
        previous: int,
        previous_ttl: float,
        current: int,
        current_ttl: float,
    ) -> BudgetDecision:
        limit, window = self.limit, self.window
        # As the library weighs it: the previous window counts for the share of it still
        # inside the sliding window (its TTL over the window), floored.
        spent = math.floor(previous * previous_ttl / window) + current
        remaining = max(0, limit - spent)
        # The current window's counter lives two windows; past the first it becomes the
        # previous one and fades out over the next.
        reset_after = current_ttl if current else previous_ttl if previous else 0.0
        if allowed:
            return BudgetDecision(True, limit, remaining, reset_after, 0, window, cost)
        if cost > limit:
            return BudgetDecision(
                False, limit, remaining, reset_after, 0, window, cost, reason="exceeds_budget"
            )
        wait = _time_until_fits(
            limit - cost, window, previous, previous_ttl, current, max(0.0, current_ttl - window)
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
        """Release the store: Redis connections, or the memory store's expiry timer."""
        if self._pool is not None:
            await self._pool.aclose()
        if isinstance(self._storage, MemoryStorage):
            timer = self._storage.timer
            if timer is not None and not timer.done():
                timer.cancel()


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
