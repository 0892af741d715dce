"""The change feed: what appeared, changed or disappeared in the store since a checkpoint.

A checkpoint remembers, for every document, its ETag, size and modification
time. The next crawl is compared with it, field by field: a change to any of
the three is a change.

The one-second blind spot: stores that keep whole-second modification times
(wsgidav's ETag is inode-mtime-size with a whole-second mtime) give a
same-size rewrite within the same second the same ETag, size and mtime.
Nothing in a PROPFIND can tell such a rewrite apart. So a document whose
modification time is within ``settle`` seconds of the store's own clock when
the checkpoint is taken is "unsettled": its content digest is taken too, and
compared at the next checkpoint. Once the store's clock has moved past the
mtime's second, any later write must move the mtime, and the digest is
dropped. The cost is one streamed GET per recently changed document. What
stays out of reach: a store whose modification-time clock runs more than
``settle`` seconds behind the clock in its ``Date`` header, and stores that
report no modification time at all (every document is then digested).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from .records import DocumentChange, DocumentRecord


class ChangeSource(Protocol):
    """What the feed needs from a connector (WebDAV or a file share)."""

    server_time: datetime | None

    def crawl(self, folder: str = "") -> Awaitable[list[DocumentRecord]]: ...

    def digest(self, path: str) -> Awaitable[str | None]: ...


@dataclass(frozen=True, slots=True)
class Seen:
    """What a checkpoint remembers of one document."""

    etag: str | None
    size: int | None
    modified: float | None  # POSIX seconds
    digest: str | None = None  # only while the document is unsettled

    def same_as(self, other: Seen) -> bool:
        if (self.etag, self.size, self.modified) != (other.etag, other.size, other.modified):
            return False
        # Same metadata: only a digest taken on both sides can still tell them apart.
        return self.digest is None or other.digest is None or self.digest == other.digest


@dataclass(slots=True)
class Checkpoint:
    """The state of the store at one moment; serialisable (``dumps``/``loads``)."""

    taken_at: datetime | None
    entries: dict[str, Seen] = field(default_factory=dict)

    def dumps(self) -> str:
        return json.dumps(
            {
                "takenAt": self.taken_at.isoformat() if self.taken_at else None,
                "entries": {
                    p: [s.etag, s.size, s.modified, s.digest] for p, s in self.entries.items()
                },
            },
            separators=(",", ":"),
        )

    @classmethod
    def loads(cls, text: str) -> Checkpoint:
        data = json.loads(text)
        taken = data.get("takenAt")
        return cls(
            taken_at=datetime.fromisoformat(taken) if taken else None,
            entries={p: Seen(*values) for p, values in data["entries"].items()},
        )


class ChangeFeed:
    """Checkpoints of a document source, and the changes between them."""

    def __init__(self, source: ChangeSource, *, settle: float = 2.0, concurrency: int = 4) -> None:
        self._source = source
        self._settle = timedelta(seconds=settle)
        self._limit = asyncio.Semaphore(concurrency)
        self.digests = 0  # content digests taken, for tests and benchmarks

    async def checkpoint(self) -> tuple[Checkpoint, list[DocumentRecord]]:
        """The store's state now, and the records it was made from."""
        records = await self._source.crawl()
        return await self._checkpoint(records), records

    async def changes_since(
        self, previous: Checkpoint
    ) -> tuple[list[DocumentChange], Checkpoint, list[DocumentRecord]]:
        """Changes since ``previous`` (oldest first), the new checkpoint, and the records."""
        current, records = await self.checkpoint()
        by_path = {r.path: r for r in records}
        changes: list[DocumentChange] = []
        for path, seen in current.entries.items():
            before = previous.entries.get(path)
            record = by_path[path]
            if before is None:
                changes.append(_change("created", record, record.author or record.last_editor))
            elif not seen.same_as(before):
                changes.append(_change("updated", record, record.last_editor))
        for path in previous.entries.keys() - current.entries.keys():
            title = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            changes.append(DocumentChange(kind="deleted", path=path, title=title))
        epoch = datetime.min.replace(tzinfo=UTC)
        changes.sort(key=lambda c: (c.at or epoch, c.path))
        return changes, current, records

    async def _checkpoint(self, records: Sequence[DocumentRecord]) -> Checkpoint:
        now = self._source.server_time
        unsettled = [r for r in records if self._unsettled(r, now)]

        async def digest(path: str) -> str | None:
            async with self._limit:
                self.digests += 1
                return await self._source.digest(path)

        digests = dict(
            zip(
                [r.path for r in unsettled],
                await asyncio.gather(*(digest(r.path) for r in unsettled)),
                strict=True,
            )
        )
        return Checkpoint(
            taken_at=now,
            entries={
                r.path: Seen(
                    r.etag,
                    r.size,
                    r.modified_at.timestamp() if r.modified_at else None,
                    digests.get(r.path),
                )
                for r in records
            },
        )

    def _unsettled(self, record: DocumentRecord, now: datetime | None) -> bool:
        if record.modified_at is None or now is None:
            return True
        return now - record.modified_at < self._settle


def _change(
    kind: Literal["created", "updated"], record: DocumentRecord, actor: str | None
) -> DocumentChange:
    return DocumentChange(
        kind=kind,
        path=record.path,
        title=record.title or record.file_name.rsplit(".", 1)[0],
        actor=actor,
        at=record.modified_at,
        record=record,
    )
