"""What every HR source offers (the SCIM connector and the CSV extract alike).

A source answers batch lookups by a join key, full listings, a change feed from
a checkpoint, and revalidation of a record already held. The change feed is
how movers and leavers are noticed and how cached records are invalidated.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .records import HRField, HRRecord


@dataclass(frozen=True, slots=True)
class HRCheckpoint:
    """Where a change feed got to. Opaque to callers: keep it, or store :meth:`encode`.

    ``position`` is the source's own mark (a ``meta.lastModified`` instant for SCIM,
    a snapshot generation for a CSV extract); ``seen`` names the record versions
    already reported at or just before that mark, so an overlap is not reported twice.
    """

    source: str
    position: str
    seen: frozenset[str] = field(default_factory=frozenset)

    def encode(self) -> str:
        data = {"s": self.source, "p": self.position, "v": sorted(self.seen)}
        return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()

    @classmethod
    def decode(cls, text: str) -> HRCheckpoint | None:
        """The checkpoint ``text`` encodes, or ``None`` when it is not one (resync)."""
        try:
            data = json.loads(base64.urlsafe_b64decode(text.encode()))
            return cls(str(data["s"]), str(data["p"]), frozenset(str(v) for v in data["v"]))
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None


@dataclass(frozen=True, slots=True)
class HRChanges:
    """Records created or changed since a checkpoint, and the checkpoint to ask from next.

    ``removed`` lists records that left the source (a CSV extract can tell; SCIM has no
    tombstones, so a deleted SCIM resource shows only as absent from a full listing).
    ``resync`` is true when the checkpoint given could not be used and every record
    was returned.
    """

    records: list[HRRecord]
    checkpoint: HRCheckpoint
    removed: list[HRRecord] = field(default_factory=list)
    resync: bool = False


class HRSource(Protocol):
    """The HR operations the gateway uses, whichever way the records arrive."""

    @property
    def calls(self) -> int:
        """Upstream calls made (HTTP requests, or file reads), for tests and metrics."""
        ...

    async def records_by(self, field: HRField, keys: Sequence[str]) -> list[HRRecord | None]: ...

    async def all_records(self) -> list[HRRecord]: ...

    async def changes_since(self, checkpoint: HRCheckpoint | None) -> HRChanges: ...

    async def checkpoint_now(self) -> HRCheckpoint: ...

    def background(self) -> HRSource:
        """The source for work no client waits on, its calls counted apart."""
        ...

    async def revalidate(self, record: HRRecord) -> HRRecord | None: ...

    async def unmatched(self, field: HRField, keys: Iterable[str]) -> list[HRRecord]: ...

    async def ping(self) -> None:
        """Prove the source answers now (one cheap request, no retries); raises if not.
        The caller bounds the wait (``asyncio.timeout``)."""
        ...


def without_match(
    records: Iterable[HRRecord], field: HRField, keys: Iterable[str]
) -> list[HRRecord]:
    """The records whose ``field`` is none of ``keys`` (e.g. HR records with no AD account)."""
    known = {k.casefold() for k in keys if k}
    return [r for r in records if (getattr(r, field) or "").casefold() not in known]
