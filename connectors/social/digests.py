"""Email digests in the social store: each person's choice of digest, and a ledger of the
digests sent, so that no digest goes out twice.

``digest_preferences`` holds a row for each person who chose (``never``, ``daily`` or
``weekly``); everyone else has the gateway's default. ``digest_deliveries`` holds one row
per person and period (``daily:2026-12-07``, ``weekly:2026-W49``), its status one of:

* ``claimed``: a sender is composing or sending it (``claim`` names which one, and
  ``claimed_at`` when);
* ``sent``: the SMTP server accepted it;
* ``skipped``: nothing to send (nothing readable unread, a leaver, no address) or the
  SMTP server refused the address for good: not tried again for that period.

Claim, then confirm. A sender claims the period's row (an ``INSERT`` that a unique key
lets only one sender make, or, for a claim older than the stale-claim timeout, a
compare-and-set on the old claim's token), sends outside any transaction, then confirms
(``claimed`` -> ``sent`` where the token is still its own). A failed send gives the claim
back (the row is deleted), so the next round sends it. Claiming and marking in one
transaction around the send was not chosen: the transaction would be held open for the
whole SMTP exchange (on SQLite, the store's single writer slot, stopping every write in
Townhall for as long as the mail server takes). The cost of claim-then-confirm is one
window: a sender that dies after the SMTP server accepted the message and before it
confirmed leaves a claim that, once stale, lets a later round send the digest again (with
the same ``Message-ID``, which mail clients use to drop the copy).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    and_,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from .base import StoreBase, now, utc
from .tables import metadata, notifications

FREQUENCIES = ("never", "daily", "weekly")
CLAIMED, SENT, SKIPPED = "claimed", "sent", "skipped"

digest_preferences = Table(
    "digest_preferences",
    metadata,
    Column("person", String(36), primary_key=True),
    Column("frequency", String(8), nullable=False),  # never | daily | weekly
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

digest_deliveries = Table(
    "digest_deliveries",
    metadata,
    Column("person", String(36), primary_key=True),
    Column("period", String(24), primary_key=True),  # daily:2026-12-07, weekly:2026-W49
    Column("status", String(8), nullable=False),  # claimed | sent | skipped
    Column("claim", String(32), nullable=False),  # the claiming sender's token
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("notifications", Integer, nullable=False, default=0),  # how many it told of
    Column("note", String(64), nullable=True),  # why it was skipped
    Index("ix_digest_deliveries_period", "period", "status"),
)

# Candidates for a period are found by when their notifications were made (added by 0010).
Index("ix_notifications_created", notifications.c.created_at)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One person's digest of one period, as the ledger holds it."""

    person: str
    period: str
    status: str
    claimed_at: datetime
    sent_at: datetime | None
    notifications: int
    note: str | None


