"""Follows of people, documents, groups and tags; whether each follow notifies."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, delete, func, select, update

from .base import Event, StoreBase, now, utc
from .records import Follow
from .tables import TARGET_KINDS, follows

log = logging.getLogger(__name__)


class FollowsMixin(StoreBase):
    async def follow(
        self,
        follower: str,
        kind: str,
        target: str,
        *,
        notify: bool | None = None,
        document: str | None = None,
    ) -> bool:
        """Make ``follower`` follow the target; ``False`` if it already did, with the
        notify choice asked for.

        ``notify`` None keeps an existing follow's choice (a new one notifies); a new choice
        on an existing follow is a change (``True``).
        ``document`` names the document a document follow is about, so the
        activity event reaches only that document's readers.
        """
        _check_kind(kind)
        async with self._begin() as connection:
            added = await self._insert_ignore(
                connection,
                follows,
                {
                    "follower": follower,
                    "target_kind": kind,
                    "target": target,
                    "notify": True if notify is None else notify,
                    "created_at": now(),
                },
            )
            if not added:
                if notify is None:
                    return False
                switched = await connection.execute(
                    update(follows)
                    .where(_edge(follower, kind, target), follows.c.notify != notify)
                    .values(notify=notify)
                )
                return bool(switched.rowcount)
            event_id = await self._record(
                connection,
                Event(
                    follower, "followed", kind, target,
                    document=document if kind == "document" else None,
                    tags=[target] if kind == "tag" else (),
                ),
            )  # fmt: skip
            if kind == "person":
                await self._notify(
                    connection, [target], "new_follower",
                    event_id=event_id, actor=follower, document=None,
                )  # fmt: skip
        await self._tell_follow_listeners(follower, kind, target)
        return True

    async def set_follow_notify(self, follower: str, kind: str, target: str, notify: bool) -> bool:
        """Change whether a follow notifies; ``False`` when there is no such follow."""
        _check_kind(kind)
        async with self._begin() as connection:
            result = await connection.execute(
                update(follows).where(_edge(follower, kind, target)).values(notify=notify)
            )
        return bool(result.rowcount)

    async def unfollow(self, follower: str, kind: str, target: str) -> bool:
        """Stop following; ``False`` if there was nothing to stop.

        Recorded (as every social action is) but never shown in a feed.
        """
        _check_kind(kind)
        async with self._begin() as connection:
            result = await connection.execute(delete(follows).where(_edge(follower, kind, target)))
            if result.rowcount:
                await self._record(connection, Event(follower, "unfollowed", kind, target))
        if result.rowcount:
            await self._tell_follow_listeners(follower, kind, target)
        return bool(result.rowcount)

    async def _tell_follow_listeners(self, follower: str, kind: str, target: str) -> None:
        """After the commit: a listener failing (a cache down) never undoes the write."""
        for listener in self.follow_listeners:
            try:
                await listener(follower, kind, target)
            except Exception as exc:
                log.warning("a follow listener failed (%s): %s", type(exc).__name__, exc)

    async def follower_counts(self, kind: str, targets: Sequence[str]) -> list[int]:
        """How many follow each target, in order."""
        query = (
            select(follows.c.target, func.count())
            .where(follows.c.target_kind == kind, follows.c.target.in_(set(targets)))
            .group_by(follows.c.target)
        )
        counts = {row[0]: row[1] for row in await self._rows(query)}
        return [int(counts.get(t, 0)) for t in targets]

    async def following_counts(self, kind: str, followers: Sequence[str]) -> list[int]:
        """How many targets of ``kind`` each follower follows, in order."""
        query = (
            select(follows.c.follower, func.count())
            .where(follows.c.target_kind == kind, follows.c.follower.in_(set(followers)))
            .group_by(follows.c.follower)
        )
        counts = {row[0]: row[1] for row in await self._rows(query)}
        return [int(counts.get(f, 0)) for f in followers]

    async def followers(
        self, kind: str, target: str, *, first: int, after: int | None = None
    ) -> list[Follow]:
        """Who follows the target, newest first, keyset-paged by follow id."""
        condition = and_(follows.c.target_kind == kind, follows.c.target == target)
        if after is not None:
            condition = and_(condition, follows.c.id < after)
        query = select(follows).where(condition).order_by(follows.c.id.desc()).limit(first)
        return [_follow(r) for r in await self._rows(query)]

    async def following(
        self, follower: str, kind: str, *, first: int, after: int | None = None
    ) -> list[Follow]:
        """What ``follower`` follows of ``kind``, newest first, keyset-paged by follow id."""
        condition = and_(follows.c.follower == follower, follows.c.target_kind == kind)
        if after is not None:
            condition = and_(condition, follows.c.id < after)
        query = select(follows).where(condition).order_by(follows.c.id.desc()).limit(first)
        return [_follow(r) for r in await self._rows(query)]

    async def followed_by(self, viewer: str, kind: str, targets: Sequence[str]) -> set[str]:
        """Which of ``targets`` the viewer follows."""
        return set(await self.follow_choices(viewer, kind, targets))

    async def follow_choices(
        self, viewer: str, kind: str, targets: Sequence[str]
    ) -> dict[str, bool]:
        """The targets the viewer follows, each with whether that follow notifies."""
        query = select(follows.c.target, follows.c.notify).where(
            follows.c.follower == viewer,
            follows.c.target_kind == kind,
            follows.c.target.in_(set(targets)),
        )
        return {row[0]: bool(row[1]) for row in await self._rows(query)}


def _edge(follower: str, kind: str, target: str) -> Any:
    return and_(
        follows.c.follower == follower, follows.c.target_kind == kind, follows.c.target == target
    )


def _check_kind(kind: str) -> None:
    if kind not in TARGET_KINDS:
        raise ValueError(f"unknown target kind {kind!r}")


def _follow(row: Any) -> Follow:
    return Follow(
        row.id, row.follower, row.target_kind, row.target, utc(row.created_at), bool(row.notify)
    )
