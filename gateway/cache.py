"""Upstream records cached across requests (in process, or in Redis shared by instances).

The cache holds connector *records*, never GraphQL results: permission and
privacy rules run on every request, after the cache. Every entry remembers
when it was fetched. A key the upstream does not know is remembered as missing
(for a shorter time) so a bad id cannot hammer the upstream.

In process, records live in ``gateway.memory_cache.MemoryStore`` (bounded, no timer per
key), made lighter first (``gateway.compact``); Redis is reached through aiocache, imported
only when Redis is configured.
In Redis, records are stored as JSON (pydantic), never pickled: a shared cache
must not be able to run code in the gateway. Concurrent misses for the same
keys are coalesced in-process (single flight): one upstream call, many waiters.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import TypeAdapter
from pydantic_core import to_jsonable_python

from .compact import Compactor
from .memory_cache import Entry, MemoryStore
from .metrics import observe_cache

if TYPE_CHECKING:
    from aiocache.base import BaseCache

__all__ = ["DEFAULT_MAX_ENTRIES", "Entry", "RecordCache"]

log = logging.getLogger(__name__)

R = TypeVar("R")


DEFAULT_MAX_ENTRIES = 1_000_000  # as CacheSettings.memory_max_entries: 100k people fit


@dataclass(frozen=True, slots=True)
class _Source:
    """How to fetch one kind of record, and how long to keep what comes back."""

    kind: str
    fetch: Callable[[list[str]], Awaitable[Sequence[Any]]]
    keep_for: float  # fresh TTL plus the time a stale record may still be served
    missing_ttl: float


class RecordCache:
    """``get_many``/``set_many`` of typed records, in process or over aiocache's Redis."""

    def __init__(self, backend: BaseCache | MemoryStore) -> None:
        # The in-process store (``fresh`` reads it directly), or Redis through aiocache.
        self._store = backend if isinstance(backend, MemoryStore) else None
        self._backend = None if isinstance(backend, MemoryStore) else backend
        self._compactor = Compactor()  # records kept in process are made lighter first
        self._inflight: dict[str, asyncio.Task[dict[str, Any]]] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._failing: set[str] = set()  # kinds whose last upstream fetch failed
        self.hits = 0
        self.misses = 0
        # Told after records are dropped for a change (change feeds) or all are cleared:
        # the response cache stops serving answers built from them (gateway.response_cache).
        self.change_listeners: list[Callable[[], Awaitable[None]]] = []

    @classmethod
    def memory(cls, *, max_entries: int = DEFAULT_MAX_ENTRIES) -> RecordCache:
        """In this process, at most ``max_entries`` entries (0: no bound). No namespace:
        that only separates instances sharing Redis, and a process's memory is its own."""
        return cls(MemoryStore(max_entries))

    @classmethod
    def redis(cls, url: str, namespace: str = "townhall") -> RecordCache:
        from urllib.parse import urlsplit

        from aiocache import RedisCache  # here: a worker without Redis never loads it

        parts = urlsplit(url)
        backend = RedisCache(
            endpoint=parts.hostname or "127.0.0.1",
            port=parts.port or 6379,
            db=int((parts.path or "/0").strip("/") or 0),
            password=parts.password,
            namespace=namespace,
            serializer=_raw_bytes(),
            timeout=2,
        )
        return cls(backend)

    @property
    def store(self) -> MemoryStore | None:
        """The in-process store (its size, its bound); ``None`` for Redis."""
        return self._store

    async def close(self) -> None:
        if self._backend is not None:
            await self._backend.close()

    async def ping(self) -> None:
        """One round trip to the backend (an ``EXISTS`` in Redis): it answers."""
        if self._backend is not None:
            await self._backend.exists("health:ping")

    async def clear(self) -> None:
        if self._store is not None:
            self._store.clear()
        else:
            assert self._backend is not None
            await self._backend.clear()
        for listener in self.change_listeners:
            await listener()

    async def get_many(
        self, kind: str, keys: Sequence[str], model: type[R]
    ) -> list[Entry[R] | None]:
        """Entries for each key in order; ``None`` where nothing is cached."""
        if not keys:
            return []
        entries: list[Entry[R] | None]
        if self._store is not None:
            entries = self._store.get_many(kind, keys, time.time())
        else:
            assert self._backend is not None
            values = await self._backend.multi_get([f"{kind}:{k}" for k in keys])
            entries = [self._decode(v, model) if v is not None else None for v in values]
        hits = sum(e is not None for e in entries)
        self.hits += hits
        self.misses += len(entries) - hits
        return entries

    @property
    def in_memory(self) -> bool:
        """Whether ``fresh`` can answer (the in-memory backend)."""
        return self._store is not None

    def fresh(
        self, kind: str, keys: Sequence[str], *, ttl: float, missing_ttl: float
    ) -> list[Any] | None:
        """The records for ``keys`` when every one is a fresh hit in the in-memory cache,
        read without waiting; else ``None`` (ask ``load``). A warm request's lookups come
        here: a plain dict read per key, nothing scheduled, nothing awaited."""
        if self._store is None:
            return None
        # Read afresh each time: clear() puts a new dict in place.
        mapping = self._store.kinds.get(kind)
        if mapping is None:
            return None
        now = time.time()
        found: list[Any] = []
        for key in keys:
            entry = mapping.get(key)
            if entry is None or entry.expires_at <= now:
                return None
            record = entry.record
            if now - entry.fetched_at > (ttl if record is not None else missing_ttl):
                return None  # stale: ``load`` serves it and refreshes it in the background
            found.append(record)
        self.hits += len(found)
        observe_cache(kind, len(found), 0, 0)
        return found

    async def set_many(
        self, kind: str, records: dict[str, Any], *, ttl: float, missing_ttl: float
    ) -> None:
        """Store records (``None`` = known missing) with their time-to-live."""
        await self.set_many_kinds({kind: records}, ttl=ttl, missing_ttl=missing_ttl)

    async def set_many_kinds(
        self, kinds: dict[str, dict[str, Any]], *, ttl: float, missing_ttl: float
    ) -> None:
        """Store records of several kinds at once, as ``set_many`` does each. In process, a
        record stored under several keys (a person by GUID, DN, UPN and account name)
        holds one entry for them all."""
        now = time.time()
        store = self._store
        if store is not None:
            shared: dict[int, Entry[Any]] = {}  # the records are alive until this returns
            for kind, records in kinds.items():
                for record in records.values():
                    self._compactor.compact(record)
                if ttl > 0:
                    found = ((k, v) for k, v in records.items() if v is not None)
                    store.set_many(kind, found, now, now + ttl, shared)
                if missing_ttl > 0:
                    unknown = ((k, v) for k, v in records.items() if v is None)
                    store.set_many(kind, unknown, now, now + missing_ttl)
            return
        assert self._backend is not None
        for kind, records in kinds.items():
            present = [
                (f"{kind}:{k}", self._encode(v, now)) for k, v in records.items() if v is not None
            ]
            missing = [
                (f"{kind}:{k}", self._encode(None, now)) for k, v in records.items() if v is None
            ]
            if present and ttl > 0:
                await self._backend.multi_set(present, ttl=ttl)
            if missing and missing_ttl > 0:
                await self._backend.multi_set(missing, ttl=missing_ttl)

    async def delete(self, kind: str, keys: Sequence[str]) -> None:
        for key in keys:
            if self._store is not None:
                self._store.delete(kind, key)
            else:
                assert self._backend is not None
                await self._backend.delete(f"{kind}:{key}")
        for listener in self.change_listeners if keys else ():
            await listener()

    async def load(
        self,
        kind: str,
        keys: Sequence[str],
        model: type[R],
        fetch: Callable[[list[str]], Awaitable[Sequence[R | None]]],
        *,
        ttl: float,
        missing_ttl: float,
        stale_for: float = 0.0,
        on_stale: Callable[[float, bool], None] | None = None,
    ) -> list[R | None]:
        """Records for ``keys``: fresh from the cache, else from ONE call to ``fetch``.

        A record past ``ttl`` but younger than ``ttl + stale_for`` is served at
        once while one background refresh runs (stale-while-revalidate); while the
        upstream keeps failing it goes on being served (stale-if-error) until it
        is too old. ``on_stale(fetched_at, failing)`` is told when that happens.
        Keys another task is already fetching are awaited, not fetched again, and
        a caller that gives up (a per-request deadline) does not cancel the fetch
        that others, and the cache, are waiting for.
        """
        now = time.time()
        entries = await self.get_many(kind, keys, model)
        result: dict[str, R | None] = {}
        stale: list[str] = []
        oldest = now
        for key, entry in zip(keys, entries, strict=True):
            if entry is None or key in result:
                continue
            limit = ttl if entry.record is not None else missing_ttl
            result[key] = entry.record
            if now - entry.fetched_at > limit:
                stale.append(key)
                oldest = min(oldest, entry.fetched_at)
        source = _Source(kind, fetch, ttl + stale_for, missing_ttl)
        if stale:
            if on_stale is not None:
                on_stale(oldest, kind in self._failing)
            self._refresh_later(source, stale)
        misses = [k for k in dict.fromkeys(keys) if k not in result]
        observe_cache(kind, len(result) - len(stale), len(stale), len(misses))
        if misses:
            result.update(await self._fetch_shared(source, misses))
        return [result[k] for k in keys]

    async def _fetch_shared(self, source: _Source, keys: list[str]) -> dict[str, Any]:
        """Fetch ``keys`` once across concurrent callers (single flight)."""
        kind = source.kind
        tasks: dict[str, asyncio.Task[dict[str, Any]]] = {}
        mine = [k for k in keys if f"{kind}:{k}" not in self._inflight]
        for key in keys:
            if key not in mine:
                tasks[key] = self._inflight[f"{kind}:{key}"]
        if mine:
            task = asyncio.create_task(self._fetch_and_store(source, mine))
            for key in mine:
                self._inflight[f"{kind}:{key}"] = task
                tasks[key] = task
            task.add_done_callback(lambda t: self._forget(kind, mine, t))
        found: dict[str, Any] = {}
        for task in {id(t): t for t in tasks.values()}.values():
            found.update(await asyncio.shield(task))
        return {k: found[k] for k in keys}

    async def _fetch_and_store(self, source: _Source, keys: list[str]) -> dict[str, Any]:
        try:
            fetched = list(await source.fetch(keys))
        except Exception:
            self._failing.add(source.kind)
            raise
        self._failing.discard(source.kind)
        records = dict(zip(keys, fetched, strict=True))
        await self.set_many(
            source.kind, records, ttl=source.keep_for, missing_ttl=source.missing_ttl
        )
        return records

    def _refresh_later(self, source: _Source, keys: list[str]) -> None:
        """Refresh stale keys in the background, once, whoever else asks meanwhile."""
        kind = source.kind
        wanted = [k for k in keys if f"{kind}:{k}" not in self._inflight]
        if not wanted:
            return

        async def refresh() -> None:
            try:
                await self._fetch_shared(source, wanted)
            except Exception as exc:  # the stale records stay and keep being served
                log.warning("refreshing %d stale %s records failed: %s", len(wanted), kind, exc)

        task = asyncio.create_task(refresh())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _forget(self, kind: str, keys: list[str], task: asyncio.Task[Any]) -> None:
        for key in keys:
            if self._inflight.get(f"{kind}:{key}") is task:
                del self._inflight[f"{kind}:{key}"]
        if not task.cancelled():
            task.exception()  # retrieved here: every waiter re-raises it itself

    def _encode(self, record: Any, now: float) -> Any:
        # Records, lists of records (reports, groups, listings), GUID lists: all as JSON.
        body = to_jsonable_python(record)
        return json.dumps({"t": now, "r": body}, separators=(",", ":"))

    def _decode(self, value: Any, model: type[R]) -> Entry[R] | None:
        try:
            data = json.loads(value)
            raw = data["r"]
            record = None if raw is None else _adapter(model).validate_python(raw)
            return Entry(record, float(data["t"]))
        except (ValueError, KeyError, TypeError):  # includes a bad UTF-8 sequence
            log.warning("dropping an unreadable cache entry of %s", model)
            return None


def _raw_bytes() -> Any:
    """An aiocache serializer that passes values through untouched and undecoded: entries
    are JSON made by RecordCache. Made here, so aiocache loads only with Redis."""
    from aiocache.serializers import BaseSerializer

    class RawBytes(BaseSerializer):  # type: ignore[misc]
        DEFAULT_ENCODING = None

        def dumps(self, value: Any) -> Any:
            return value

        def loads(self, value: Any) -> Any:
            return value

    return RawBytes()


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(model: Any) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        adapter = _ADAPTERS[model] = TypeAdapter(model)
    return adapter
