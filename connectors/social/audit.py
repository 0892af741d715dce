"""The audit trail of restricted reads (UK GDPR accountability): an append-only,
hash-chained table in the social store.

Each row says who (``viewer``) read what (``record``: an HR field such as ``grade``, a
record such as ``hrRecordsWithoutAccount``, ``export``) about whom (``subject``), which
role allowed it, the operation, the server-made request id and when. Row ``n`` (ids run
1, 2, 3, ... with no gaps) stores the hash of row ``n - 1`` and its own hash over a
canonical encoding of its fields and that previous hash, so a changed row breaks its own
hash and a deleted one breaks the link after it. A one-row chain head (``audit_head``)
holds the row count and the last hash, written in the same transaction as the rows, so
deleting the newest rows shows too. ``AuditLog.verify`` walks the chain.

Appends made while another is being written wait for it and are then written together,
in one transaction (group commit): a busy gateway writes one transaction per round, not
one per request, and each caller still returns only once its own rows are committed.
Appends are serialised so the chain never forks, however many gateway instances write:
on PostgreSQL each append locks the chain head row (``SELECT ... FOR UPDATE``) until it
commits; on SQLite the store's single ``BEGIN IMMEDIATE`` writer already lets one
transaction in at a time. There is no update or delete here, and the migration adds
triggers refusing UPDATE and DELETE of audit rows on both databases: audit rows are kept,
including through erasure. Errors are the store's (``base``): an outage, or a chain head
that is missing or disagrees with the table, is ``SocialUnavailable``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from .base import SocialUnavailable, StoreBase, now, utc
from .tables import metadata

GENESIS = "0" * 64  # the "previous hash" of row 1
_HEAD = 1  # the chain head's one row
_INSERT_CHUNK = 500  # rows per INSERT: below every backend's bound-parameter limit
_VERIFY_CHUNK = 5000  # rows read per query while verifying
MAX_ROWS_PAGE = 1000

# Column widths, checked before writing: a value that does not fit is a caller's bug.
WIDTHS = {"viewer": 255, "subject": 255, "record": 128, "role": 32, "operation": 32,
          "request_id": 64}  # fmt: skip

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),  # chain position
    Column("at", DateTime(timezone=True), nullable=False),
    Column("viewer", String(WIDTHS["viewer"]), nullable=False),
    Column("subject", String(WIDTHS["subject"]), nullable=False),
    Column("record", String(WIDTHS["record"]), nullable=False),
    Column("role", String(WIDTHS["role"]), nullable=False),
    Column("operation", String(WIDTHS["operation"]), nullable=False),
    Column("request_id", String(WIDTHS["request_id"]), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("row_hash", String(64), nullable=False),
    Index("ix_audit_log_subject", "subject", "id"),
    Index("ix_audit_log_viewer", "viewer", "id"),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1
    Column("row_count", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=True),
)


@dataclass(frozen=True)
class AuditEntry:
    """One restricted read (or export, or erasure) to record.

    ``viewer`` and ``subject`` are directory GUIDs or account ids (``subject`` may be an
    HR join key for a person with no account, or ``*`` for no one in particular);
    ``record`` the field or record read; ``role`` what allowed it (``manager_chain``,
    ``hr``, ``moderator``, ``data_protection``...; reading one's own data is not audited);
    ``operation`` what was done (``read``, ``hide``, ``export``...)."""

    viewer: str
    subject: str
    record: str
    role: str
    operation: str
    request_id: str


@dataclass(frozen=True, slots=True)
class AuditRow:
    """A stored audit row: its place in the chain, the entry, when, and its hashes."""

    id: int
    at: datetime
    viewer: str
    subject: str
    record: str
    role: str
    operation: str
    request_id: str
    prev_hash: str
    row_hash: str


@dataclass(frozen=True, slots=True)
class AuditVerification:
    """What ``AuditLog.verify`` found. ``rows``: rows checked (the chain as it stood when
    the check began); ``head_hash``: the last good hash (keep it elsewhere to check later
    that the chain still holds it); ``broken_row``: the first row that is changed,
    missing or out of place, and ``reason`` says which."""

    ok: bool
    rows: int
    head_hash: str
    broken_row: int | None = None
    reason: str | None = None


def chain_hash(row_id: int, at: datetime, entry: AuditEntry, prev_hash: str) -> str:
    """SHA-256 (hex) of the row's canonical encoding: JSON with sorted keys, no spaces,
    ASCII only, the time in UTC to the microsecond."""
    payload = {
        "id": row_id,
        "at": _utc(at).isoformat(timespec="microseconds"),
        "viewer": entry.viewer,
        "subject": entry.subject,
        "record": entry.record,
        "role": entry.role,
        "operation": entry.operation,
        "request_id": entry.request_id,
        "prev_hash": prev_hash,
    }
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(encoded.encode("ascii")).hexdigest()


class AuditLog:
    """Append, read and verify the audit trail (``SocialStore.audit``)."""

    def __init__(self, store: StoreBase) -> None:
        self._store = store
        # Appends waiting for the one being written: (entries, when, told when committed).
        self._waiting: list[tuple[Sequence[AuditEntry], datetime, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def append(self, entries: Sequence[AuditEntry], *, at: datetime | None = None) -> None:
        """Write ``entries`` at the end of the chain, in order, in one transaction (all or
        nothing), all at ``at`` (default: now); returns once they are committed. Appends
        that arrive while one is written share the next transaction."""
        if not entries:
            return
        for entry in entries:
            _check(entry)
        committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        committed.add_done_callback(_retrieved)
        self._waiting.append((list(entries), _utc(at or now()), committed))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting())
        # A caller that gives up does not stop the write others share.
        await asyncio.shield(committed)

    async def _write_waiting(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting, []
            try:
                await self._write([(entries, when) for entries, when, _ in group])
            except asyncio.CancelledError:
                # Those queued meanwhile too: with no writer left they would wait for an
                # append that may never come.
                group, self._waiting = group + self._waiting, []
                for _, _, committed in group:
                    committed.cancel()
                raise
            except Exception as exc:
                for _, _, committed in group:
                    if not committed.done():
                        committed.set_exception(exc)
            else:
                for _, _, committed in group:
                    if not committed.done():
                        committed.set_result(None)

    async def _write(self, appends: Sequence[tuple[Sequence[AuditEntry], datetime]]) -> None:
        """Appends at the end of the chain, in order, in one transaction."""
        try:
            async with self._store._begin() as connection:
                # The row lock queues every other append (any instance) until this commits.
                head = (
                    await connection.execute(
                        select(audit_head.c.row_count, audit_head.c.last_hash)
                        .where(audit_head.c.id == _HEAD)
                        .with_for_update()
                    )
                ).first()
                if head is None:
                    raise SocialUnavailable("the audit chain head is missing")
                count, prev = int(head.row_count), str(head.last_hash)
                rows: list[dict[str, Any]] = []
                for entries, when in appends:
                    for entry in entries:
                        count += 1
                        row_hash = chain_hash(count, when, entry, prev)
                        rows.append(_row(count, when, entry, prev, row_hash))
                        prev = row_hash
                for start in range(0, len(rows), _INSERT_CHUNK):
                    await connection.execute(insert(audit_log), rows[start : start + _INSERT_CHUNK])
                await connection.execute(
                    update(audit_head)
                    .where(audit_head.c.id == _HEAD)
                    .values(row_count=count, last_hash=prev, updated_at=appends[-1][1])
                )
        except IntegrityError as exc:
            # A row already holds the next id: the head is behind the table.
            raise SocialUnavailable("the audit chain head disagrees with the table") from exc

    async def rows(
        self,
        *,
        subject: str | None = None,
        viewer: str | None = None,
        after: int | None = None,
        limit: int = 100,
        newest_first: bool = False,
    ) -> list[AuditRow]:
        """Rows in chain order (``newest_first``: the reverse), after the row ``after``
        in that order, at most ``limit`` (1 to 1000); filtered by subject and viewer."""
        if not 1 <= limit <= MAX_ROWS_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_ROWS_PAGE}")
        query = select(audit_log)
        if subject is not None:
            query = query.where(audit_log.c.subject == subject)
        if viewer is not None:
            query = query.where(audit_log.c.viewer == viewer)
        if after is not None:
            query = query.where(audit_log.c.id < after if newest_first else audit_log.c.id > after)
        order = audit_log.c.id.desc() if newest_first else audit_log.c.id
        return [_audit_row(r) for r in await self._store._rows(query.order_by(order).limit(limit))]

    async def count(self, *, subject: str | None = None, viewer: str | None = None) -> int:
        """How many rows there are, filtered by subject and viewer as ``rows`` is."""
        query = select(func.count()).select_from(audit_log)
        if subject is not None:
            query = query.where(audit_log.c.subject == subject)
        if viewer is not None:
            query = query.where(audit_log.c.viewer == viewer)
        [row] = await self._store._rows(query)
        return int(row[0])

    async def verify(self, *, anchor: tuple[int, str] | None = None) -> AuditVerification:
        """Walk the chain as it stands now: every row's hash, its link to the one before,
        ids without gaps, and the chain head's count and last hash; with ``anchor``
        ``(row, hash)`` (a head printed by an earlier check), that the row still has it.
        Rows appended while the check runs are left for the next one."""
        head = await self._head()
        if head is None:
            return AuditVerification(False, 0, GENESIS, None, "the chain head is missing")
        expected_rows, expected_hash = head
        prev, checked = GENESIS, 0
        while checked < expected_rows:
            batch = await self._store._rows(
                select(audit_log)
                .where(audit_log.c.id > checked, audit_log.c.id <= expected_rows)
                .order_by(audit_log.c.id)
                .limit(_VERIFY_CHUNK)
            )
            if not batch:
                break
            for raw in batch:
                row = _audit_row(raw)
                broken = _broken(row, checked + 1, prev)
                if broken is not None:
                    return AuditVerification(False, checked, prev, *broken)
                if anchor is not None and row.id == anchor[0] and row.row_hash != anchor[1]:
                    return AuditVerification(
                        False, checked, prev, row.id, "its hash is not the anchor's"
                    )
                prev, checked = row.row_hash, row.id
        if checked < expected_rows:
            return AuditVerification(
                False, checked, prev, checked + 1,
                f"missing: the chain head records {expected_rows} rows, the table ends at "
                f"row {checked}",
            )  # fmt: skip
        if prev != expected_hash:
            return AuditVerification(
                False, checked, prev, checked, "its hash is not the chain head's last hash"
            )
        if anchor is not None and anchor[0] > checked:
            return AuditVerification(
                False, checked, prev, anchor[0], "the anchor's row is not in the chain"
            )
        stray = await self._store._rows(select(func.max(audit_log.c.id)))
        latest = await self._head()
        highest = int(stray[0][0] or 0) if stray else 0
        if latest is not None and highest > latest[0]:
            return AuditVerification(
                False, checked, prev, latest[0] + 1,
                "rows beyond the chain head were added outside Townhall",
            )  # fmt: skip
        return AuditVerification(True, checked, prev)

    async def _head(self) -> tuple[int, str] | None:
        found = await self._store._rows(
            select(audit_head.c.row_count, audit_head.c.last_hash).where(audit_head.c.id == _HEAD)
        )
        return (int(found[0][0]), str(found[0][1])) if found else None


def _broken(row: AuditRow, expected_id: int, prev: str) -> tuple[int, str] | None:
    """``(row id, reason)`` when ``row`` does not continue the chain, else ``None``."""
    if row.id != expected_id:
        return expected_id, f"missing (the next row is {row.id})"
    if row.prev_hash != prev:
        return row.id, "its link to the row before does not match that row's hash"
    entry = AuditEntry(row.viewer, row.subject, row.record, row.role, row.operation,
                       row.request_id)  # fmt: skip
    if chain_hash(row.id, row.at, entry, row.prev_hash) != row.row_hash:
        return row.id, "its contents do not match its hash (changed)"
    return None


def _check(entry: AuditEntry) -> None:
    for name, width in WIDTHS.items():
        value = getattr(entry, name)
        if not isinstance(value, str) or not value or len(value) > width or "\x00" in value:
            raise ValueError(f"audit entry {name} must be 1 to {width} characters, no NUL")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"audit entry {name} is not valid text") from None


def _utc(value: datetime) -> datetime:
    return utc(value).astimezone(UTC)


def _row(row_id: int, at: datetime, entry: AuditEntry, prev: str, row_hash: str) -> dict[str, Any]:
    return {
        "id": row_id, "at": at, "viewer": entry.viewer, "subject": entry.subject,
        "record": entry.record, "role": entry.role, "operation": entry.operation,
        "request_id": entry.request_id, "prev_hash": prev, "row_hash": row_hash,
    }  # fmt: skip


def _audit_row(raw: Any) -> AuditRow:
    return AuditRow(
        id=int(raw.id), at=_utc(raw.at), viewer=raw.viewer, subject=raw.subject,
        record=raw.record, role=raw.role, operation=raw.operation, request_id=raw.request_id,
        prev_hash=raw.prev_hash, row_hash=raw.row_hash,
    )  # fmt: skip


def _retrieved(future: asyncio.Future[None]) -> None:
    """Mark a failed append's error seen: a caller that gave up never awaits it."""
    if not future.cancelled():
        future.exception()
