"""Townhall's social writes: following and unfollowing people."""

from __future__ import annotations

from typing import Annotated

import strawberry

from .context import Info
from .errors import upstream
from .ids import parse_global_id
from .people import Person


@strawberry.type(description="The follow changed (or already was as asked).")
class FollowSuccess:
    person: Person = strawberry.field(description="The person followed or unfollowed.")
    changed: bool = strawberry.field(description="False when it already was as asked.")


@strawberry.type(description="No person has that id (or the id is not a person's).")
class NotFoundError:
    message: str = strawberry.field(description="What was not found.")


@strawberry.type(description="The request was understood but is not allowed.")
class NotAllowedError:
    message: str = strawberry.field(description="Why not.")


FollowResult = Annotated[
    FollowSuccess | NotFoundError | NotAllowedError,
    strawberry.union(
        "FollowResult", description="The outcome of following or unfollowing someone."
    ),
]


async def _target(info: Info, person_id: strawberry.ID) -> Person | NotFoundError:
    try:
        _, guid = parse_global_id(person_id, "Person")
    except Exception:
        return NotFoundError(message="No person has that id.")
    record = await upstream(info.context.loaders.person.load(guid))
    if record is None:
        return NotFoundError(message="No person has that id.")
    return Person.of(record)


@strawberry.type
class SocialMutations:
    @strawberry.mutation(description="Follow a person: their activity reaches your home feed.")
    async def follow_person(self, info: Info, person_id: strawberry.ID) -> FollowResult:
        target = await _target(info, person_id)
        if isinstance(target, NotFoundError):
            return target
        viewer = info.context.viewer.guid
        if target.record.guid == viewer:
            return NotAllowedError(message="You cannot follow yourself.")
        changed = await upstream(info.context.social.follow(viewer, "person", target.record.guid))
        return FollowSuccess(person=target, changed=changed)

    @strawberry.mutation(description="Stop following a person.")
    async def unfollow_person(self, info: Info, person_id: strawberry.ID) -> FollowResult:
        target = await _target(info, person_id)
        if isinstance(target, NotFoundError):
            return target
        viewer = info.context.viewer.guid
        changed = await upstream(info.context.social.unfollow(viewer, "person", target.record.guid))
        return FollowSuccess(person=target, changed=changed)
