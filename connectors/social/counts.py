"""How long the store's lists are: one ``COUNT`` per list, or per batch of lists.

What the API calls ``totalCount``. Nothing here judges who may read what: a count of
things that may be about a document comes back per document (``None``: about none), so
that the access gate (in the gateway) adds up only the documents the viewer may read.

Feeds aggregate alike events (same verb on the same thing, the same UTC day) into one
item, so a feed's count is of distinct aggregation keys, built in SQL exactly as the
schema builds them in Python (``schema.activity``): "replied" counts as "commented",
and a comment or endorsement is keyed by what it is on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, String, and_, case, cast, func, literal, or_, select

from .activity import FEED_VERBS
from .base import IN_LIST, StoreBase
from .tables import activity, comments, follows, item_tags, notifications

ByDocument = dict[str | None, int]  # count of items about each document (None: about none)


class StoreCounts:
    """Counts over one social store (the gateway wraps the store it holds)."""

    def __init__(self, store: StoreBase) -> None:
        self._store = store

    async def followed(self, follower: str, kind: str) -> list[str]:
        """Every target of ``kind`` that ``follower`` follows (for documents, which the
        gate must judge one by one)."""
        query = select(follows.c.target).where(
            follows.c.follower == follower, follows.c.target_kind == kind
        )
        return [row[0] for row in await self._store._rows(query)]

    async def thread_counts(self, kind: str, targets: Sequence[str]) -> list[int]:
        """Top-level comments on each target, deleted and hidden ones included (they keep
        their place in a thread), in order."""
        found: dict[str, int] = {}
        for chunk in _chunks(targets):
            query = (
                select(comments.c.target, func.count())
                .where(
                    comments.c.target_kind == kind,
                    comments.c.target.in_(chunk),
                    comments.c.parent_id.is_(None),
                )
                .group_by(comments.c.target)
            )
            found.update({row[0]: int(row[1]) for row in await self._store._rows(query)})
        return [found.get(t, 0) for t in targets]

    async def notifications(self, recipient: str, *, unread_only: bool) -> ByDocument:
        """A person's notifications (or only the unread ones), per document."""
        condition = notifications.c.recipient == recipient
        if unread_only:
            condition = and_(condition, notifications.c.read_at.is_(None))
        query = (
            select(notifications.c.document, func.count())
            .where(condition)
            .group_by(notifications.c.document)
        )
        return {row[0]: int(row[1]) for row in await self._store._rows(query)}

    async def person_feeds(self, people: Sequence[str]) -> list[ByDocument]:
        """Aggregated items of each person's feed (what they did), per document, in order."""
        found: dict[str, ByDocument] = {}
        for chunk in _chunks(people):
            rows = await self._feed_items(activity.c.actor.in_(chunk), by=activity.c.actor)
            for actor, document, n in rows:
                found.setdefault(actor, {})[document] = n
        return [found.get(p, {}) for p in people]

    async def document_feeds(self, paths: Sequence[str]) -> list[int]:
        """Aggregated items of each document's feed, in order (the gate judges the
        document itself)."""
        found: dict[str, int] = {}
        for chunk in _chunks(paths):
            rows = await self._feed_items(activity.c.document.in_(chunk), by=activity.c.document)
            for path, _, n in rows:
                found[path] = found.get(path, 0) + n
        return [found.get(p, 0) for p in paths]

    async def tag_feed(self, tag: str) -> ByDocument:
        """Aggregated items of a tag's feed, per document."""
        tagged = select(cast(item_tags.c.item_id, Integer)).where(
            item_tags.c.item_kind == "activity", item_tags.c.tag == tag
        )
        return _by_document(await self._feed_items(activity.c.id.in_(tagged)))

    async def home_feed(self, viewer: str, team: Sequence[str]) -> ByDocument:
        """Aggregated items of a home feed (what the viewer follows, plus ``team``), per
        document: the same sources as ``ActivityMixin.home_feed``, OR-ed in one count."""
        followed: dict[str, list[str]] = {}
        for kind, target in await self._store._rows(
            select(follows.c.target_kind, follows.c.target).where(follows.c.follower == viewer)
        ):
            followed.setdefault(kind, []).append(target)
        a = activity.c
        people = sorted((set(followed.get("person", [])) | set(team)) - {viewer})
        conditions: list[Any] = []
        if people:
            conditions.append(a.actor.in_(people))
        if followed.get("person"):
            conditions.append(and_(a.target_kind == "person", a.target_id.in_(followed["person"])))
        if followed.get("document"):
            conditions.append(a.document.in_(followed["document"]))
        if followed.get("group"):
            conditions.append(and_(a.target_kind == "group", a.target_id.in_(followed["group"])))
        if followed.get("tag"):
            tagged = select(cast(item_tags.c.item_id, Integer)).where(
                item_tags.c.item_kind == "activity", item_tags.c.tag.in_(followed["tag"])
            )
            conditions.append(a.id.in_(tagged))
        if not conditions:
            return {}
        return _by_document(await self._feed_items(and_(or_(*conditions), a.actor != viewer)))

    async def _feed_items(self, condition: Any, *, by: Any = None) -> list[tuple[Any, Any, int]]:
        """(``by`` value, document, distinct aggregation keys) of the feed-worthy events
        matching ``condition``."""
        a = activity.c
        verb = case((a.verb == "replied", literal("commented")), else_=a.verb)
        keyed_by_target = and_(verb.in_(("commented", "endorsed")), a.target_kind.is_not(None))
        subject_kind = case((keyed_by_target, a.target_kind), else_=a.object_kind)
        subject_id = case((keyed_by_target, func.coalesce(a.target_id, "")), else_=a.object_id)
        key = verb + "|" + subject_kind + "|" + subject_id + "|" + cast(self._day(), String)
        document = func.coalesce(
            a.document,
            case((a.object_kind == "document", a.object_id)),
            case((a.target_kind == "document", a.target_id)),
        )
        group = by if by is not None else literal("")
        query = (
            select(group, document, func.count(func.distinct(key)))
            .where(condition, a.hidden_at.is_(None), a.verb.in_(FEED_VERBS))
            .group_by(group, document)
        )
        return [(row[0], row[1], int(row[2])) for row in await self._store._rows(query)]

    def _day(self) -> Any:
        """The UTC day of an event, as the schema aggregates by it."""
        if self._store.dialect == "postgresql":
            return func.date(func.timezone("UTC", activity.c.created_at))
        return func.date(activity.c.created_at)  # SQLite keeps UTC times


def _by_document(rows: list[tuple[Any, Any, int]]) -> ByDocument:
    found: ByDocument = {}
    for _, document, n in rows:
        found[document] = found.get(document, 0) + n
    return found


def _chunks(keys: Sequence[str]) -> list[list[str]]:
    unique = list(dict.fromkeys(keys))
    return [unique[i : i + IN_LIST] for i in range(0, len(unique), IN_LIST)]
