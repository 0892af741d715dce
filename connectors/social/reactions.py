"""Reactions: a fixed set, one of each per person per item (comment, activity, document).

Counts are counted from the rows under a unique key, so a like and an unlike
racing each other always leave the count equal to the reactions that exist.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .base import Event, StoreBase, now
from .comments import _live_activity, _live_comment
from .tables import REACTION_TARGETS, reactions


class ReactionsMixin(StoreBase):
    async def react(self, person: str, kind: str, target: str, reaction: str) -> bool:
        """Add one reaction; ``False`` if the person already had it on the item."""
        _check_reaction_target(kind)
        async with self._begin() as connection:
            owner, document = await _reaction_item(connection, kind, target)
            added = await self._insert_ignore(
                connection, reactions,
                {"person": person, "target_kind": kind, "target": target, "kind": reaction,
                 "document": document, "created_at": now()},
            )  # fmt: skip
            if not added:
                return False
            event_id = await self._record(
                connection,
                Event(person, "reacted", kind, target, "reaction", reaction, document=document),
            )
            await self._notify(
                connection, [owner] if owner else [], "reaction",
                event_id=event_id, actor=person, document=document,
            )  # fmt: skip
        return True

    async def unreact(self, person: str, kind: str, target: str, reaction: str) -> bool:
        """Take a reaction back; ``False`` if there was none."""
        _check_reaction_target(kind)
        async with self._begin() as connection:
            result = await connection.execute(
                delete(reactions).where(
                    reactions.c.person == person, reactions.c.target_kind == kind,
                    reactions.c.target == target, reactions.c.kind == reaction,
                )
            )  # fmt: skip
            if result.rowcount:
                await self._record(
                    connection, Event(person, "unreacted", kind, target, "reaction", reaction)
                )
        return bool(result.rowcount)

    async def reaction_counts(self, kind: str, targets: Sequence[str]) -> list[dict[str, int]]:
        """Reactions on each target by kind, in order."""
        query = (
            select(reactions.c.target, reactions.c.kind, func.count())
            .where(reactions.c.target_kind == kind, reactions.c.target.in_(set(targets)))
            .group_by(reactions.c.target, reactions.c.kind)
        )
        found: dict[str, dict[str, int]] = {}
        for target, reaction, count in await self._rows(query):
            found.setdefault(target, {})[reaction] = int(count)
        return [found.get(t, {}) for t in targets]

    async def reactions_by(self, person: str, kind: str, targets: Sequence[str]) -> list[set[str]]:
        """The reactions ``person`` gave each target, in order."""
        query = select(reactions.c.target, reactions.c.kind).where(
            reactions.c.person == person,
            reactions.c.target_kind == kind,
            reactions.c.target.in_(set(targets)),
        )
        found: dict[str, set[str]] = {}
        for target, reaction in await self._rows(query):
            found.setdefault(target, set()).add(reaction)
        return [found.get(t, set()) for t in targets]


async def _reaction_item(
    connection: AsyncConnection, kind: str, target: str
) -> tuple[str | None, str | None]:
    """(owner to notify, document the item is about) of a live item to react to."""
    if kind == "comment":
        comment = await _live_comment(connection, target)
        return comment.author, comment.document
    if kind == "activity":
        row = await _live_activity(connection, target)
        return row.actor, row.document
    return None, target  # a document: its readers are checked by the caller


def _check_reaction_target(kind: str) -> None:
    if kind not in REACTION_TARGETS:
        raise ValueError(f"unknown reaction target {kind!r}")
