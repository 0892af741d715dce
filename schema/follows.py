"""What the viewer follows — people, documents, groups and tags — with each follow's
notify choice, newest first: the list to manage follows from.

A followed document the viewer may no longer read is left out by the access gate (its
path would say what it is); a followed person or group the directory no longer has
shows with only its key, so the follow can still be ended.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from connectors.social import Follow

from .arguments import After, First
from .context import Info
from .documents import Document
from .errors import upstream
from .groups import Group
from .ids import cursor, global_id, parse_cursor
from .pagination import Connection, Edge, check_first, keyset_page
from .people import Person
from .social import FollowKind
from .tags import Tag


@strawberry.type(description="Something the viewer follows, and whether it notifies them.")
class FollowedItem:
    kind: FollowKind = strawberry.field(description="What is followed.")
    key: str = strawberry.field(
        description="What `follow`/`unfollow` take for it: a global id (person, document, "
        "group) or the tag."
    )
    notify: bool = strawberry.field(description="Whether it also notifies the viewer.")
    followed_at: datetime = strawberry.field(description="When the viewer followed it.")
    person: Person | None = strawberry.field(description="The person, for a person follow.")
    document: Document | None = strawberry.field(description="The document, if readable.")
    group: Group | None = strawberry.field(description="The group, for a group follow.")
    tag: Tag | None = strawberry.field(description="The tag, for a tag follow.")


async def _items(info: Info, kind: str, rows: list[Follow]) -> list[FollowedItem]:
    """Each follow (through the gate: documents the viewer may read) as an item."""
    loaders = info.context.loaders
    targets = [r.target for r in rows]
    people = groups = documents = None
    if kind == "person":
        people = await upstream(loaders.person.load_many(targets))
    elif kind == "group":
        groups = await upstream(loaders.group.load_many(targets))
    elif kind == "document":
        documents = await upstream(info.context.scope.documents.many(targets))
    items: list[FollowedItem] = []
    for i, row in enumerate(rows):
        item = FollowedItem(
            kind=FollowKind(kind), key=row.target, notify=row.notify,
            followed_at=row.created_at, person=None, document=None, group=None, tag=None,
        )  # fmt: skip
        if kind == "person":
            found = people[i] if people else None
            item.key = global_id("Person", row.target)
            item.person = Person.of(found) if found else None
        elif kind == "group":
            group = groups[i] if groups else None
            item.key = global_id("Group", row.target)
            item.group = Group.of(group) if group else None
        elif kind == "document":
            item.key = global_id("Document", row.target)
            record = documents[i] if documents else None
            item.document = Document.of(record) if record else None
        else:
            item.tag = Tag(name=row.target)
        items.append(item)
    return items


@strawberry.type
class FollowQueries:
    @strawberry.field(
        description="What I follow of one kind, most recently followed first, with each "
        "follow's notify choice (keyset-paged: stable while I follow more)."
    )
    async def my_follows(
        self,
        info: Info,
        kind: Annotated[
            FollowKind, strawberry.argument(description="Which kind of follows to list.")
        ],
        first: First = 20,
        after: After = None,
    ) -> Connection[FollowedItem]:
        check_first(first)
        follows, viewer = info.context.scope.follows, info.context.viewer.guid
        page = await upstream(
            follows.following(viewer, kind.value, first=first, after=parse_cursor(after))
        )
        items = await _items(info, kind.value, page.items)
        edges = [
            Edge(cursor=cursor(row.id), node=item)
            for row, item in zip(page.items, items, strict=True)
        ]
        end = cursor(page.end) if page.end is not None else None  # past trimmed documents too

        async def count() -> int:
            return await follows.following_count(viewer, kind.value)

        return keyset_page(edges, more=page.more, after=after, end_cursor=end, count=count)