class DigestLedger:
    """Preferences and the sent-digest ledger, over the social store's engine."""

    def __init__(self, store: StoreBase) -> None:
        self._store = store

    # -- preferences ----------------------------------------------------------------------

    async def frequency_of(self, person: str) -> str | None:
        """The person's own choice, or ``None`` when they never chose (the default applies)."""
        rows = await self._store._rows(
            select(digest_preferences.c.frequency).where(digest_preferences.c.person == person)
        )
        return str(rows[0][0]) if rows else None

    async def set_frequency(self, person: str, frequency: str) -> bool:
        """Record the person's choice; ``False`` if it already was that."""
        if frequency not in FREQUENCIES:
            raise ValueError(f"unknown digest frequency {frequency!r}")
        async with self._store._begin() as connection:
            where = digest_preferences.c.person == person
            current = await connection.scalar(select(digest_preferences.c.frequency).where(where))
            if current == frequency:
                return False
            values = {"frequency": frequency, "changed_at": now()}
            if current is None:
                added = await self._store._insert_ignore(
                    connection, digest_preferences, {"person": person, **values}
                )
                if added:
                    return True
            await connection.execute(update(digest_preferences).where(where).values(**values))
        return True

    # -- who is due -----------------------------------------------------------------------

    async def due(
        self,
        kind: str,
        period: str,
        since: datetime,
        until: datetime,
        *,
        default: str,
        stale_before: datetime,
        after: str = "",
        limit: int = 100,
        person: str | None = None,
    ) -> list[str]:
        """People (GUIDs, in order, after ``after``) who chose ``kind`` (or have it by
        ``default``), have unread notifications made in [``since``, ``until``), and whose
        digest of ``period`` is neither sent, skipped nor freshly claimed."""
        prefs, done = digest_preferences, digest_deliveries
        n = notifications
        chosen = func.coalesce(prefs.c.frequency, default) == kind
        stale = and_(done.c.status == CLAIMED, done.c.claimed_at < stale_before)
        open_period = or_(done.c.person.is_(None), stale)
        condition = and_(
            n.c.read_at.is_(None),
            n.c.created_at >= since,
            n.c.created_at < until,
            n.c.recipient > after,
            chosen,
            open_period,
        )
        if person is not None:
            condition = and_(condition, n.c.recipient == person)
        query = (
            select(n.c.recipient)
            .select_from(
                n.outerjoin(prefs, prefs.c.person == n.c.recipient).outerjoin(
                    done, and_(done.c.person == n.c.recipient, done.c.period == period)
                )
            )
            .where(condition)
            .group_by(n.c.recipient)
            .order_by(n.c.recipient)
            .limit(limit)
        )
        return [str(r[0]) for r in await self._store._rows(query)]

    # -- claim, confirm, give back --------------------------------------------------------

    async def claim(self, person: str, period: str, *, stale_before: datetime) -> str | None:
        """Claim the person's digest of ``period``: a token to confirm or release it with,
        or ``None`` when it is sent, skipped, or claimed by another sender (not stale)."""
        token = uuid.uuid4().hex
        at = now()
        row = {"person": person, "period": period, "status": CLAIMED, "claim": token,
               "claimed_at": at, "notifications": 0}  # fmt: skip
        async with self._store._begin() as connection:
            if await self._store._insert_ignore(connection, digest_deliveries, row):
                return token
            # Take over a claim whose sender stopped (crashed, or its round was cut off):
            # a compare-and-set on the old claim's token, so of several senders taking
            # over the same stale claim exactly one wins.
            old = await connection.scalar(
                select(digest_deliveries.c.claim).where(
                    _key(person, period),
                    digest_deliveries.c.status == CLAIMED,
                    digest_deliveries.c.claimed_at < stale_before,
                )
            )
            if old is None:
                return None
            taken = await connection.execute(
                update(digest_deliveries)
                .where(
                    _key(person, period),
                    digest_deliveries.c.status == CLAIMED,
                    digest_deliveries.c.claim == old,
                )
                .values(claim=token, claimed_at=at)
            )
        return token if taken.rowcount else None

    async def confirm(self, person: str, period: str, token: str, *, notifications: int) -> bool:
        """Mark the claimed digest sent; ``False`` if the claim was no longer this token's."""
        return await self._settle(person, period, token, SENT, notifications, None)

    async def skip(self, person: str, period: str, token: str, *, note: str) -> bool:
        """Mark the claimed digest as one not to send for this period (``note`` says why)."""
        return await self._settle(person, period, token, SKIPPED, 0, note[:64])

    async def release(self, person: str, period: str, token: str) -> None:
        """Give a claim back (the send failed): the next round claims it again."""
        async with self._store._begin() as connection:
            await connection.execute(
                delete(digest_deliveries).where(
                    _key(person, period),
                    digest_deliveries.c.claim == token,
                    digest_deliveries.c.status == CLAIMED,
                )
            )

    async def _settle(
        self, person: str, period: str, token: str, status: str, count: int, note: str | None
    ) -> bool:
        async with self._store._begin() as connection:
            result = await connection.execute(
                update(digest_deliveries)
                .where(
                    _key(person, period),
                    digest_deliveries.c.claim == token,
                    digest_deliveries.c.status == CLAIMED,
                )
                .values(status=status, sent_at=now(), notifications=count, note=note)
            )
        return bool(result.rowcount)

    async def deliveries(self, person: str) -> list[Delivery]:
        """The person's digests in the ledger, oldest period first."""
        rows = await self._store._rows(
            select(digest_deliveries)
            .where(digest_deliveries.c.person == person)
            .order_by(digest_deliveries.c.claimed_at, digest_deliveries.c.period)
        )
        return [
            Delivery(
                person=r.person, period=r.period, status=r.status,
                claimed_at=utc(r.claimed_at), sent_at=utc(r.sent_at) if r.sent_at else None,
                notifications=int(r.notifications), note=r.note,
            )
            for r in rows
        ]  # fmt: skip


def _key(person: str, period: str) -> ColumnElement[bool]:
    return and_(digest_deliveries.c.person == person, digest_deliveries.c.period == period)
