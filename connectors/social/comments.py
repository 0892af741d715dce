"""Comments: threaded, edited with history, soft-deleted, with their tags and mentions.

A comment's text is stored exactly as written; rendering it safely is the
reader's job. Mentions arrive already resolved to people (the store does not
know the directory); ``notify`` names those of them who may see the item, and
each of them is told once in the comment's life. The caller's ``CommentLimits``
(comments a minute, people one comment may notify) are held in the write's
transaction (see ``quotas``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from .base import Event, ItemNotFound, NotAuthor, StoreBase, now, utc
from .changes import changes_of
from .quotas import NO_LIMITS, CommentLimits, first_mentions, hold_author, spend_comment
from .records import Comment, Revision, Written
from .tables import (
    COMMENT_TARGETS,
    activity,
    activity_tag_id,
    comment_revisions,
    comments,
    item_tags,
    mentions,
)


@dataclass(frozen=True, slots=True)
class CommentText:
    """What a write says: the text and what was found in it."""

    body: str
    tags: Sequence[str] = ()
    mentioned: Sequence[str] = ()  # person GUIDs
    notify: Sequence[str] = field(default_factory=tuple)  # those mentioned who may see it


class CommentsMixin(StoreBase):
    async def add_comment(
        self,
        author: str,
        kind: str,
        target: str,
        text: CommentText,
        *,
        parent_id: str | None = None,
        document: str | None = None,
        key: str | None = None,
        at: datetime | None = None,
        author_groups: Sequence[str] = (),
        limits: CommentLimits = NO_LIMITS,
    ) -> Written:
        """Write a comment (or a reply), its event and notifications in one transaction.

        Followers who asked to be notified hear of it: of the item, of the author, of
        its tags, and of ``author_groups`` (the GUIDs of the author's directory groups,
        which the store cannot know). Over ``limits`` it raises ``RateLimited`` or
        ``TooManyMentions`` and writes nothing; a retry of a written comment (same
        ``key``) still answers ``replayed``."""
        if kind not in COMMENT_TARGETS:
            raise ValueError(f"unknown comment target {kind!r}")
        try:
            return await self._add_comment(
                author, kind, target, text, parent_id, document, key, at, author_groups, limits
            )
        except IntegrityError:
            ref = await self._retry_ref(author, key, "comment") if key else None
            if ref is None:
                raise
            return Written(ref, replayed=True)

    async def _add_comment(
        self,
        author: str,
        kind: str,
        target: str,
        text: CommentText,
        parent_id: str | None,
        document: str | None,
        key: str | None,
        at: datetime | None,
        author_groups: Sequence[str],
        limits: CommentLimits,
    ) -> Written:
        async with self._begin() as connection:
            if limits.per_minute is not None:
                # Before the retry-key check: a retry queued behind its first attempt
                # then finds the key, and answers replayed rather than over quota.
                await hold_author(connection, author)
            ref = await self._replayed(connection, author, key, "comment")
            if ref is not None:
                return Written(ref, replayed=True)
            if limits.per_minute is not None:
                await spend_comment(connection, author, limits.per_minute)
            owner: str | None = target if kind == "person" else None
            if kind == "activity":
                event = await _live_activity(connection, target)
                document, owner = event.document, event.actor
            elif kind == "document":
                document = target
            parent_author = None
            if parent_id is not None:
                parent = await _live_comment(connection, parent_id)
                if (parent.target_kind, parent.target) != (kind, target):
                    raise ItemNotFound("the comment replied to is not on this item")
                parent_author = parent.author
            comment_id = str(uuid.uuid4())
            written = at or now()
            await connection.execute(
                insert(comments).values(
                    id=comment_id, author=author, target_kind=kind, target=target,
                    parent_id=parent_id, body=text.body, created_at=written, document=document,
                )
            )  # fmt: skip
            event_id = await self._record(
                connection,
                Event(
                    author, "replied" if parent_id else "commented", "comment", comment_id,
                    kind, target, document=document,
                ),
                written,
            )  # fmt: skip
            # The comment's and its event's tags in one statement, as few round trips
            # as possible: a write holds SQLite's only writer slot until it commits.
            tags = list(dict.fromkeys(text.tags))
            if tags:
                await connection.execute(
                    insert(item_tags),
                    [{"item_kind": "comment", "item_id": comment_id, "tag": t} for t in tags]
                    + [{"item_kind": "activity", "item_id": activity_tag_id(event_id), "tag": t}
                       for t in tags],
                )  # fmt: skip
            await _write_tags_and_mentions(connection, comment_id, (), text.mentioned)
            mentioned = await first_mentions(
                connection, comment_id, [p for p in text.notify if p != author], written,
                limits.mentions,
            )  # fmt: skip
            watched = [
                (kind, target), ("person", author),
                *(("tag", t) for t in tags), *(("group", g) for g in author_groups),
            ]  # fmt: skip
            followers = await self._followers_to_notify(connection, watched)
            await self._notify_each(
                connection,
                [("mention", mentioned), ("reply", [p for p in (parent_author, owner) if p]),
                 ("followed_activity", followers)],
                event_id=event_id, actor=author, document=document,
            )  # fmt: skip
            await self._remember(connection, author, key, "comment", comment_id)
            changes_of(connection).comment("added", comment_id, kind, target)
        return Written(comment_id, replayed=False)

    async def edit_comment(
        self,
        editor: str,
        comment_id: str,
        text: CommentText,
        *,
        moderator: bool = False,
        key: str | None = None,
        limits: CommentLimits = NO_LIMITS,
    ) -> Written:
        """Replace a comment's text, keeping the old text as a revision.

        Only people the comment never told of a mention are told now; past
        ``limits.mentions`` people told in all, it raises ``TooManyMentions``."""
        try:
            async with self._begin() as connection:
                if await self._replayed(connection, editor, key, "edit") is not None:
                    return Written(comment_id, replayed=True)
                current = await _live_comment(connection, comment_id, for_update=True)
                if current.author != editor and not moderator:
                    raise NotAuthor("only the author or a moderator may edit a comment")
                at = now()
                await connection.execute(
                    insert(comment_revisions).values(
                        comment_id=comment_id, body=current.body,
                        written_at=current.edited_at or current.created_at,
                        replaced_at=at, replaced_by=editor,
                    )
                )  # fmt: skip
                await connection.execute(
                    update(comments)
                    .where(comments.c.id == comment_id)
                    .values(body=text.body, edited_at=at)
                )
                await connection.execute(
                    delete(item_tags).where(
                        item_tags.c.item_kind == "comment", item_tags.c.item_id == comment_id
                    )
                )
                await connection.execute(
                    delete(mentions).where(mentions.c.comment_id == comment_id)
                )
                await _write_tags_and_mentions(connection, comment_id, text.tags, text.mentioned)
                event_id = await self._record(
                    connection,
                    Event(
                        editor, "edited", "comment", comment_id,
                        current.target_kind, current.target, document=current.document,
                    ),
                    at,
                )  # fmt: skip
                # Only people the comment never told of a mention hear of it.
                told = await first_mentions(
                    connection, comment_id, [p for p in text.notify if p != current.author],
                    at, limits.mentions,
                )  # fmt: skip
                await self._notify(
                    connection, told, "mention",
                    event_id=event_id, actor=current.author, document=current.document,
                )  # fmt: skip
                await self._remember(connection, editor, key, "edit", comment_id)
                changes_of(connection).comment(
                    "edited", comment_id, current.target_kind, current.target
                )
        except IntegrityError:
            if key and await self._retry_ref(editor, key, "edit"):
                return Written(comment_id, replayed=True)
            raise
        return Written(comment_id, replayed=False)

    async def delete_comment(self, actor: str, comment_id: str, *, moderator: bool = False) -> bool:
        """Soft-delete: the thread keeps its shape. ``False`` if it already was deleted."""
        async with self._begin() as connection:
            row = (
                await connection.execute(
                    select(
                        comments.c.author,
                        comments.c.deleted_at,
                        comments.c.target_kind,
                        comments.c.target,
                    ).where(comments.c.id == comment_id)
                )
            ).first()
            if row is None:
                raise ItemNotFound("no such comment")
            if row.author != actor and not moderator:
                raise NotAuthor("only the author or a moderator may delete a comment")
            if row.deleted_at is not None:
                return False
            at = now()
            await connection.execute(
                update(comments)
                .where(comments.c.id == comment_id, comments.c.deleted_at.is_(None))
                .values(deleted_at=at, deleted_by=actor)
            )
            await _hide_events_about(connection, "comment", comment_id, at)
            await self._record(connection, Event(actor, "deleted", "comment", comment_id), at)
            changes_of(connection).comment("deleted", comment_id, row.target_kind, row.target)
        return True

    async def comments_by_id(self, ids: Sequence[str]) -> list[Comment | None]:
        found = {
            r.id: _comment(r)
            for r in await self._rows(select(comments).where(comments.c.id.in_(set(ids))))
        }
        return [found.get(i) for i in ids]

    async def thread(
        self, kind: str, target: str, *, first: int, after: tuple[datetime, str] | None = None
    ) -> list[Comment]:
        """Top-level comments on a target, oldest first, keyset-paged by (time, id).

        Deleted and hidden comments stay in the list so replies keep their place.
        """
        condition = and_(
            comments.c.target_kind == kind,
            comments.c.target == target,
            comments.c.parent_id.is_(None),
        )
        if after is not None:
            condition = and_(condition, tuple_(comments.c.created_at, comments.c.id) > after)
        query = (
            select(comments)
            .where(condition)
            .order_by(comments.c.created_at, comments.c.id)
            .limit(first)
        )
        return [_comment(r) for r in await self._rows(query)]

    async def thread_starts(
        self, kind: str, targets: Sequence[str], *, first: int
    ) -> list[list[Comment]]:
        """The first ``first`` top-level comments of each target's thread (as ``thread``
        without a cursor), in target order: one statement for a page of targets."""
        c = comments.c
        rank = func.row_number().over(partition_by=c.target, order_by=(c.created_at, c.id))
        ranked = (
            select(comments, rank.label("rank"))
            .where(c.target_kind == kind, c.target.in_(set(targets)), c.parent_id.is_(None))
            .subquery()
        )
        query = (
            select(ranked).where(ranked.c.rank <= first).order_by(ranked.c.target, ranked.c.rank)
        )
        by_target: dict[str, list[Comment]] = {}
        for row in await self._rows(query):
            by_target.setdefault(row.target, []).append(_comment(row))
        return [by_target.get(t, []) for t in targets]

    async def replies(self, parent_ids: Sequence[str]) -> list[list[Comment]]:
        """Each comment's direct replies, oldest first, in key order."""
        query = (
            select(comments)
            .where(comments.c.parent_id.in_(set(parent_ids)))
            .order_by(comments.c.created_at, comments.c.id)
        )
        by_parent: dict[str, list[Comment]] = {}
        for row in await self._rows(query):
            by_parent.setdefault(row.parent_id, []).append(_comment(row))
        return [by_parent.get(p, []) for p in parent_ids]

    async def comments_on(self, kind: str, target: str, *, limit: int) -> list[Comment]:
        """A target's live comments, oldest first (a thread read top to bottom)."""
        rows = await self._rows(_COMMENTS_ON, {"kind": kind, "target": target, "limit": limit})
        return [_comment(r) for r in rows]

    async def comment_counts(self, kind: str, targets: Sequence[str]) -> list[int]:
        """Live (not deleted, not hidden) comments on each target, in order."""
        query = (
            select(comments.c.target, func.count())
            .where(
                comments.c.target_kind == kind,
                comments.c.target.in_(set(targets)),
                comments.c.deleted_at.is_(None),
                comments.c.hidden_at.is_(None),
            )
            .group_by(comments.c.target)
        )
        counts = {row[0]: row[1] for row in await self._rows(query)}
        return [int(counts.get(t, 0)) for t in targets]

    async def revisions(self, comment_id: str) -> list[Revision]:
        """Earlier texts of a comment, oldest first."""
        query = (
            select(comment_revisions)
            .where(comment_revisions.c.comment_id == comment_id)
            .order_by(comment_revisions.c.id)
        )
        return [
            Revision(r.body, utc(r.written_at), utc(r.replaced_at), r.replaced_by)
            for r in await self._rows(query)
        ]


