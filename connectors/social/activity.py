"""Activity events and the feeds read from them; notifications and their read state.

Feeds are keyset-paged by event id (newest first), so a page never shifts when
new events arrive. The home feed reads one index-ordered scan per source, each
stopping at the page size, and keeps the newest of them; on PostgreSQL that is one
statement of the same text for every viewer (each list of sources an array parameter,
read by a ``LATERAL`` scan per element), so it is compiled and prepared once and its
work is bounded by (sources x page size) index entries, however old or sparse the
sources are. The store returns every matching event; trimming events
about documents a viewer may not read is the access gate's job (the gateway
knows who may read what), which is why every event carries the document it is
about, whatever its verb (``StoreBase._record``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    any_,
    bindparam,
    cast,
    func,
    or_,
    select,
    true,
    union,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from .base import Event, StoreBase, utc
from .changes import changes_of
from .records import ActivityEvent, Notification
from .tables import activity, activity_tag_id, follows, item_tags, notifications

_MAX_BRANCHES = 50  # followed documents (and tags) read one index scan each; the rest together
# Verbs that make a feed; "edited" is recorded but would only be noise there.
FEED_VERBS = (
    "commented", "replied", "reacted", "followed", "updated", "created", "joined", "moved", "left",
    "endorsed", "added_skill", "updated_profile",
)  # fmt: skip

# What a viewer follows, built once (the home feed reads it at every call).
_FOLLOWED = select(follows.c.target_kind, follows.c.target).where(
    follows.c.follower == bindparam("follower", type_=String)
)


class ActivityMixin(StoreBase):
    async def record(self, event: Event, *, at: datetime | None = None) -> int:
        """Record an event from an upstream change feed (joined, moved team, left...)."""
        async with self._begin() as connection:
            return await self._record(connection, event, at)

    async def record_document_change(
        self, path: str, editor: str, *, verb: str = "updated", at: datetime | None = None
    ) -> int:
        """A document changed upstream: an event, and a notification for followers who asked."""
        [event_id] = await self.record_document_changes([(path, editor, verb, at)])
        return event_id

    async def record_document_changes(
        self, changes: Sequence[tuple[str, str, str, datetime | None]]
    ) -> list[int]:
        """Changes from the document store's feed, as (path, editor GUID, verb, when):
        one transaction, an event each, and notifications for followers who asked."""
        ids: list[int] = []
        async with self._begin() as connection:
            for path, editor, verb, at in changes:
                event_id = await self._record(
                    connection, Event(editor, verb, "document", path, document=path), at
                )
                watchers = await self._followers_to_notify(connection, [("document", path)])
                await self._notify(
                    connection, watchers, "document_changed",
                    event_id=event_id, actor=editor, document=path,
                )  # fmt: skip
                ids.append(event_id)
                changes_of(connection).documents.append(path)
        return ids

    async def events_by_id(self, ids: Sequence[int]) -> list[ActivityEvent | None]:
        rows = await self._rows(select(activity).where(activity.c.id.in_(set(ids))))
        found = {r.id: _event(r) for r in rows if r.hidden_at is None}
        return [found.get(i) for i in ids]

    async def home_feed(
        self, viewer: str, team: Sequence[str], *, before: int | None, limit: int
    ) -> list[ActivityEvent]:
        """What the viewer follows (people, documents, groups, tags) plus their team.

        One index-ordered branch per source (per person, document, group and tag, up
        to ``_MAX_BRANCHES`` each), each stopping at ``limit`` rows, merged: a single
        query OR-ing the sources makes PostgreSQL read every older event instead. On
        PostgreSQL one statement built once (``_home_postgresql``); on SQLite a union.
        """
        followed: dict[str, list[str]] = {}
        for kind, target in await self._rows(_FOLLOWED, {"follower": viewer}):
            followed.setdefault(kind, []).append(target)
        people = sorted((set(followed.get("person", [])) | set(team)) - {viewer})
        if not (people or any(followed.get(k) for k in ("document", "group", "tag"))):
            return []
        if self.dialect == "postgresql":
            sources = {
                "people": people, "followed_people": followed.get("person", []),
                "documents": followed.get("document", []), "groups": followed.get("group", []),
                "tags": followed.get("tag", []),
            }  # fmt: skip
            lists: dict[str, list[str]] = {}
            for name, values in sources.items():
                ordered = sorted(set(values))
                lists[name], lists[f"{name}_rest"] = (
                    ordered[:_MAX_BRANCHES],
                    ordered[_MAX_BRANCHES:],
                )
            bound: dict[str, Any] = {"viewer": viewer, "limit": limit, **lists}
            if before is not None:
                bound.update(before=before, before_tag=activity_tag_id(before))
            rows = await self._rows(_home_postgresql(before is not None), bound)
            return [_event(r) for r in rows]
        a = activity.c
        mine = a.actor != viewer
        conditions: list[Any] = []
        if people:
            conditions.append(a.actor.in_(people))
        if followed.get("person"):
            conditions.append(and_(a.target_kind == "person", a.target_id.in_(followed["person"])))
        documents = followed.get("document", [])
        conditions += [a.document == path for path in documents[:_MAX_BRANCHES]]
        if documents[_MAX_BRANCHES:]:
            conditions.append(a.document.in_(documents[_MAX_BRANCHES:]))
        if followed.get("group"):
            conditions.append(and_(a.target_kind == "group", a.target_id.in_(followed["group"])))
        branches = [_newest(and_(c, mine), before, limit) for c in conditions]
        tags = followed.get("tag", [])
        branches += [
            _tagged(item_tags.c.tag == t, mine, before, limit) for t in tags[:_MAX_BRANCHES]
        ]
        if tags[_MAX_BRANCHES:]:
            branches.append(_tagged(item_tags.c.tag.in_(tags[_MAX_BRANCHES:]), mine, before, limit))
        if not branches:
            return []
        newest = [branch.subquery() for branch in branches]
        ids = union(*(select(branch.c.id) for branch in newest)).subquery()
        query = (
            select(activity)
            .where(activity.c.id.in_(select(ids.c.id)))
            .order_by(activity.c.id.desc())
            .limit(limit)
        )
        return [_event(r) for r in await self._rows(query)]

    async def person_feed(
        self, person: str, *, before: int | None, limit: int
    ) -> list[ActivityEvent]:
        return await self._feed_by("actor", person, before, limit)

    async def document_feed(
        self, path: str, *, before: int | None, limit: int
    ) -> list[ActivityEvent]:
        return await self._feed_by("document", path, before, limit)

    async def _feed_by(
        self, column: str, value: str, before: int | None, limit: int
    ) -> list[ActivityEvent]:
        """One person's or document's feed: a statement built once per column and page
        kind (a person card reads it on every request), its values bound at each call."""
        params: dict[str, Any] = {"value": value, "limit": limit}
        if before is not None:
            params["before"] = before
        rows = await self._rows(_feed_statement(column, before is not None), params)
        return [_event(r) for r in rows]

    async def tag_feed(self, tag: str, *, before: int | None, limit: int) -> list[ActivityEvent]:
        ids = _tagged(item_tags.c.tag == tag, true(), before, limit).subquery()
        query = (
            select(activity)
            .where(activity.c.id.in_(select(ids.c.id)))
            .order_by(activity.c.id.desc())
        )
        return [_event(r) for r in await self._rows(query)]

    # -- notifications --------------------------------------------------------------------

    async def notifications_for(
        self,
        recipient: str,
        *,
        before: int | None,
        limit: int,
        unread_only: bool = False,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Notification]:
        """A person's notifications, newest first, keyset-paged by id."""
        condition = notifications.c.recipient == recipient
        if before is not None:
            condition = and_(condition, notifications.c.id < before)
        if unread_only:
            condition = and_(condition, notifications.c.read_at.is_(None))
        if since is not None:
            condition = and_(condition, notifications.c.created_at >= since)
        if until is not None:
            condition = and_(condition, notifications.c.created_at < until)
        query = (
            select(notifications).where(condition).order_by(notifications.c.id.desc()).limit(limit)
        )
        return [_notification(r) for r in await self._rows(query)]

    async def unread_by_document(self, recipient: str) -> dict[str | None, int]:
        """Unread notifications per document they are about (``None``: about no document)."""
        query = (
            select(notifications.c.document, func.count())
            .where(notifications.c.recipient == recipient, notifications.c.read_at.is_(None))
            .group_by(notifications.c.document)
        )
        return {row[0]: int(row[1]) for row in await self._rows(query)}

    async def mark_read(
        self,
        recipient: str,
        ids: Sequence[int] | None = None,
        *,
        documents: Collection[str] | None = None,
    ) -> int:
        """Mark some (or, with ``None``, all) of a person's notifications read; how many.
        With ``documents``, only notifications about no document or about one of those."""
        condition = and_(notifications.c.recipient == recipient, notifications.c.read_at.is_(None))
        if ids is not None:
            condition = and_(condition, notifications.c.id.in_(set(ids)))
        if documents is not None:
            about: Any = notifications.c.document.is_(None)
            if documents:
                about = or_(about, notifications.c.document.in_(set(documents)))
            condition = and_(condition, about)
        async with self._begin() as connection:
            result = await connection.execute(
                update(notifications).where(condition).values(read_at=func.now())
            )
        return int(result.rowcount or 0)


