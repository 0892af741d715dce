"""Activity feeds: home (what I follow, plus my team), a person's, a document's, a tag's.

Feeds are keyset-paged by event id, so a page never shifts when new events
arrive. Similar events (same verb on the same thing, the same day) aggregate
into one item: "Alice Smith and 3 others commented on Local Plan". Events come
from the access gate (``Context.scope.activity``), which drops those about a
document the viewer may not read before aggregation, so they never show, nor count.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from connectors.social import ActivityEvent

from .arguments import After, First
from .comments import Comment, ReactionCount, reaction_counts
from .context import Info
from .errors import BadInput, upstream
from .ids import cursor, global_id, parse_cursor
from .pagination import Connection, Counter, Edge, check_first, keyset_page
from .people import Person
from .scope import Scanned
from .social import InvalidInputError, tag_or_error

if TYPE_CHECKING:
    from .documents import Document

DocumentType = Annotated["Document", strawberry.lazy("schema.documents")]
Fetch = Callable[[int | None, int], Awaitable[Scanned[ActivityEvent]]]

MAX_FOLLOWED_GROUPS = 50  # groups whose members' activity a home feed reads
MAX_GROUP_PEOPLE = 2000  # people reached through followed groups, in all
_MAX_SCANS = 5  # batches read for one page before answering with what was found
_PHRASES = {
    "commented": "commented on", "replied": "replied on", "reacted": "reacted to",
    "followed": "followed",
    "updated": "updated", "created": "created", "endorsed": "endorsed",
    "added_skill": "added skills to their profile", "updated_profile": "updated their profile",
    "joined": "joined", "moved": "moved to", "left": "left",
}  # fmt: skip


def _group_key(event: ActivityEvent) -> tuple[str, ...]:
    verb = "commented" if event.verb == "replied" else event.verb
    if verb in ("commented", "endorsed") and event.target_kind:
        subject = (event.target_kind, event.target_id or "")
    else:
        subject = (event.object_kind, event.object_id)
    return (verb, *subject, event.created_at.date().isoformat())


@strawberry.type(
    description="One thing that happened, or several alike aggregated (same verb, same item, "
    "same day): actor, verb, object, target, time."
)
class ActivityItem:
    events: strawberry.Private[list[ActivityEvent]]  # newest first

    @property
    def latest(self) -> ActivityEvent:
        return self.events[0]

    @strawberry.field(description="Global id of the newest event (comment or react on it).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(global_id("ActivityItem", str(self.latest.id)))

    @strawberry.field(
        description="What happened: commented, replied, reacted, followed, updated, endorsed, "
        "added_skill, updated_profile, joined, moved, left."
    )
    def verb(self) -> str:
        return self.latest.verb

    @strawberry.field(description="When the newest of its events happened.")
    def created_at(self) -> datetime:
        return self.latest.created_at

    @strawberry.field(description="How many events this item aggregates.")
    def event_count(self) -> int:
        return len(self.events)

    @strawberry.field(description="How many different people acted.")
    def actor_count(self) -> int:
        return len({e.actor for e in self.events})

    @strawberry.field(description="The people who acted, most recent first.")
    async def actors(
        self,
        info: Info,
        first: Annotated[
            int,
            strawberry.argument(
                description="How many people to list: at most 20 (`actorCount` says how many "
                "acted)."
            ),
        ] = 3,
    ) -> list[Person]:
        guids = list(dict.fromkeys(e.actor for e in self.events))[: max(0, min(first, 20))]
        found = await upstream(info.context.loaders.person.load_many(guids))
        return [Person.of(p) for p in found if p is not None]

    @strawberry.field(description="The kind of the object acted on (comment, document, ...).")
    def object_kind(self) -> str:
        return self.latest.object_kind

    @strawberry.field(description="The tag acted on, when the object is a tag or a skill.")
    def tag(self) -> str | None:
        e = self.latest
        return e.object_id if e.object_kind in ("tag", "skill") else None

    @strawberry.field(description="The document it is about, if any (always one you may read).")
    async def document(self, info: Info) -> DocumentType | None:
        from .documents import readable_document

        path = self.latest.document
        return await readable_document(info, path) if path else None

    @strawberry.field(description="The person it is about: followed, endorsed, commented on.")
    async def person(self, info: Info) -> Person | None:
        e = self.latest
        guid = e.object_id if e.object_kind == "person" else None
        if e.target_kind == "person":
            guid = e.target_id
        found = await upstream(info.context.loaders.person.load(guid)) if guid else None
        return Person.of(found) if found else None

    @strawberry.field(description="The newest comment, when the events are comments.")
    async def comment(self, info: Info) -> Comment | None:
        if self.latest.object_kind != "comment":
            return None
        found = await upstream(info.context.scope.comments.comment(self.latest.object_id))
        return Comment.of(found) if found else None

    @strawberry.field(
        description='A one-line summary naming what was acted on, e.g. "Alice Smith and 3 '
        'others commented on Local Plan", "Alex Morgan followed group Housing Team", '
        '"Sam Lee commented on Priya Shah\'s profile".'
    )
    async def summary(self, info: Info) -> str:
        actors = await self.actors(info, first=1)
        who = actors[0].record.display_name if actors else "Someone"
        others = self.actor_count() - 1
        if others > 0:
            who += f" and {others} other{'s' if others > 1 else ''}"
        phrase = _PHRASES.get(self.verb(), self.verb())
        what = await self._label(info)
        return f"{who} {phrase} {what}".strip()

    async def _label(self, info: Info) -> str:
        e = self.latest
        kind, key = e.object_kind, e.object_id
        if e.verb in ("commented", "replied", "endorsed") and e.target_kind:
            kind, key = e.target_kind, e.target_id or ""
        if e.verb in ("added_skill", "updated_profile"):
            return ""
        if e.object_kind == "person" and e.verb in ("joined", "left"):
            return "the council"
        if e.object_kind == "person" and e.verb == "moved":
            if e.target_kind == "title" and e.target_id:  # a new job title
                return f"the role of {e.target_id}"
            if e.target_kind == "manager":  # the same job under someone else
                return "a new team"
            return e.target_id or "a new role"  # a department, or a place of work
        if kind in ("tag", "skill"):
            return f"#{key}"
        if kind == "person":
            person = await self.person(info)
            name = person.record.display_name if person else "someone"
            if e.verb in ("commented", "replied"):
                return f"{name}'s profile"
            if e.verb == "endorsed" and e.object_kind == "skill":
                return f"{name}'s skill #{e.object_id}"
            return name
        if kind == "group":
            group = await upstream(info.context.loaders.group.load(key))
            return f"group {group.name}" if group else "a group"
        if kind == "comment":
            return await self._comment_label(info, key)
        if kind == "document" or e.document:
            document = await self.document(info)
            return document.title() if document else "a document"
        return {"activity": "an activity item"}.get(kind, kind)

    async def _comment_label(self, info: Info, comment_id: str) -> str:
        """ "a comment on Local Plan", "a comment on Priya Shah's profile"."""
        found = await upstream(info.context.scope.comments.comment(comment_id))
        if found is None:
            return "a comment"
        if found.target_kind == "person":
            person = await upstream(info.context.loaders.person.load(found.target))
            return f"a comment on {person.display_name}'s profile" if person else "a comment"
        if found.target_kind == "document" or self.latest.document:
            document = await self.document(info)
            return f"a comment on {document.title()}" if document else "a comment"
        return "a comment"

    @strawberry.field(description="Reactions to this item.")
    async def reactions(self, info: Info) -> list[ReactionCount]:
        return await reaction_counts(info, "activity", str(self.latest.id))

    @strawberry.field(description="Comments on this item, oldest first.")
    async def comments(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[Comment]:
        from .discussion import comment_thread

        return await comment_thread(info, "activity", str(self.latest.id), first, after)


async def feed_page(
    info: Info, fetch: Fetch, first: int, after: str | None, count: Counter
) -> Connection[ActivityItem]:
    """A page of aggregated items, keyset-paged by event id; ``fetch`` reads through the
    gate, which leaves out what the viewer may not see (the page goes on past it), and
    ``count`` counts the feed's items through it."""
    check_first(first)
    position = parse_cursor(after)
    if first == 0:  # counts only: the feed is read only if `hasNextPage` is asked

        async def probe() -> bool:
            at = position
            for _ in range(_MAX_SCANS):
                read = await upstream(fetch(at, 30))
                if read.items:
                    return True
                if not read.more or read.end is None:
                    return False
                at = read.end
            return True  # a sparse feed: as the paged read says

        return keyset_page([], more=probe, after=after, end_cursor=after, count=count)
    groups: dict[tuple[str, ...], list[ActivityEvent]] = {}
    ends: dict[tuple[str, ...], int] = {}
    batch = max(3 * first, 30)
    more = False
    for scan in range(_MAX_SCANS):
        read = await upstream(fetch(position, batch))
        for event in read.items:
            key = _group_key(event)
            if key not in groups:
                if len(groups) == first:
                    more = True
                    break
                groups[key] = []
            groups[key].append(event)
            ends[key] = event.id
            position = event.id
        else:
            position = read.end if read.end is not None else position
        if more or not read.more:
            break
        if scan == _MAX_SCANS - 1:
            more = True  # a sparse feed: answer now, the cursor carries on from here
    items = [ActivityItem(events=evs) for evs in groups.values()]
    edges = [Edge(cursor=cursor(ends[k]), node=item) for k, item in zip(groups, items, strict=True)]
    if edges and position is not None:
        edges[-1] = Edge(cursor=cursor(position), node=edges[-1].node)
    end = cursor(position) if position is not None and (edges or more) else None
    return keyset_page(edges, more=more, after=after, end_cursor=end, count=count)


