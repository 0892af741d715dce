"""From committed writes to subscriptions: the publisher and this instance's fan-out.

    store commit -> LivePublisher (a store change listener) -> EventBus -> LiveHub.deliver
                 -> each matching subscription's bounded queue -> LiveHub.listen -> resolver

``LivePublisher`` turns what a write changed (``connectors.social.changes``) into bus
messages of ids. ``LiveHub`` hands each message's events to the subscriptions that asked
for their kind and whose ``accept`` lets them through (a cheap test on ids: a recipient,
a comment's target, a folder), each into a queue of at most ``live.queue_size`` events.
A subscription whose queue is full when one more event arrives has fallen behind: it is
marked, and its iterator raises ``SlowConsumer`` (code ``SLOW_CONSUMER``), which the
WebSocket transport turns into a close of that connection; nobody else is slowed.
Reading an event's item, through the viewer's gate, is the subscription's business
(``schema.live``), never the hub's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from connectors.social import SocialStore
from connectors.social.changes import StoreChanges
from connectors.social.tables import COMMENT_TARGETS
from schema.context import LiveEvent, LiveKind
from schema.errors import ClientError

from .bus import (
    MAX_ITEMS,
    ActivityMessage,
    BusMessage,
    CommentMessage,
    DocumentMessage,
    EventBus,
    MemoryBus,
    NotificationMessage,
    RedisBus,
)
from .settings import LiveSettings

log = logging.getLogger("townhall.live")
T = TypeVar("T")
MAX_KEY = 2048  # longer keys never cross the bus (the message shape refuses them)


class SlowConsumer(ClientError):
    """A subscription's events came faster than its connection took them."""

    code = "SLOW_CONSUMER"

    def __init__(self) -> None:
        super().__init__(
            "Events arrived faster than this connection read them; reconnect to carry on."
        )


def events_of(message: BusMessage) -> list[LiveEvent]:
    """One ``LiveEvent`` per item of a bus message."""
    if isinstance(message, CommentMessage):
        return [
            LiveEvent("comment", comment, change=change, target=(kind, target))
            for change, comment, kind, target in message.items
        ]
    if isinstance(message, NotificationMessage):
        return [
            LiveEvent("notification", str(number), recipient=recipient)
            for number, recipient in message.items
        ]
    if isinstance(message, ActivityMessage):
        return [LiveEvent("activity", str(number)) for number in message.items]
    return [LiveEvent("document", path) for path in message.items]


def messages_of(changes: StoreChanges) -> Iterator[BusMessage]:
    """The bus messages telling what one commit changed, at most ``MAX_ITEMS`` items each."""
    comments: list[Any] = [
        (c.change, c.comment_id, c.target_kind, c.target)
        for c in changes.comments
        if c.target_kind in COMMENT_TARGETS and len(c.target) <= MAX_KEY
    ]
    for comment_part in _chunks(comments):
        yield CommentMessage(items=comment_part)
    for notification_part in _chunks(changes.notifications):
        yield NotificationMessage(items=notification_part)
    for event_part in _chunks(changes.events):
        yield ActivityMessage(items=event_part)
    paths = [p for p in dict.fromkeys(changes.documents) if len(p) <= MAX_KEY]
    for path_part in _chunks(paths):
        yield DocumentMessage(items=path_part)


def _chunks(items: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(items), MAX_ITEMS):
        yield items[start : start + MAX_ITEMS]


class LivePublisher:
    """A social-store change listener publishing each commit's changes on the bus."""

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus

    async def __call__(self, changes: StoreChanges) -> None:
        for message in messages_of(changes):
            await self._bus.publish(message)


@dataclass(eq=False, slots=True)
class _Subscription:
    kinds: frozenset[str]
    accept: Callable[[LiveEvent], bool]
    queue: asyncio.Queue[LiveEvent | None]
    overflowed: bool = False


@dataclass(slots=True)
class HubCounts:
    """What the hub has done since it started (for metrics and tests)."""

    delivered: int = 0  # events queued for a subscription
    overflows: int = 0  # subscriptions closed as slow consumers
    refused: int = 0  # events an ``accept`` test failed on (counted as not accepted)


