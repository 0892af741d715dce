"""Stores of documents remembered by their hash (Apollo's automatic persisted queries).

Owns where a document sent with its hash is kept so later requests may send the
hash alone: the most recently used ones in memory (bounded by count and size), or
Redis shared by instances (namespaced keys, each kept a while after its last use).
The caller (``gateway.trusted.DocumentResolver``) stores only a document whose hash
it checked. A failing Redis forgets, logged at WARNING at most once a minute: the
client then sends its document again; nothing raises to a request.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Protocol

import redis.asyncio

log = logging.getLogger(__name__)


class PersistedQueryStore(Protocol):
    async def get(self, sha256: str) -> str | None: ...
    async def set(self, sha256: str, document: str) -> None: ...
    async def close(self) -> None: ...


class MemoryPersistedQueries:
    """The most recently used documents, at most ``max_entries`` and ``max_bytes``."""

    def __init__(self, max_entries: int = 1000, max_bytes: int = 8 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, str] = OrderedDict()
        self._bytes = 0

    async def get(self, sha256: str) -> str | None:
        document = self._entries.get(sha256)
        if document is not None:
            self._entries.move_to_end(sha256)
        return document

    async def set(self, sha256: str, document: str) -> None:
        if sha256 in self._entries:
            self._entries.move_to_end(sha256)
            return
        self._entries[sha256] = document
        self._bytes += len(document)
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            _, dropped = self._entries.popitem(last=False)
            self._bytes -= len(dropped)

    def __len__(self) -> int:
        return len(self._entries)

    async def close(self) -> None:
        self._entries.clear()
        self._bytes = 0


class RedisPersistedQueries:
    """Documents shared by instances in Redis, ``<namespace>:apq:<sha256>``, each kept
    ``ttl`` seconds after it was last sent. A Redis failure forgets, never raises."""

    def __init__(
        self,
        url: str,
        namespace: str = "townhall",
        *,
        ttl: int = 86_400,
        timeout: float = 0.5,
        warn_every: float = 60.0,
    ) -> None:
        self.ttl = ttl
        self._prefix = f"{namespace}:apq:"
        self._client = redis.asyncio.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._warn_every = warn_every
        self._warned_at: float | None = None

    async def get(self, sha256: str) -> str | None:
        try:
            value = await self._client.getex(self._prefix + sha256, ex=self.ttl)
        except (redis.RedisError, OSError) as exc:
            self._failed(exc)
            return None
        return value.decode() if isinstance(value, bytes) else None

    async def set(self, sha256: str, document: str) -> None:
        try:
            await self._client.set(self._prefix + sha256, document.encode(), ex=self.ttl)
        except (redis.RedisError, OSError) as exc:
            self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        if self._warned_at is None or now - self._warned_at >= self._warn_every:
            self._warned_at = now
            log.warning(
                "persisted queries are not remembered (Redis failed: %s); clients send "
                "their documents again",
                type(exc).__name__,
            )

    async def close(self) -> None:
        await self._client.aclose()