async def _team(info: Info) -> list[str]:
    """The viewer's team: their manager's reports (peers) and their own reports."""
    viewer = info.context.viewer.person
    loaders = info.context.loaders
    dns = [viewer.dn] + ([viewer.manager_dn] if viewer.manager_dn else [])
    teams = await upstream(loaders.reports.load_many(dns))
    return sorted({p.guid for team in teams for p in team} - {viewer.guid})


async def _followed_group_members(info: Info) -> list[str]:
    """Members of the groups the viewer follows (the first ``MAX_FOLLOWED_GROUPS`` followed,
    at most ``MAX_GROUP_PEOPLE`` people in all): their activity reaches the home feed."""
    loaders, viewer = info.context.loaders, info.context.viewer.guid
    follows = await upstream(
        info.context.scope.follows.following(viewer, "group", first=MAX_FOLLOWED_GROUPS, after=None)
    )
    if not follows.items:
        return []
    groups = await upstream(loaders.group.load_many([f.target for f in follows.items]))
    dns = [g.dn for g in groups if g is not None]
    members: dict[str, None] = {}
    for guids in await upstream(loaders.group_members.load_many(dns)):
        members.update(dict.fromkeys(guids))
    members.pop(viewer, None)
    return list(members)[:MAX_GROUP_PEOPLE]


