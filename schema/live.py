"""Subscriptions: new notifications, new activity in a feed, comment events on an item,
documents changed, as they happen.

The gateway hears of each committed write as a pointer (``LiveEvent``: a kind and ids,
never content) through ``Context.live``. Before an event is read, ``Context.renew`` gives
the context fresh loaders and a fresh access gate, so nothing read for an earlier event
is served again; then the item is read through the gate exactly as a query reads it, and
only what the gate returns is sent. What the viewer may not read is never sent, not even
its id. A feed's subscription sends exactly the events its query would list: the same
store query, asked for the newest event up to this one.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Collection
from typing import TYPE_CHECKING, Annotated, TypeVar

import strawberry

from connectors.social import normalise_tag

from .activity import ActivityItem, _followed_group_members, _team
from .comments import Comment
from .context import Context, Info, LiveEvent, LiveEvents, LiveKind
from .errors import UPSTREAM_ERRORS, BadInput, ClientError, upstream
from .ids import global_id, parse_global_id
from .notifications import Notification
from .scope import Scanned

if TYPE_CHECKING:
    from connectors.social import ActivityEvent

    from .documents import Document

DocumentType = Annotated["Document", strawberry.lazy("schema.documents")]
T = TypeVar("T")
log = logging.getLogger("townhall.live")

MAX_FOLDER = 1024
FEEDS = "`feed` must be `home`, `person:<Person id>`, `document:<Document id>` or `tag:<name>`."
_NOTIFICATION: tuple[LiveKind] = ("notification",)
_ACTIVITY: tuple[LiveKind] = ("activity",)
_COMMENT: tuple[LiveKind] = ("comment",)
_DOCUMENT: tuple[LiveKind] = ("document",)
_COMMENT_TARGETS = {"Person": "person", "Document": "document", "ActivityItem": "activity"}


class LiveUnavailable(ClientError):
    code = "LIVE_UNAVAILABLE"


@strawberry.enum(description="What happened to a comment.")
class CommentEventKind(enum.Enum):
    _value_: str  # the plain value (Strawberry unwraps enum_value)
    ADDED = strawberry.enum_value("added", description="A new comment or reply was posted.")
    EDITED = strawberry.enum_value("edited", description="Its author changed its text.")
    DELETED = strawberry.enum_value(
        "deleted", description="Deleted by its author, hidden by a moderator, or erased."
    )


@strawberry.type(description="A comment added, edited or deleted on the item subscribed to.")
class CommentEvent:
    kind: CommentEventKind = strawberry.field(description="What happened.")
    comment_id: strawberry.ID = strawberry.field(description="Global id of the comment.")
    comment: Comment | None = strawberry.field(
        description="The comment as it now stands; null when deleted."
    )


async def _stream(
    info: Info,
    kinds: Collection[LiveKind],
    accept: Callable[[LiveEvent], bool],
    read: Callable[[LiveEvent], Awaitable[T | None]],
) -> AsyncGenerator[T, None]:
    """Each event ``accept`` lets through, read by ``read`` after a renewal of the context;
    the events ``read`` answers ``None`` for (not readable, not in the feed) are skipped."""
    context = info.context
    live = _live(context)
    async with contextlib.aclosing(live.listen(kinds, accept)) as events:
        async for event in events:
            if context.renew is not None:
                await context.renew()
            try:
                item = await read(event)
            except (ClientError, *UPSTREAM_ERRORS) as exc:
                # A source failing loses this event, not the subscription.
                log.info("live %s event skipped: %s", event.kind, type(exc).__name__)
                continue
            if item is not None:
                yield item


def _live(context: Context) -> LiveEvents:
    if context.live is None:
        raise LiveUnavailable("Live updates are not available on this connection.")
    return context.live


def _feed(feed: str) -> tuple[str, str]:
    """(kind, key) of a feed string; a clear error for anything else."""
    kind, sep, value = feed.partition(":")
    if kind == "home" and not sep:
        return "home", ""
    if not sep or not value:
        raise BadInput(FEEDS, field="feed")
    if kind == "person":
        return "person", parse_global_id(value, "Person")[1]
    if kind == "document":
        return "document", parse_global_id(value, "Document")[1]
    if kind == "tag":
        name = normalise_tag(value)
        if not name:
            raise BadInput("That is not a usable tag.", field="feed")
        return "tag", name
    raise BadInput(FEEDS, field="feed")


async def _in_feed(info: Info, kind: str, key: str, event_id: int) -> ActivityEvent | None:
    """The event, when the feed's own query (through the gate) lists it as its newest
    event up to ``event_id``: exactly what that feed would show."""
    activity = info.context.scope.activity
    event = await upstream(activity.event(event_id))
    if event is None:
        return None
    found: Scanned[ActivityEvent]
    before = event_id + 1
    if kind == "home":
        # As ``homeFeed``: the viewer's team and followed groups' members, read afresh.
        team, members = await asyncio.gather(_team(info), _followed_group_members(info))
        people = sorted(set(team) | set(members))
        found = await upstream(activity.home_feed(people, before=before, limit=1))
    elif kind == "person":
        if event.actor != key:
            return None
        found = await upstream(activity.person_feed(key, before=before, limit=1))
    elif kind == "document":
        if event.document != key:
            return None
        found = await upstream(activity.document_feed(key, before=before, limit=1))
    else:
        found = await upstream(activity.tag_feed(key, before=before, limit=1))
    return event if found.items and found.items[0].id == event_id else None


async def _target_visible(info: Info, kind: str, key: str) -> bool:
    scope = info.context.scope
    if kind == "person":
        return await upstream(info.context.loaders.person.load(key)) is not None
    if kind == "document":
        return bool(await upstream(scope.documents.readable([key])))
    return key.isdigit() and await upstream(scope.activity.event(int(key))) is not None


@strawberry.type(description="Live updates, over WebSocket (graphql-transport-ws) on /graphql.")
class Subscription:
    @strawberry.subscription(description="My new notifications, as they are created.")
    async def notification_added(self, info: Info) -> AsyncGenerator[Notification, None]:
        viewer = info.context.viewer.guid

        async def read(event: LiveEvent) -> Notification | None:
            number = int(event.key)
            # The viewer's own list, through the gate, from this notification down.
            page = await upstream(
                info.context.scope.notifications.page(before=number + 1, limit=1, unread_only=False)
            )
            shown = page.items[0] if page.items else None
            return Notification(record=shown) if shown and shown.id == number else None

        async for item in _stream(info, _NOTIFICATION, lambda e: e.recipient == viewer, read):
            yield item

    @strawberry.subscription(
        description="New activity in one feed: `home`, `person:<Person id>`, "
        "`document:<Document id>` or `tag:<name>`."
    )
    async def activity_added(
        self,
        info: Info,
        feed: Annotated[
            str,
            strawberry.argument(
                description="`home`, `person:<Person id>`, `document:<Document id>` or "
                "`tag:<name>`: the same items the matching feed query lists."
            ),
        ],
    ) -> AsyncGenerator[ActivityItem, None]:
        kind, key = _feed(feed.strip())

        async def read(event: LiveEvent) -> ActivityItem | None:
            if not event.key.isdigit():
                return None
            found = await _in_feed(info, kind, key, int(event.key))
            return ActivityItem(events=[found]) if found else None

        async for item in _stream(info, _ACTIVITY, lambda e: True, read):
            yield item

    @strawberry.subscription(
        description="Comments added, edited or deleted on one target (the same ids "
        "AddCommentInput.targetId takes)."
    )
    async def comment_events(
        self,
        info: Info,
        target_id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="Global id of the Person (their profile), Document or "
                "ActivityItem whose thread to follow, as AddCommentInput.targetId takes."
            ),
        ],
    ) -> AsyncGenerator[CommentEvent, None]:
        type_name, key = parse_global_id(target_id, *_COMMENT_TARGETS)
        kind = _COMMENT_TARGETS[type_name]
        if kind == "activity" and not key.isdigit():
            raise BadInput("Not a valid ActivityItem id.", field="targetId")
        target = (kind, key)

        async def read(event: LiveEvent) -> CommentEvent | None:
            if not await _target_visible(info, kind, key):
                return None
            found = await upstream(info.context.scope.comments.comment(event.key))
            gone = event.change == "deleted" or (
                found is not None and (found.deleted_at or found.hidden_at)
            )
            if found is None and not gone:
                return None
            return CommentEvent(
                kind=CommentEventKind.DELETED if gone else CommentEventKind(event.change),
                comment_id=strawberry.ID(global_id("Comment", event.key)),
                comment=None if gone or found is None else Comment.of(found),
            )

        async for item in _stream(info, _COMMENT, lambda e: e.target == target, read):
            yield item

    @strawberry.subscription(
        description="Documents I may read that changed, optionally within one folder and below it."
    )
    async def document_changed(
        self,
        info: Info,
        folder: Annotated[
            str | None,
            strawberry.argument(
                description="Only documents in this folder and below it (a path such as "
                "`Housing/Plans`); null: every document the viewer may read."
            ),
        ] = None,
    ) -> AsyncGenerator[DocumentType, None]:
        from .documents import readable_document

        prefix = (folder or "").strip("/")
        if len(prefix) > MAX_FOLDER:
            raise BadInput("`folder` is too long.", field="folder")

        def inside(event: LiveEvent) -> bool:
            path = event.key
            return not prefix or path == prefix or path.startswith(prefix + "/")

        async def read(event: LiveEvent) -> Document | None:
            return await readable_document(info, event.key)

        async for item in _stream(info, _DOCUMENT, inside, read):
            yield item
