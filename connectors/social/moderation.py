"""Reports of comments and activity items, and moderators' decisions on them.

Who is a moderator is decided by the caller (membership of a directory group);
the store records what they decided, hides the item, and tells each reporter.
A person has at most one open report of an item (a unique partial index): reporting
it again answers that report, and files and tells nothing new.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from .base import Event, ItemNotFound, SocialUnavailable, StoreBase, now, utc
from .changes import changes_of
from .comments import _hide_events_about, _live_activity, _live_comment
from .records import Report, Written
from .tables import REPORT_TARGETS, comments, reports

OUTCOMES = ("hidden", "dismissed")


class ModerationMixin(StoreBase):
    async def report(
        self,
        reporter: str,
        kind: str,
        item_id: str,
        reason: str,
        *,
        key: str | None = None,
        moderators: Sequence[str] = (),
    ) -> Written:
        """Report a live item to the moderators, notifying each of ``moderators`` (but the
        reporter) in the same transaction. The notification names no actor: who reported
        is on the report, which only moderators and the reporter may read.

        If ``reporter`` already has an open report of the item, that report is the answer
        (``replayed``; its first reason stands) and nothing is written or sent."""
        if kind not in REPORT_TARGETS:
            raise ValueError(f"unknown report target {kind!r}")
        try:
            async with self._begin() as connection:
                ref = await self._replayed(connection, reporter, key, "report")
                if ref is not None:
                    return Written(ref, replayed=True)
                if kind == "comment":
                    document = (await _live_comment(connection, item_id)).document
                else:
                    document = (await _live_activity(connection, item_id)).document
                report_id = str(uuid.uuid4())
                row = {
                    "id": report_id, "reporter": reporter, "item_kind": kind,
                    "item_id": item_id, "reason": reason, "document": document,
                    "created_at": now(), "status": "open",
                }  # fmt: skip
                # Settled in place by the unique partial index: a racing second report
                # waits for the first to commit, then inserts nothing.
                for _ in range(3):
                    if await self._insert_ignore(connection, reports, row):
                        break
                    existing = await _open_report(connection, reporter, kind, item_id)
                    if existing is not None:  # else it was decided meanwhile: file anew
                        await self._remember(connection, reporter, key, "report", existing)
                        return Written(existing, replayed=True)
                else:
                    raise SocialUnavailable("the report could not be filed")
                await self._record(
                    connection,
                    Event(reporter, "reported", kind, item_id, "report", report_id, document),
                )
                await self._notify(
                    connection, [m for m in moderators if m != reporter], "report_filed",
                    event_id=None, actor=None, document=document, report_id=report_id,
                )  # fmt: skip
                await self._remember(connection, reporter, key, "report", report_id)
        except IntegrityError:
            ref = await self._retry_ref(reporter, key, "report") if key else None
            if ref is None:
                raise
            return Written(ref, replayed=True)
        return Written(report_id, replayed=False)

    async def reports_by_id(self, ids: Sequence[str]) -> list[Report | None]:
        found = {
            r.id: _report(r)
            for r in await self._rows(select(reports).where(reports.c.id.in_(set(ids))))
        }
        return [found.get(i) for i in ids]

    async def open_reports(
        self, *, first: int, documents: Collection[str | None] | None = None
    ) -> list[Report]:
        """Reports waiting for a decision, oldest first; with ``documents``, only reports
        about those documents (``None`` in it: reports about no document)."""
        condition = reports.c.status == "open"
        if documents is not None:
            paths = [d for d in documents if d is not None]
            about = [reports.c.document.in_(paths)] if paths else []
            if None in documents:
                about.append(reports.c.document.is_(None))
            if not about:
                return []
            condition = and_(condition, or_(*about))
        query = (
            select(reports)
            .where(condition)
            .order_by(reports.c.created_at, reports.c.id)
            .limit(first)
        )
        return [_report(r) for r in await self._rows(query)]

    async def open_report_documents(self) -> list[str | None]:
        """The documents open reports are about (``None``: reports about no document)."""
        query = select(reports.c.document).where(reports.c.status == "open").distinct()
        return [r[0] for r in await self._rows(query)]

    async def reports_by(self, reporter: str, *, first: int) -> list[Report]:
        query = (
            select(reports)
            .where(reports.c.reporter == reporter)
            .order_by(reports.c.created_at.desc(), reports.c.id)
            .limit(first)
        )
        return [_report(r) for r in await self._rows(query)]

    async def decide(self, moderator: str, report_id: str, outcome: str, note: str | None) -> int:
        """Settle a report (and every open report of the same item); reporters told.

        Returns how many reports were settled; 0 if this one already was.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        async with self._begin() as connection:
            row = (
                await connection.execute(
                    select(reports).where(reports.c.id == report_id).with_for_update()
                )
            ).first()
            if row is None:
                raise ItemNotFound("no such report")
            if row.status != "open":
                return 0
            at = now()
            if outcome == "hidden":
                if row.item_kind == "comment":
                    hidden = await connection.execute(
                        update(comments)
                        .where(comments.c.id == row.item_id, comments.c.hidden_at.is_(None))
                        .values(hidden_at=at)
                        .returning(comments.c.id, comments.c.target_kind, comments.c.target)
                    )
                    # Hidden reads as deleted to everyone following the thread live.
                    changes_of(connection).comments_deleted(hidden.all())
                await _hide_events_about(connection, row.item_kind, row.item_id, at)
            same_item = and_(
                reports.c.item_kind == row.item_kind,
                reports.c.item_id == row.item_id,
                reports.c.status == "open",
            )
            settled = [
                (r.id, r.reporter)
                for r in await connection.execute(
                    select(reports.c.id, reports.c.reporter).where(same_item)
                )
            ]
            await connection.execute(
                update(reports)
                .where(same_item)
                .values(status=outcome, decided_by=moderator, decided_at=at, note=note)
            )
            await self._record(
                connection,
                Event(
                    moderator,
                    outcome,
                    row.item_kind,
                    row.item_id,
                    "report",
                    report_id,
                    row.document,
                ),
                at,
            )
            for settled_id, reporter in settled:
                await self._notify(
                    connection, [reporter], "report_outcome",
                    event_id=None, actor=None, document=row.document, report_id=settled_id,
                )  # fmt: skip
        return len(settled)


async def _open_report(
    connection: AsyncConnection, reporter: str, kind: str, item_id: str
) -> str | None:
    found = await connection.scalar(
        select(reports.c.id).where(
            reports.c.reporter == reporter,
            reports.c.item_kind == kind,
            reports.c.item_id == item_id,
            reports.c.status == "open",
        )
    )
    return str(found) if found is not None else None


def _report(row: Any) -> Report:
    return Report(
        id=row.id, reporter=row.reporter, item_kind=row.item_kind, item_id=row.item_id,
        reason=row.reason, document=row.document, created_at=utc(row.created_at),
        status=row.status, decided_by=row.decided_by,
        decided_at=utc(row.decided_at) if row.decided_at else None, note=row.note,
    )  # fmt: skip
