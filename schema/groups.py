"""Directory groups: teams, directorates and lists people belong to, and follow.

Membership is the directory's (nested groups included); followers are Townhall's.
Following a group brings its members' activity to the follower's home feed.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

import strawberry

from connectors.directory import DirectoryGroup

from .arguments import After, First, IncludeLeavers
from .context import Info
from .errors import BadInput, upstream
from .ids import global_id, parse_global_id
from .pagination import Connection
from .people import Node, Person, people_page


@strawberry.type(
    description="A directory group: a team, a directorate or a distribution list. Name and "
    "members come from the directory (nested groups included); followers from Townhall."
)
class Group(Node):
    record: strawberry.Private[DirectoryGroup]

    @classmethod
    def of(cls, record: DirectoryGroup) -> Group:
        return cls(id=strawberry.ID(global_id("Group", record.guid)), record=record)

    @strawberry.field(description="The group's objectGUID, as `follow(input: {groupId})` takes.")
    def guid(self) -> str:
        return self.record.guid

    @strawberry.field(description="The group's name (cn). Source: directory.")
    def name(self) -> str:
        return self.record.name

    @strawberry.field(description="What the group is for. Source: directory.")
    def description(self) -> str | None:
        return self.record.description

    @strawberry.field(
        description="Everyone in the group, through nested groups too, sorted by name. "
        "Leavers (disabled or expired accounts) are left out unless `includeLeavers` is true. "
        "Null, with an error naming the source, when the directory cannot list them: the "
        "group's other fields stay. Source: directory."
    )
    async def members(
        self,
        info: Info,
        first: First = 20,
        after: After = None,
        include_leavers: IncludeLeavers = False,
    ) -> Connection[Person] | None:
        loaders = info.context.loaders
        guids = await upstream(loaders.group_members.load(self.record.dn))
        if not include_leavers:
            now = datetime.now(UTC)
            people = await upstream(loaders.person.load_many(guids))
            guids = [p.guid for p in people if p is not None and not p.is_leaver(now)]
        return await people_page(info, guids, first, after)

    @strawberry.field(description="How many people follow this group. Source: Townhall.")
    async def follower_count(self, info: Info) -> int:
        return await upstream(info.context.scope.follows.count("group", self.record.guid))

    @strawberry.field(description="Whether the signed-in viewer follows this group.")
    async def viewer_is_following(self, info: Info) -> bool:
        return await upstream(info.context.scope.follows.viewer_follows("group", self.record.guid))


def _is_guid(key: str) -> bool:
    try:
        uuid.UUID(key)
    except ValueError:
        return False
    return True


async def group_by_key(info: Info, key: str) -> DirectoryGroup | None:
    """A group by GUID; ``None`` when the key is no GUID or names no group."""
    if not _is_guid(key):
        return None
    return await upstream(info.context.loaders.group.load(str(uuid.UUID(key))))


@strawberry.type
class GroupQueries:
    @strawberry.field(
        description="A directory group by global id, or by name (give exactly one); null "
        "when there is no such group."
    )
    async def group(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The group's global id (`Group.id`)."),
        ] = None,
        name: Annotated[
            str | None,
            strawberry.argument(
                description="The group's name as the directory holds it, e.g. 'Staff - Planning' "
                "(case and repeated spaces do not matter; at most 256 characters)."
            ),
        ] = None,
    ) -> Group | None:
        if (id is None) == (name is None):
            raise BadInput("Give exactly one of `id` or `name`.", field="id")
        if id is not None:
            _, key = parse_global_id(id, "Group")
            found = await group_by_key(info, key)
            if found is None and not _is_guid(key):
                raise BadInput("Not a valid Group id.", field="id")
        else:
            text = " ".join((name or "").split())
            if not text or len(text) > 256:
                raise BadInput("`name` must be 1 to 256 characters.", field="name")
            found = await upstream(info.context.loaders.group_by_name.load(text))
        return Group.of(found) if found else None