# Read on every view of a document's comments: built once, its values bound per read.
_COMMENTS_ON = (
    select(comments)
    .where(comments.c.target_kind == bindparam("kind"), comments.c.target == bindparam("target"))
    .where(comments.c.deleted_at.is_(None), comments.c.hidden_at.is_(None))
    .order_by(comments.c.created_at, comments.c.id)
    .limit(bindparam("limit"))
)


async def _write_tags_and_mentions(
    connection: AsyncConnection, comment_id: str, tags: Sequence[str], people: Sequence[str]
) -> None:
    if tags:
        await connection.execute(
            insert(item_tags),
            [
                {"item_kind": "comment", "item_id": comment_id, "tag": t}
                for t in dict.fromkeys(tags)
            ],
        )
    if people:
        await connection.execute(
            insert(mentions),
            [{"comment_id": comment_id, "person": p} for p in dict.fromkeys(people)],
        )


async def _live_comment(
    connection: AsyncConnection, comment_id: str, *, for_update: bool = False
) -> Comment:
    query = select(comments).where(comments.c.id == comment_id)
    if for_update:  # PostgreSQL: serialise edits of one comment; SQLite locks the database
        query = query.with_for_update()
    row = (await connection.execute(query)).first()
    if row is None or row.deleted_at is not None or row.hidden_at is not None:
        raise ItemNotFound("no such comment")
    return _comment(row)


