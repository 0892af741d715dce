"""Changes of role, team and place of work, from HR's change feed, as activity.

HR is the system of record for who does what where, so its change feed tells of
moves the directory may learn of only later, or never (a place of work). The
gateway hands over each batch of changed HR records (as ``HRState``) with the
feed's checkpoint; the store compares them with how it last saw each record and
records a ``moved`` event for a person whose job title, department or work
location changed, storing the new states and the checkpoint in the same
transaction, as the directory's feed does (``people``): a batch is never half
applied nor applied twice, and a worker that finds the checkpoint moved on writes
nothing.

Only those three fields are compared, remembered or named in an event: every
member of staff may read them (``schema/access.py``). Grade, FTE, contract type,
employee number and every other restricted field never reach this module's
tables or events, so a change to them alone announces nothing.

A record seen for the first time is remembered, not announced: there is nothing
to compare it with. The first batch ever (the feed's full listing) is therefore
the baseline, and so is a record created later (the directory's feed announces
joiners). The event's actor is the person's directory account, which the gateway
finds (``hr_moves`` says for which records) before the batch is applied; a record
no directory account joins is remembered and not announced.

AD is usually kept in step with HR, so the directory's feed tends to report the
same move. A change of department or title the directory already shows (its last
seen state, ``people_seen``) is not announced again; the directory's feed in turn
skips a move HR already showed (see ``people``). Places of work are HR's alone.
When both feeds are told within one poll of each other, and the names differ in
more than case, both are recorded; the feeds aggregate a person's moves of one day
into one item.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .base import Event, StoreBase, analyze_after_bulk, in_chunks, now
from .people import advance_checkpoint, claim_checkpoint, same
from .tables import hr_seen, people_seen

SOURCE = "hr"
_TARGET = 1024  # activity.target_id's length: HR does not bound its values


@dataclass(frozen=True, slots=True)
class HRState:
    """An HR record's staff-visible fields, as the change feed reported them."""

    record: str  # the HR system's id of the record (stored only as a digest)
    job_title: str | None
    department: str | None
    work_location: str | None
    active: bool  # whether HR lists the employment as current: leavers' moves are no news


# What a move names, most telling first: the event's target is the first that changed.
_FIELDS = (("department", "department"), ("title", "job_title"), ("location", "work_location"))


class HRFeedMixin(StoreBase):
    async def hr_moves(self, states: Sequence[HRState]) -> list[str]:
        """The records (their HR ids) whose department, title or place of work changed
        since they were last seen: the ones to join to a directory account before
        :meth:`observe_hr` can announce them. Reads only."""
        latest = _latest(states)
        seen: dict[str, Any] = {}
        for chunk in in_chunks(latest):
            seen |= {r.record: r for r in await self._rows(_seen_query(chunk))}
        return [s.record for key, s in latest.items() if news(seen.get(key), s)]

    async def observe_hr(
        self,
        states: Sequence[HRState],
        *,
        people: Mapping[str, str],
        since: str | None,
        checkpoint: str,
        at: datetime | None = None,
    ) -> list[int] | None:
        """Record the moves in this batch, read from HR's feed at ``since``; the events
        written, or ``None`` when another process already applied that batch.

        ``people`` maps an HR record id to the directory GUID of the (current) account
        it joins; a move of a record it does not name is remembered, not announced.
        """
        at = at or now()
        events: list[int] = []
        latest = _latest(states)
        async with self._begin() as connection:
            stored = await claim_checkpoint(connection, SOURCE)
            if stored != since:
                return None
            seen: dict[str, Any] = {}
            for chunk in in_chunks(latest):
                seen |= {r.record: r for r in await connection.execute(_seen_query(chunk))}
            for key, state in latest.items():
                guid = people.get(state.record)
                changed = news(seen.get(key), state)
                if guid is None or not changed:
                    continue
                shown = (
                    await connection.execute(select(people_seen).where(people_seen.c.guid == guid))
                ).first()
                told = [(k, v) for k, v in changed if not _directory_shows(shown, k, v)]
                if told:
                    kind, value = told[0]
                    event = Event(guid, "moved", "person", guid, kind, value[:_TARGET])
                    events.append(await self._record(connection, event, at))
            await _remember(connection, latest, seen, people, at)
            await advance_checkpoint(connection, SOURCE, stored, checkpoint, at)
        return events


def record_key(record: str) -> str:
    """How ``hr_seen`` names an HR record: a digest of its id, never the id itself."""
    return hashlib.sha256(record.strip().casefold().encode()).hexdigest()


def news(before: Any, state: HRState) -> list[tuple[str, str]]:
    """What changed since ``before`` (a ``hr_seen`` row, or ``None`` for a record not
    seen yet) that a move may name, as (target kind, new value), most telling first.

    A record not seen before, a leaver, a value only re-cased or cleared: no news.
    """
    if before is None or not state.active:
        return []
    return [
        (kind, value)
        for kind, column in _FIELDS
        if (value := getattr(state, column)) and value.strip()
        and not same(getattr(before, column), value)
    ]  # fmt: skip


def _directory_shows(shown: Any, kind: str, value: str) -> bool:
    """Whether the directory's feed last saw the person with this department or title."""
    if shown is None or kind == "location":
        return False
    return same(shown.department if kind == "department" else shown.title, value)


def _latest(states: Sequence[HRState]) -> dict[str, HRState]:
    """The batch by record key; a batch may name a record twice: the last wins."""
    return {record_key(s.record): s for s in states}


def _seen_query(keys: list[str]) -> Any:
    return select(hr_seen).where(hr_seen.c.record.in_(keys))


async def _remember(
    connection: AsyncConnection,
    latest: Mapping[str, HRState],
    seen: Mapping[str, Any],
    people: Mapping[str, str],
    at: datetime,
) -> None:
    """Store the batch's states; a record keeps the account it joined until it joins
    another (the directory's feed looks moves up by it)."""
    for chunk in in_chunks(latest):
        await connection.execute(delete(hr_seen).where(hr_seen.c.record.in_(chunk)))
    rows = [
        {"record": key, "guid": people.get(s.record) or getattr(seen.get(key), "guid", None),
         "job_title": s.job_title, "department": s.department,
         "work_location": s.work_location, "seen_at": at}
        for key, s in latest.items()
    ]  # fmt: skip
    if rows:
        await connection.execute(insert(hr_seen), rows)
        await analyze_after_bulk(connection, hr_seen, len(rows))
