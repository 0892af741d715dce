"""Resilience for HTTP upstreams: retries with backoff, ``Retry-After``, and a circuit breaker.

Shared by the HTTP connectors (HR over SCIM, documents over WebDAV). Each
connector wraps its one ``httpx.AsyncClient`` in a :class:`ResilientClient` and
maps what escapes to its own exception tree:

    ResilienceError
    ├── CircuitOpen        the breaker is open: the upstream failed repeatedly and is
    │                      being left alone until ``reset_after`` has passed
    └── DeadlineExceeded   the caller's time budget ran out before an answer came

``httpx`` transport errors and timeouts that survive the retries are re-raised
as they are, and the last response is returned as it is (the connector decides
what a 4xx or 5xx means). Only idempotent methods are retried unless the caller
says a request is safe to repeat.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

log = logging.getLogger(__name__)

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PROPFIND", "REPORT"})


class ResilienceError(Exception):
    """Base class of what the resilience layer raises itself."""


class CircuitOpen(ResilienceError):
    """The circuit breaker is open: no request was sent."""


class DeadlineExceeded(ResilienceError):
    """The caller's deadline passed before the upstream answered."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When and how long to wait before trying a request again."""

    attempts: int = 3  # tries in all, the first included
    base_delay: float = 0.1  # seconds before the first retry; doubles each time
    max_delay: float = 5.0  # never wait longer than this, whatever Retry-After says
    retry_statuses: frozenset[int] = frozenset({429, 502, 503, 504})
    jitter: float = 0.2  # +/- fraction of each delay, so clients do not retry in step

    def backoff(self, retry: int) -> float:
        delay: float = min(self.max_delay, self.base_delay * (2**retry))
        return max(0.0, delay * (1 + random.uniform(-self.jitter, self.jitter)))


@dataclass(slots=True)
class CircuitBreaker:
    """Opens after ``failure_threshold`` consecutive failures; lets one probe through
    after ``reset_after`` seconds (half-open) and closes again when it succeeds."""

    failure_threshold: int = 5
    reset_after: float = 30.0
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    opened_at: float | None = None
    _probing: bool = field(default=False, repr=False)

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        if self.clock() - self.opened_at >= self.reset_after:
            return "half-open"
        return "open"

    def before_call(self) -> None:
        state = self.state
        if state == "open" or (state == "half-open" and self._probing):
            raise CircuitOpen("the upstream is failing; not calling it for now")
        if state == "half-open":
            self._probing = True

    def record_success(self) -> None:
        if self.opened_at is not None:
            log.info("circuit closed: the upstream answers again")
        self.failures = 0
        self.opened_at = None
        self._probing = False

    def record_failure(self) -> None:
        self.failures += 1
        if self._probing or self.failures >= self.failure_threshold:
            if self.opened_at is None or self._probing:
                log.warning("circuit opened after %d failures", self.failures)
            self.opened_at = self.clock()
        self._probing = False


class ResilientClient:
    """``request()`` with retries, backoff, ``Retry-After`` and a circuit breaker."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        self.client = client
        self.retry = retry or RetryPolicy()
        self.breaker = breaker or CircuitBreaker()
        self._sleep = sleep
        self.requests = 0  # requests actually sent, retries included

    async def request(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool | None = None,
        deadline: float | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send a request; ``deadline`` is a ``time.monotonic()`` instant to give up by."""
        self.breaker.before_call()
        repeatable = method.upper() in IDEMPOTENT if idempotent is None else idempotent
        attempts = self.retry.attempts if repeatable else 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            timeout = _remaining(deadline)
            if timeout is not None:
                kwargs["timeout"] = timeout
            try:
                self.requests += 1
                response = await self.client.request(method, url, **kwargs)
            except (httpx.TimeoutException, httpx.TransportError):
                if last or not await self._wait(self.retry.backoff(attempt), deadline):
                    self.breaker.record_failure()
                    raise
                continue
            if response.status_code in self.retry.retry_statuses and not last:
                delay = _retry_after(response)
                if delay is None:
                    delay = self.retry.backoff(attempt)
                if delay <= self.retry.max_delay and await self._wait(delay, deadline):
                    await response.aclose()
                    continue
            if response.status_code >= 500 or response.status_code == 429:
                self.breaker.record_failure()
            else:
                self.breaker.record_success()
            return response
        raise AssertionError("unreachable")

    async def _wait(self, delay: float, deadline: float | None) -> bool:
        """Sleep before a retry; ``False`` when that would pass the deadline."""
        if deadline is not None and time.monotonic() + delay >= deadline:
            return False
        await self._sleep(delay)
        return True


def _remaining(deadline: float | None) -> float | None:
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded("the time allowed for this upstream has run out")
    return left


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait, from ``Retry-After`` as delta-seconds or an HTTP date."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
