"""People's comings and goings, from the directory's change feed, as activity.

The gateway hands over each batch of changed people (as ``PersonState``) with
the feed's checkpoint; the store compares them with how it last saw each
person and records ``joined``, ``moved`` (team, title or manager) or ``left``,
storing the new states and the checkpoint in the same transaction, so a batch
is never half applied nor applied twice. The first batch ever seen is the
baseline: it is remembered, not announced.

HR's change feed announces moves too (``hr_feed``), and AD is usually kept in step
with HR, so the same move tends to reach both feeds. A move of team or title that
HR already shows, for a person HR's feed has announced about, is not announced
again here (a new manager, which HR's feed does not announce, always is).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .base import Event, StoreBase, analyze_after_bulk, in_chunks, now
from .tables import feed_checkpoints, hr_seen, people_seen


@dataclass(frozen=True, slots=True)
class PersonState:
    guid: str
    department: str | None
    title: str | None
    manager: str | None  # the manager's key (DN or GUID), compared only for change
    active: bool


class PeopleFeedMixin(StoreBase):
    async def checkpoint(self, source: str) -> str | None:
        rows = await self._rows(
            select(feed_checkpoints.c.checkpoint).where(feed_checkpoints.c.source == source)
        )
        return str(rows[0][0]) if rows else None

    async def observe_people(
        self,
        people: Sequence[PersonState],
        *,
        source: str,
        since: str | None,
        checkpoint: str,
        at: datetime | None = None,
    ) -> list[int] | None:
        """Record what changed for these people, read from the feed at ``since``; the
        events written, or ``None`` when another process already applied that batch
        (the stored checkpoint is no longer ``since``): gateway workers may all poll."""
        at = at or now()
        events: list[int] = []
        async with self._begin() as connection:
            stored = await claim_checkpoint(connection, source)
            if stored != since:
                return None
            baseline = not (
                await connection.execute(select(func.count()).select_from(people_seen))
            ).scalar()
            seen = {
                r.guid: r
                for chunk in in_chunks(p.guid for p in people)  # a resync names everyone
                for r in await connection.execute(
                    select(people_seen).where(people_seen.c.guid.in_(chunk))
                )
            }
            for person in people:
                before = seen.get(person.guid)
                verb = None if baseline else _verb(before, person)
                if verb == "moved" and await _shown_by_hr(connection, before, person):
                    verb = None
                if verb is not None:
                    target = _moved_to(before, person) if verb == "moved" else (None, None)
                    events.append(
                        await self._record(
                            connection,
                            Event(person.guid, verb, "person", person.guid, *target),
                            at,
                        )
                    )
            await _remember(connection, people, at)
            await advance_checkpoint(connection, source, stored, checkpoint, at)
        return events


async def claim_checkpoint(connection: AsyncConnection, source: str) -> str | None:
    """The feed's stored checkpoint, its row locked until the transaction ends
    (PostgreSQL; SQLite's writer takes the whole database), so that of two workers
    that read the same batch only the first applies it."""
    return (
        await connection.execute(
            select(feed_checkpoints.c.checkpoint)
            .where(feed_checkpoints.c.source == source)
            .with_for_update()
        )
    ).scalar()


async def advance_checkpoint(
    connection: AsyncConnection, source: str, stored: str | None, checkpoint: str, at: datetime
) -> None:
    """Store where the feed got to, in the transaction that applied the batch."""
    if stored is None:  # a racing first batch fails here on the key, and retries
        await connection.execute(
            insert(feed_checkpoints).values(source=source, checkpoint=checkpoint, updated_at=at)
        )
    else:
        await connection.execute(
            update(feed_checkpoints)
            .where(feed_checkpoints.c.source == source)
            .values(checkpoint=checkpoint, updated_at=at)
        )


def same(a: str | None, b: str | None) -> bool:
    """Equal as names: AD and HR may differ in case or stray spaces."""
    return (a or "").strip().casefold() == (b or "").strip().casefold()


async def _shown_by_hr(connection: AsyncConnection, before: Any, now_: PersonState) -> bool:
    """Whether HR already shows this move of team or title for a person its feed has
    announced about (``hr_seen.guid`` is set then), so HR's feed told it first."""
    if before.manager != now_.manager:
        return False  # a new manager is the directory's news alone
    changed = [
        (column, value)
        for column, old, value in (
            (hr_seen.c.department, before.department, now_.department),
            (hr_seen.c.job_title, before.title, now_.title),
        )
        if old != value
    ]
    rows = await connection.execute(
        select(hr_seen.c.department, hr_seen.c.job_title).where(hr_seen.c.guid == now_.guid)
    )
    return bool(changed) and any(
        all(same(row._mapping[column], value) for column, value in changed) for row in rows
    )


def _verb(before: Any, now_: PersonState) -> str | None:
    if before is None:
        return "joined" if now_.active else None
    was_active = bool(before.active)
    if was_active and not now_.active:
        return "left"
    if not was_active and now_.active:
        return "joined"  # a returner
    moved = (
        before.department != now_.department
        or before.title != now_.title
        or before.manager != now_.manager
    )
    return "moved" if moved and now_.active else None


def _moved_to(before: Any, now_: PersonState) -> tuple[str, str | None]:
    """What a move is to: a new department, else a new title, else a new manager (named
    by no key: a manager is known to the store by DN, which never reaches a client)."""
    if before.department != now_.department and now_.department:
        return "department", now_.department
    if before.title != now_.title and now_.title:
        return "title", now_.title
    return "manager", None


async def _remember(
    connection: AsyncConnection, people: Sequence[PersonState], at: datetime
) -> None:
    if not people:
        return
    for chunk in in_chunks(p.guid for p in people):
        await connection.execute(delete(people_seen).where(people_seen.c.guid.in_(chunk)))
    latest = {p.guid: p for p in people}  # a batch may name someone twice: the last wins
    await connection.execute(
        insert(people_seen),
        [
            {"guid": p.guid, "department": p.department, "title": p.title,
             "manager": p.manager, "active": p.active, "seen_at": at}
            for p in latest.values()
        ],
    )  # fmt: skip
    await analyze_after_bulk(connection, people_seen, len(latest))