async def person_activity(
    info: Info, guid: str, first: int, after: str | None
) -> Connection[ActivityItem]:
    activity = info.context.scope.activity

    async def fetch(before: int | None, limit: int) -> Scanned[ActivityEvent]:
        return await activity.person_feed(guid, before=before, limit=limit)

    async def count() -> int:
        return await activity.person_feed_count(guid)

    return await feed_page(info, fetch, first, after, count)


async def document_activity(
    info: Info, path: str, first: int, after: str | None
) -> Connection[ActivityItem]:
    activity = info.context.scope.activity

    async def fetch(before: int | None, limit: int) -> Scanned[ActivityEvent]:
        return await activity.document_feed(path, before=before, limit=limit)

    async def count() -> int:
        return await activity.document_feed_count(path)

    return await feed_page(info, fetch, first, after, count)


async def tag_activity(
    info: Info, tag: str, first: int, after: str | None
) -> Connection[ActivityItem]:
    activity = info.context.scope.activity

    async def fetch(before: int | None, limit: int) -> Scanned[ActivityEvent]:
        return await activity.tag_feed(tag, before=before, limit=limit)

    async def count() -> int:
        return await activity.tag_feed_count(tag)

    return await feed_page(info, fetch, first, after, count)


@strawberry.type
class ActivityQueries:
    @strawberry.field(
        description="My home feed: activity of the people, documents, groups (their "
        "members' activity) and tags I follow, and of my team (my manager's reports and "
        "mine), newest first, aggregated."
    )
    async def home_feed(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[ActivityItem]:
        activity = info.context.scope.activity
        team, members = await asyncio.gather(_team(info), _followed_group_members(info))
        team = sorted(set(team) | set(members))

        async def fetch(before: int | None, limit: int) -> Scanned[ActivityEvent]:
            return await activity.home_feed(team, before=before, limit=limit)

        async def count() -> int:
            return await activity.home_feed_count(team)

        return await feed_page(info, fetch, first, after, count)

    @strawberry.field(description="Activity carrying a #tag, newest first, aggregated.")
    async def tag_feed(
        self,
        info: Info,
        tag: Annotated[
            str,
            strawberry.argument(
                description="The tag, with or without '#' (case and spaces do not matter; at most "
                "64 characters)."
            ),
        ],
        first: First = 20,
        after: After = None,
    ) -> Connection[ActivityItem]:
        name = tag_or_error(tag, "tag")
        if isinstance(name, InvalidInputError):
            raise BadInput(name.message, field=name.field)
        return await tag_activity(info, name, first, after)
