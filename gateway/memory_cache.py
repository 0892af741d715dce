"""The in-process record store behind ``RecordCache.memory()``: bounded, with no timer per key.

One plain dict per kind of record (``person``, ``hr``, ``reports``…) maps a key to its
:class:`Entry`. An entry knows when it was fetched and when it expires; expiry is checked
on every read, and expired entries are swept from a kind when enough has been written to
it since its last sweep (amortised: no sweep costs more than the writes that led to it).
aiocache's memory backend, which this replaces, keeps an event-loop timer per key (about
300 bytes a key with its handle, heap slot and bookkeeping) and a namespaced copy of
every key: at 100,000 people (600,000 keys) that was about 300 MB of a worker.

The store is bounded (``max_entries``, ``cache.memory_max_entries``): a write that takes
it past the bound first drops what has expired, then the oldest-written tenth of every
kind, so a worker's memory has a ceiling whatever is asked of it. An entry rewritten
counts as newly written.

Keys per kind rather than one ``"kind:key"`` string: a key is often the very string the
record holds (a GUID, an employee number), so a cached record costs no key of its own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any, Generic, TypeVar

from .metrics import observe_evictions

R = TypeVar("R")

SWEEP_AFTER = 1024  # writes to a kind before its expired entries may be swept
EVICT_FRACTION = 0.1  # of each kind, oldest written first, when the bound is passed


@dataclass(frozen=True, slots=True)
class Entry(Generic[R]):
    """A cached record (``None`` = the upstream has no such key), when it was fetched, and
    when it expires (in the memory store; ``inf`` where the backend expires it itself)."""

    record: R | None
    fetched_at: float
    expires_at: float = math.inf


class MemoryStore:
    """Entries by kind and key; expiry on read and by sweeps on write; at most
    ``max_entries`` entries (0: no bound)."""

    def __init__(self, max_entries: int = 0) -> None:
        self.max_entries = max_entries
        # Read directly by RecordCache.fresh (the warm path): replaced, not emptied, by clear().
        self.kinds: dict[str, dict[str, Entry[Any]]] = {}
        self._writes: dict[str, int] = {}  # writes to each kind since its last sweep
        self.evicted = 0  # entries dropped by the bound (not by expiry), since start

    def __len__(self) -> int:
        return sum(len(entries) for entries in self.kinds.values())

    def get_many(self, kind: str, keys: Iterable[str], now: float) -> list[Entry[Any] | None]:
        """The live entry of each key, in order; ``None`` where none is (an expired one is
        dropped on the way)."""
        entries = self.kinds.get(kind)
        if entries is None:
            return [None for _ in keys]
        found: list[Entry[Any] | None] = []
        for key in keys:
            entry = entries.get(key)
            if entry is not None and entry.expires_at <= now:
                del entries[key]
                entry = None
            found.append(entry)
        return found

    def set_many(
        self,
        kind: str,
        records: Iterable[tuple[str, Any]],
        fetched_at: float,
        expires_at: float,
        shared: dict[int, Entry[Any]] | None = None,
    ) -> None:
        """Store each ``(key, record)`` as fetched at ``fetched_at``, kept until ``expires_at``.

        ``shared`` (by the record's ``id``, for records alive for as long as it is used):
        one record stored under several keys, at the same times, holds one entry."""
        entries = self.kinds.get(kind)
        if entries is None:
            entries = self.kinds[kind] = {}
        written = 0
        for key, record in records:
            entry = None if shared is None else shared.get(id(record))
            if entry is None or entry.fetched_at != fetched_at or entry.expires_at != expires_at:
                entry = Entry(record, fetched_at, expires_at)
                if shared is not None:
                    shared[id(record)] = entry
            # Popped first, so that a rewritten key moves to the end (the newest written).
            entries.pop(key, None)
            entries[key] = entry
            written += 1
        writes = self._writes.get(kind, 0) + written
        if writes >= max(SWEEP_AFTER, len(entries) // 2):
            self._sweep(entries, fetched_at)
            writes = 0
        self._writes[kind] = writes
        if self.max_entries and len(self) > self.max_entries:
            self._bound(fetched_at)

    def delete(self, kind: str, key: str) -> bool:
        entries = self.kinds.get(kind)
        return entries is not None and entries.pop(key, None) is not None

    def clear(self) -> None:
        self.kinds = {}  # a new dict: a reader holding the old one sees nothing change under it
        self._writes = {}

    def sweep(self, now: float) -> int:
        """Drop every expired entry; how many were dropped."""
        return sum(self._sweep(entries, now) for entries in self.kinds.values())

    @staticmethod
    def _sweep(entries: dict[str, Entry[Any]], now: float) -> int:
        expired = [key for key, entry in entries.items() if entry.expires_at <= now]
        for key in expired:
            del entries[key]
        return len(expired)

    def _bound(self, now: float) -> None:
        """Back under the bound: expired entries first, then the oldest written of each kind
        (a tenth more than needed, so the next writes do not evict again at once)."""
        self.sweep(now)
        size = len(self)
        if size <= self.max_entries:
            return
        share = min(1.0, (size - self.max_entries) / size + EVICT_FRACTION)
        for entries in self.kinds.values():
            oldest = list(islice(entries, math.ceil(len(entries) * share)))
            for key in oldest:
                del entries[key]
            self.evicted += len(oldest)
            observe_evictions(len(oldest))