async def _live_activity(connection: AsyncConnection, event_id: str) -> Any:
    if not event_id.isdigit():
        raise ItemNotFound("no such activity item")
    row = (await connection.execute(select(activity).where(activity.c.id == int(event_id)))).first()
    if row is None or row.hidden_at is not None:
        raise ItemNotFound("no such activity item")
    return row


async def _hide_events_about(
    connection: AsyncConnection, kind: str, item_id: str, at: datetime
) -> None:
    """Take an item's own events out of feeds (its thread and history stay)."""
    await connection.execute(
        update(activity)
        .where(
            or_(
                and_(activity.c.object_kind == kind, activity.c.object_id == item_id),
                and_(activity.c.target_kind == kind, activity.c.target_id == item_id),
            ),
            activity.c.hidden_at.is_(None),
        )
        .values(hidden_at=at)
    )


def _comment(row: Any) -> Comment:
    return Comment(
        id=row.id, author=row.author, target_kind=row.target_kind, target=row.target,
        parent_id=row.parent_id, body=row.body, created_at=utc(row.created_at),
        edited_at=utc(row.edited_at) if row.edited_at else None,
        deleted_at=utc(row.deleted_at) if row.deleted_at else None,
        hidden_at=utc(row.hidden_at) if row.hidden_at else None,
        document=row.document,
    )  # fmt: skip
