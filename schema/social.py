"""The social layer's shared pieces: typed mutation errors, retry keys, and follows
(people, documents, groups, tags) with their notify choice.

Everything about a document is shown only to people who may read that document
now: a feed item, a count or a notification about a document the viewer may
not open is dropped as if it did not exist. The access gate (``Context.scope``)
decides that; a document follow goes through it like every other read and write.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Awaitable
from typing import Annotated, TypeVar

import strawberry

from connectors.directory import DirectoryPerson
from connectors.social import MAX_TAG, ItemNotFound, SocialRefused, normalise_tag

from .context import Info
from .errors import BadInput, upstream
from .ids import global_id, parse_global_id
from .people import Person

MAX_RETRY_KEY = 64
T = TypeVar("T")


class _Carried(Exception):
    def __init__(self, error: SocialRefused) -> None:
        super().__init__(str(error))
        self.error = error


async def _carry(awaitable: Awaitable[T]) -> T:
    try:
        return await awaitable
    except SocialRefused as exc:
        raise _Carried(exc) from exc


async def write(awaitable: Awaitable[T]) -> T:
    """Await a store write: a refusal (not found, not the author...) reaches the caller
    as itself, for a typed result; an outage becomes a client-safe source error."""
    try:
        return await upstream(_carry(awaitable))
    except _Carried as carried:
        raise carried.error from None


@strawberry.type(description="The follow changed (or already was as asked).")
class FollowSuccess:
    person: Person = strawberry.field(description="The person followed or unfollowed.")
    changed: bool = strawberry.field(description="False when it already was as asked.")


@strawberry.type(description="No such item (or the viewer may not see it).")
class NotFoundError:
    message: str = strawberry.field(description="What was not found.")


@strawberry.type(description="The request was understood but is not allowed.")
class NotAllowedError:
    message: str = strawberry.field(description="Why not.")


@strawberry.type(description="An input value was refused; `field` names which.")
class InvalidInputError:
    message: str = strawberry.field(description="What is wrong with the value.")
    field: str = strawberry.field(description="The input field at fault (camelCase).")


FollowResult = Annotated[
    FollowSuccess | NotFoundError | NotAllowedError | InvalidInputError,
    strawberry.union(
        "FollowResult", description="The outcome of following or unfollowing someone."
    ),
]


@strawberry.enum(description="What kind of thing a follow is of.")
class FollowKind(enum.Enum):
    _value_: str  # the plain value (Strawberry unwraps enum_value)
    PERSON = strawberry.enum_value("person", description="A person (their activity).")
    DOCUMENT = strawberry.enum_value(
        "document", description="A document (its changes, comments and reactions)."
    )
    GROUP = strawberry.enum_value("group", description="A directory group (its members' activity).")
    TAG = strawberry.enum_value("tag", description="A #tag (activity carrying it).")


@strawberry.input(description="Follow (or stop following) a person, document, group or tag.")
class FollowInput:
    target_id: strawberry.ID | None = strawberry.field(
        default=None, description="Global id of a Person, Document or Group."
    )
    group_id: str | None = strawberry.field(
        default=None, description="objectGUID of a directory group (`Group.guid`)."
    )
    tag: str | None = strawberry.field(default=None, description="A tag, with or without '#'.")
    notify: bool | None = strawberry.field(
        default=None,
        description="Also notify me about it (follow only). Omitted: a new follow notifies, "
        "an existing one keeps its choice.",
    )


@strawberry.type(description="A follow as it now stands.")
class FollowTargetSuccess:
    kind: FollowKind = strawberry.field(description="What is followed.")
    key: str = strawberry.field(
        description="The followed item's key, exactly as `myFollows` lists it: a global id "
        "(person, document, group: a group followed by `groupId` answers its global id too) "
        "or the tag."
    )
    following: bool = strawberry.field(description="Whether the viewer now follows it.")
    notify: bool = strawberry.field(description="Whether the follow notifies the viewer.")
    changed: bool = strawberry.field(description="False when it already was as asked.")


FollowTargetResult = Annotated[
    FollowTargetSuccess | NotFoundError | NotAllowedError | InvalidInputError,
    strawberry.union("FollowTargetResult", description="The outcome of a follow change."),
]


def retry_key(client_mutation_id: str | None) -> str | InvalidInputError | None:
    """The store's retry key for a client mutation id (checked, not trusted)."""
    if client_mutation_id is None:
        return None
    if not client_mutation_id.strip() or len(client_mutation_id) > MAX_RETRY_KEY:
        return InvalidInputError(
            message=f"`clientMutationId` must be 1 to {MAX_RETRY_KEY} characters.",
            field="clientMutationId",
        )
    return client_mutation_id


def decode_id(value: str, field: str, *expected: str) -> tuple[str, str] | InvalidInputError:
    """``(type name, key)`` of a global id of one of the ``expected`` types; a malformed id,
    or one of another type, is refused naming ``field`` (it is bad input, not a miss)."""
    try:
        return parse_global_id(value, *expected)
    except BadInput:
        return InvalidInputError(message=f"Not a {' or '.join(expected)} id.", field=field)


def tag_or_error(value: str, field: str) -> str | InvalidInputError:
    """The normalised tag of ``value``; refused when it has no letters or digits, or is
    longer than a tag may be (never stored cut short)."""
    tag = normalise_tag(value, limit=None)
    if not tag:
        return InvalidInputError(message="That is not a usable tag.", field=field)
    if len(tag) > MAX_TAG:
        return InvalidInputError(message=f"A tag may be at most {MAX_TAG} characters.", field=field)
    return tag