@functools.cache
def _home_postgresql(paged: bool) -> Any:
    """The home feed's statement on PostgreSQL (``paged``: after a cursor). For each of
    the first ``_MAX_BRANCHES`` elements of each list of sources, its newest ``limit``
    feed-worthy events by a backward scan of that source's index (``ix_activity_actor``,
    ``ix_activity_target``, ``ix_activity_document``, ``ix_item_tags_tag``); the rest of
    a list (``<name>_rest``) in one scan, skipped when empty; then the newest ``limit`` of
    them all. Built once: its text is the same for every viewer, whatever they follow."""
    a = activity.c
    limit = bindparam("limit", type_=Integer)
    not_mine = a.actor != bindparam("viewer", type_=String)
    # The verbs as one array value, not an IN list expanded into the text at each call.
    verbs = bindparam("feed_verbs", list(FEED_VERBS), type_=ARRAY(String))

    def shown(condition: Any) -> Any:
        return and_(condition, a.hidden_at.is_(None), a.verb == any_(verbs))

    def newest(name: str, matches: Callable[[Any], Any] | None) -> list[Any]:
        def scan(value: Any) -> Any:
            if matches is None:  # tags: read in the tag index's order
                joined = item_tags.join(activity, a.id == cast(item_tags.c.item_id, Integer))
                query = (
                    select(a.id)
                    .select_from(joined)
                    .where(item_tags.c.item_kind == "activity", item_tags.c.tag == value)
                    .where(shown(not_mine))
                    .order_by(item_tags.c.item_id.desc())
                )
                if paged:
                    query = query.where(item_tags.c.item_id < bindparam("before_tag", String))
            else:
                query = select(a.id).where(shown(and_(matches(value), not_mine)))
                query = query.order_by(a.id.desc())
                if paged:
                    query = query.where(a.id < bindparam("before", type_=Integer))
            return query.limit(limit)

        value = _elements(name)
        each = scan(value.c.value).lateral(f"{name}_each")
        rest = bindparam(f"{name}_rest", type_=ARRAY(String))
        together = scan(any_(rest)).where(func.cardinality(rest) > 0).subquery(f"{name}_rest")
        return [select(each.c.id).select_from(value.join(each, true())), select(together.c.id)]

    ids = union_all(
        *newest("people", lambda v: a.actor == v),
        *newest("followed_people", lambda v: and_(a.target_kind == "person", a.target_id == v)),
        *newest("documents", lambda v: a.document == v),
        *newest("groups", lambda v: and_(a.target_kind == "group", a.target_id == v)),
        *newest("tags", None),
    ).subquery("newest")
    # The page's ids first (an event may come from several sources), then only their rows.
    page = select(ids.c.id).distinct().order_by(ids.c.id.desc()).limit(limit)
    return select(activity).where(a.id.in_(page)).order_by(a.id.desc())


