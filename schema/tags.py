"""Tags: the #tags of comments and the skills of profiles, which people follow."""

from __future__ import annotations

from typing import Annotated

import strawberry

from .activity import ActivityItem, tag_activity
from .arguments import After, First
from .context import Info
from .errors import BadInput, upstream
from .pagination import Connection
from .social import InvalidInputError, tag_or_error


@strawberry.type(description="A tag (normalised: lower case, words joined by '-').")
class Tag:
    name: str = strawberry.field(description="The tag, without '#'.")

    @strawberry.field(description="How many people follow the tag.")
    async def follower_count(self, info: Info) -> int:
        return await upstream(info.context.scope.follows.count("tag", self.name))

    @strawberry.field(description="Whether the viewer follows the tag.")
    async def viewer_is_following(self, info: Info) -> bool:
        return await upstream(info.context.scope.follows.viewer_follows("tag", self.name))

    @strawberry.field(description="Whether the viewer's follow of the tag notifies them.")
    async def viewer_is_notified(self, info: Info) -> bool:
        choices = await upstream(info.context.scope.follows.choices("tag", [self.name]))
        return choices.get(self.name, False)

    @strawberry.field(description="Activity carrying the tag, newest first, aggregated.")
    async def activity(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[ActivityItem]:
        return await tag_activity(info, self.name, first, after)


@strawberry.type
class TagQueries:
    @strawberry.field(description="A tag by name ('#' and case do not matter).")
    def tag(
        self,
        name: Annotated[
            str,
            strawberry.argument(
                description="The tag, with or without '#' (case and spaces do not matter; at most "
                "64 characters)."
            ),
        ],
    ) -> Tag:
        tag = tag_or_error(name, "name")
        if isinstance(tag, InvalidInputError):
            raise BadInput(tag.message, field=tag.field)
        return Tag(name=tag)