async def person_by_id(
    info: Info, person_id: strawberry.ID, field: str
) -> DirectoryPerson | NotFoundError | InvalidInputError:
    """The person a Person id names; ``InvalidInputError`` naming ``field`` for a malformed
    id, ``NotFoundError`` for one the directory does not have."""
    decoded = decode_id(person_id, field, "Person")
    if isinstance(decoded, InvalidInputError):
        return decoded
    found = await upstream(info.context.loaders.person.load(decoded[1]))
    return found if found is not None else NotFoundError(message="No person has that id.")


# -- follows ----------------------------------------------------------------------------


async def _group_target(
    info: Info, guid: str, existing: bool
) -> tuple[str, str, str, str | None] | NotFoundError:
    # Only an existing group may be followed; one the directory no longer has can
    # still be unfollowed (its follows would otherwise be stuck). The key answered is the
    # group's global id however it was named, as `myFollows` lists it.
    if existing and await upstream(info.context.loaders.group.load(guid)) is None:
        return NotFoundError(message="No group has that id.")
    return "group", guid, global_id("Group", guid), None


async def _follow_target(
    info: Info, data: FollowInput, *, existing: bool = True
) -> tuple[str, str, str, str | None] | NotFoundError | InvalidInputError:
    """(kind, store key, client key, document path) of what ``data`` names; with
    ``existing`` a person or group must exist (following needs that, unfollowing not)."""
    given = [v for v in (data.target_id, data.group_id, data.tag) if v is not None]
    if len(given) != 1:
        return InvalidInputError(
            message="Give exactly one of `targetId`, `groupId` or `tag`.", field="targetId"
        )
    if data.tag is not None:
        tag = tag_or_error(data.tag, "tag")
        if isinstance(tag, InvalidInputError):
            return tag
        return "tag", tag, tag, None
    if data.group_id is not None:
        try:
            guid = str(uuid.UUID(data.group_id))
        except ValueError:
            return InvalidInputError(message="`groupId` must be a GUID.", field="groupId")
        return await _group_target(info, guid, existing)
    assert data.target_id is not None
    decoded = decode_id(data.target_id, "targetId", "Person", "Document", "Group")
    if isinstance(decoded, InvalidInputError):
        return decoded
    type_name, key = decoded
    if type_name == "Group":
        try:
            guid = str(uuid.UUID(key))
        except ValueError:
            return InvalidInputError(message="Not a Group id.", field="targetId")
        return await _group_target(info, guid, existing)
    if type_name == "Person":
        if existing and await upstream(info.context.loaders.person.load(key)) is None:
            return NotFoundError(message="No person has that id.")
        return "person", key, data.target_id, None
    if not await upstream(info.context.scope.documents.readable([key])):
        return NotFoundError(message="No document has that id.")
    return "document", key, data.target_id, key


@strawberry.type
class SocialMutations:
    @strawberry.mutation(description="Follow a person: their activity reaches your home feed.")
    async def follow_person(
        self,
        info: Info,
        person_id: Annotated[
            strawberry.ID, strawberry.argument(description="The person's global id (`Person.id`).")
        ],
    ) -> FollowResult:
        record = await person_by_id(info, person_id, "personId")
        if not isinstance(record, DirectoryPerson):
            return record
        viewer = info.context.viewer.guid
        if record.guid == viewer:
            return NotAllowedError(message="You cannot follow yourself.")
        changed = await write(info.context.scope.follows.follow("person", record.guid, notify=None))
        return FollowSuccess(person=Person.of(record), changed=changed)

    @strawberry.mutation(description="Stop following a person.")
    async def unfollow_person(
        self,
        info: Info,
        person_id: Annotated[
            strawberry.ID, strawberry.argument(description="The person's global id (`Person.id`).")
        ],
    ) -> FollowResult:
        record = await person_by_id(info, person_id, "personId")
        if not isinstance(record, DirectoryPerson):
            return record
        changed = await write(info.context.scope.follows.unfollow("person", record.guid))
        return FollowSuccess(person=Person.of(record), changed=changed)

    @strawberry.mutation(
        description="Follow a person, document, group or tag: it reaches your home feed. "
        "Whether it also notifies you is a separate choice (`notify`). Following is "
        "naturally idempotent: a retry changes nothing."
    )
    async def follow(
        self,
        info: Info,
        input: Annotated[
            FollowInput,
            strawberry.argument(
                description="What to follow (exactly one of `targetId`, `groupId`, `tag`), and "
                "whether it notifies."
            ),
        ],
    ) -> FollowTargetResult:
        target = await _follow_target(info, input)
        if not isinstance(target, tuple):
            return target
        kind, key, client_key, _ = target
        if kind == "person" and key == info.context.viewer.guid:
            return NotAllowedError(message="You cannot follow yourself.")
        follows = info.context.scope.follows
        try:
            changed = await write(follows.follow(kind, key, notify=input.notify))
        except ItemNotFound:
            return NotFoundError(message="No document has that id.")
        choice = await upstream(follows.choices(kind, [key]))
        return FollowTargetSuccess(
            kind=FollowKind(kind), key=client_key, following=key in choice,
            notify=choice.get(key, False), changed=changed,
        )  # fmt: skip

    @strawberry.mutation(description="Stop following a person, document, group or tag.")
    async def unfollow(
        self,
        info: Info,
        input: Annotated[
            FollowInput,
            strawberry.argument(
                description="What to stop following (exactly one of `targetId`, `groupId`, `tag`)."
            ),
        ],
    ) -> FollowTargetResult:
        target = await _follow_target(info, input, existing=False)
        if not isinstance(target, tuple):
            return target
        kind, key, client_key, _ = target
        try:
            changed = await write(info.context.scope.follows.unfollow(kind, key))
        except ItemNotFound:
            return NotFoundError(message="No document has that id.")
        return FollowTargetSuccess(
            kind=FollowKind(kind), key=client_key, following=False, notify=False, changed=changed
        )