class LiveHub:
    """This instance's subscriptions, and the fan-out of bus messages to them.
    Implements ``schema.context.LiveEvents``."""

    def __init__(self, queue_size: int = 100) -> None:
        self.queue_size = queue_size
        self.counts = HubCounts()
        self._by_kind: dict[str, set[_Subscription]] = {}
        self._closed = False

    @property
    def subscriptions(self) -> int:
        return len({s for subs in self._by_kind.values() for s in subs})

    def deliver(self, message: BusMessage) -> None:
        """Queue each event of ``message`` for every subscription that wants it; called by
        the bus, never blocks."""
        subscribers = self._by_kind.get(message.kind)
        if not subscribers:
            return
        events = events_of(message)
        for subscription in list(subscribers):
            if subscription.overflowed:
                continue
            for event in events:
                try:
                    wanted = subscription.accept(event)
                except Exception:
                    self.counts.refused += 1
                    log.exception("a live subscription's filter failed")
                    wanted = False
                if not wanted:
                    continue
                try:
                    subscription.queue.put_nowait(event)
                except asyncio.QueueFull:
                    subscription.overflowed = True
                    self.counts.overflows += 1
                    log.info("a live subscription fell %d events behind", self.queue_size)
                    break
                self.counts.delivered += 1

    async def listen(
        self, kinds: Collection[LiveKind], accept: Callable[[LiveEvent], bool]
    ) -> AsyncGenerator[LiveEvent, None]:
        """Events of ``kinds`` that ``accept`` lets through, from now on, until closed;
        raises ``SlowConsumer`` once the subscription has overflowed."""
        subscription = _Subscription(frozenset(kinds), accept, asyncio.Queue(self.queue_size))
        for kind in subscription.kinds:
            self._by_kind.setdefault(kind, set()).add(subscription)
        try:
            while not self._closed:
                if subscription.overflowed:
                    raise SlowConsumer()
                event = await subscription.queue.get()
                if event is None:  # the hub is closing
                    return
                yield event
        finally:
            for kind in subscription.kinds:
                self._by_kind.get(kind, set()).discard(subscription)

    def close(self) -> None:
        """End every subscription's iterator (the server is stopping)."""
        self._closed = True
        for subscription in {s for subs in self._by_kind.values() for s in subs}:
            # A full queue's reader finds the hub closed when it next comes for an event.
            with contextlib.suppress(asyncio.QueueFull):
                subscription.queue.put_nowait(None)


@dataclass(slots=True)
class Live:
    """Live updates of one gateway process (``app.state.live``): the bus, the hub, the
    store's publisher, and the settings."""

    bus: EventBus
    hub: LiveHub
    publisher: LivePublisher
    settings: LiveSettings


async def open_live(
    settings: LiveSettings,
    store: SocialStore,
    stack: contextlib.AsyncExitStack,
    *,
    redis_url: str | None = None,
    namespace: str = "townhall",
) -> Live:
    """Start live updates over ``store``: a Redis bus on ``<namespace>:live`` when
    ``redis_url`` is given, else one in memory; ``stack`` stops them (before the store
    closes, when the store was opened on it first)."""
    bus: EventBus
    if redis_url:
        bus = RedisBus(
            redis_url,
            f"{namespace}:live",
            max_bytes=settings.max_message_bytes,
            outbox_size=settings.outbox_size,
            max_delay=settings.reconnect_max_delay,
        )
    else:
        bus = MemoryBus()
    hub = LiveHub(settings.queue_size)
    publisher = LivePublisher(bus)
    await bus.start(hub.deliver)
    stack.push_async_callback(bus.close)
    stack.callback(hub.close)
    store.change_listeners.append(publisher)
    stack.callback(_remove, store.change_listeners, publisher)
    return Live(bus=bus, hub=hub, publisher=publisher, settings=settings)


def _remove(listeners: list[Any], listener: object) -> None:
    with contextlib.suppress(ValueError):
        listeners.remove(listener)