def _elements(name: str) -> Any:
    """``unnest(:name) AS name(value)``: the elements of an array parameter as rows."""
    array = bindparam(name, type_=ARRAY(String))
    return func.unnest(array).table_valued("value").render_derived(name=name)


@functools.cache
def _feed_statement(column: str, paged: bool) -> Any:
    """The feed of one value of ``column`` (``actor`` or ``document``), newest first;
    ``paged``: older than the ``before`` cursor."""
    condition = activity.c[column] == bindparam("value", type_=String)
    before = bindparam("before", type_=Integer) if paged else None
    return (
        select(activity)
        .where(_shown(condition, before))
        .order_by(activity.c.id.desc())
        .limit(bindparam("limit", type_=Integer))
    )


def _newest(condition: Any, before: int | None, limit: int) -> Any:
    """Ids of the newest feed-worthy events matching ``condition`` (an index-ordered scan)."""
    return (
        select(activity.c.id)
        .where(_shown(condition, before))
        .order_by(activity.c.id.desc())
        .limit(limit)
    )


def _tagged(tags: Any, condition: Any, before: int | None, limit: int) -> Any:
    """Ids of the newest feed-worthy events carrying a tag, read in the tag index's order."""
    where = and_(item_tags.c.item_kind == "activity", tags, _shown(condition, None))
    if before is not None:
        where = and_(where, item_tags.c.item_id < activity_tag_id(before))
    joined = item_tags.join(activity, activity.c.id == cast(item_tags.c.item_id, Integer))
    return (
        select(activity.c.id)
        .select_from(joined)
        .where(where)
        .order_by(item_tags.c.item_id.desc())
        .limit(limit)
    )


def _shown(condition: Any, before: Any) -> Any:
    """Feed-worthy, not hidden, older than the cursor."""
    condition = and_(condition, activity.c.hidden_at.is_(None), activity.c.verb.in_(FEED_VERBS))
    return condition if before is None else and_(condition, activity.c.id < before)


def _event(row: Any) -> ActivityEvent:
    return ActivityEvent(
        id=row.id, actor=row.actor, verb=row.verb, object_kind=row.object_kind,
        object_id=row.object_id, target_kind=row.target_kind, target_id=row.target_id,
        audience=row.audience, document=row.document, created_at=utc(row.created_at),
    )  # fmt: skip


def _notification(row: Any) -> Notification:
    return Notification(
        id=row.id, recipient=row.recipient, kind=row.kind, activity_id=row.activity_id,
        report_id=row.report_id, actor=row.actor, document=row.document,
        created_at=utc(row.created_at), read_at=utc(row.read_at) if row.read_at else None,
    )  # fmt: skip
