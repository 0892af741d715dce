"""Write quotas the store keeps itself, inside the write's own transaction, so that they
hold however many gateway instances write (no shared cache needed), on SQLite and on
PostgreSQL alike: comments per author per minute, and how many people one comment may
notify by mentions over its whole life, each of them once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from .base import RateLimited, TooManyMentions, now, utc
from .tables import comments, mention_notices

COMMENT_WINDOW = timedelta(seconds=60)
# The advisory-lock space of the comments quota: with a hash of the author it names one
# transaction-scoped lock per author (any constant would do; this one spells "TH" + 1).
_COMMENT_LOCKS = 0x54480001


@dataclass(frozen=True, slots=True)
class CommentLimits:
    """What one comment write is held to; ``None``: no limit."""

    per_minute: int | None = None  # comments and replies one author may write in any 60 s
    mentions: int | None = None  # people one comment may notify by mentions, over its life


NO_LIMITS = CommentLimits()


async def hold_author(connection: AsyncConnection, author: str) -> None:
    """Queue this transaction behind any other comment write by ``author`` until it ends.

    PostgreSQL (read committed) would let two of one author's writes each count the
    other's comment as not there yet, and both pass the quota; a transaction-scoped
    advisory lock per author orders them, and each counts after the other committed.
    SQLite needs nothing: ``BEGIN IMMEDIATE`` already lets one writer in at a time.
    """
    if connection.dialect.name == "postgresql":
        await connection.execute(
            select(func.pg_advisory_xact_lock(_COMMENT_LOCKS, func.hashtext(author)))
        )


async def spend_comment(connection: AsyncConnection, author: str, per_minute: int) -> None:
    """Refuse (``RateLimited``) a comment by ``author`` who already wrote ``per_minute`` in
    the last 60 s. Reads at most ``per_minute`` entries of ``ix_comments_author``."""
    at = now()
    recent = (
        await connection.execute(
            select(comments.c.created_at)
            .where(comments.c.author == author, comments.c.created_at > at - COMMENT_WINDOW)
            .order_by(comments.c.created_at.desc())
            .limit(per_minute)
        )
    ).scalars()
    times = [utc(t) for t in recent]
    if len(times) < per_minute:
        return
    # The oldest of the newest ``per_minute`` leaves the window first: then one more fits.
    wait = max(1, math.ceil((times[-1] + COMMENT_WINDOW - at).total_seconds()))
    raise RateLimited(f"at most {per_minute} comments a minute", limit=per_minute, retry_after=wait)


async def first_mentions(
    connection: AsyncConnection,
    comment_id: str,
    people: Iterable[str],
    at: datetime,
    cap: int | None,
) -> set[str]:
    """Record ``people`` as told of their mention in ``comment_id``; those never told before.

    A person is told once in the comment's life, however often edits take the mention out
    and put it back: the row stays, and its primary key settles racing edits. With
    ``cap``, refuses (``TooManyMentions``) an edit that would bring the people the comment
    has told past ``cap``; the caller's transaction then writes nothing.
    """
    wanted = list(dict.fromkeys(p for p in people if p))
    if not wanted:
        return set()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(mention_notices)
        .values([{"comment_id": comment_id, "person": p, "notified_at": at} for p in wanted])
        .on_conflict_do_nothing()
        .returning(mention_notices.c.person)
    )
    fresh = set((await connection.execute(statement)).scalars())
    if cap is not None and fresh:
        told = await connection.scalar(
            select(func.count())
            .select_from(mention_notices)
            .where(mention_notices.c.comment_id == comment_id)
        )
        if int(told or 0) > cap:
            raise TooManyMentions(
                f"a comment may notify at most {cap} people by mentions", limit=cap
            )
    return fresh
