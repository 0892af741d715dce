"""The event bus between gateway instances: small JSON pointer messages about committed
writes (a kind and ids, never content), delivered to every instance, this one included.

    MemoryBus   one instance: a message is handed to this process's hub at once
    RedisBus    several: Redis publish/subscribe on ``<cache.namespace>:live``; this
                instance's hub is told at once, the others through Redis

A message on the wire (``BusMessage``, at most ``live.max_message_bytes``):

    {"v": 1, "origin": "<instance>", "kind": "comment",
     "items": [["added", "<comment id>", "document", "<path>"]]}
    kind "notification": items [[<id>, "<recipient GUID>"]]; "activity": [<event id>];
    "document": ["<path>"]

Whatever arrives from Redis is checked before it is used: too large, not JSON, or not of
that shape, it is dropped and counted (``dropped``), never raised. Redis going away loses
the messages of the outage (publish/subscribe keeps none) and nothing else: the bus
reconnects with backoff, logging one WARNING per outage and one INFO when it is back.
Pydantic checks the shape: already a dependency, and its JSON validation is compiled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger("townhall.live")

MAX_ITEMS = 25  # items per message: with keys of at most 2,048 characters, under 64 KiB
Key = Annotated[str, StringConstraints(min_length=1, max_length=2048)]
Guid = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    v: Literal[1] = 1
    origin: Annotated[str, StringConstraints(max_length=64)] = ""


class CommentMessage(_Message):
    kind: Literal["comment"] = "comment"
    items: Annotated[
        list[
            tuple[
                Literal["added", "edited", "deleted"],
                Guid,
                Literal["person", "document", "activity"],
                Key,
            ]
        ],
        Field(min_length=1, max_length=MAX_ITEMS),
    ]


class NotificationMessage(_Message):
    kind: Literal["notification"] = "notification"
    items: Annotated[
        list[tuple[Annotated[int, Field(ge=1)], Guid]], Field(min_length=1, max_length=MAX_ITEMS)
    ]


class ActivityMessage(_Message):
    kind: Literal["activity"] = "activity"
    items: Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=1, max_length=MAX_ITEMS)]


class DocumentMessage(_Message):
    kind: Literal["document"] = "document"
    items: Annotated[list[Key], Field(min_length=1, max_length=MAX_ITEMS)]


BusMessage = Annotated[
    CommentMessage | NotificationMessage | ActivityMessage | DocumentMessage,
    Field(discriminator="kind"),
]
_MESSAGE: TypeAdapter[BusMessage] = TypeAdapter(BusMessage)
Deliver = Callable[[BusMessage], None]


def encode(message: BusMessage) -> bytes:
    return message.model_dump_json().encode()


def decode(raw: bytes | str, max_bytes: int) -> BusMessage | None:
    """The message in ``raw``, or ``None`` when it is too large or not a bus message."""
    if len(raw) > max_bytes:
        return None
    try:
        return _MESSAGE.validate_json(raw)
    except ValidationError:
        return None


class EventBus(Protocol):
    """Carries messages to every instance's hub, this one's included, each once."""

    dropped: int  # messages received malformed, or not sent for want of room

    async def start(self, deliver: Deliver) -> None:
        """Hand every message from now on to ``deliver`` (fast, never blocking)."""
        ...

    async def publish(self, message: BusMessage) -> None:
        """Send ``message``; never waits on another system, never raises."""
        ...

    async def close(self) -> None: ...


class MemoryBus:
    """One process: every hub started on it hears every message at once."""

    def __init__(self) -> None:
        self._deliver: list[Deliver] = []
        self.dropped = 0

    async def start(self, deliver: Deliver) -> None:
        self._deliver.append(deliver)

    async def publish(self, message: BusMessage) -> None:
        _hand_over(self._deliver, message)

    async def close(self) -> None:
        self._deliver.clear()


class RedisBus:
    """Redis publish/subscribe on ``channel``: this instance hears its own messages at once
    (they come back from Redis marked with its ``origin``, and are skipped), the others
    through Redis. Sending waits in a bounded outbox, so no write ever waits on Redis."""

    def __init__(
        self,
        url: str,
        channel: str,
        *,
        max_bytes: int = 65_536,
        outbox_size: int = 10_000,
        max_delay: float = 5.0,
    ) -> None:
        self.channel = channel
        self.origin = secrets.token_hex(8)
        self.dropped = 0  # received malformed or too large, or not sent (outbox full)
        self.sent = 0
        self.received = 0
        self.connected = asyncio.Event()  # subscribed to the channel (tests wait on it)
        self._redis: Redis = Redis.from_url(
            url, socket_connect_timeout=2.0, socket_timeout=None, health_check_interval=15
        )
        self._max_bytes = max_bytes
        self._max_delay = max_delay
        self._outbox: asyncio.Queue[bytes] = asyncio.Queue(outbox_size)
        self._deliver: list[Deliver] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._down = False  # an outage was logged; the next success logs the recovery
        self._bad_logged = False

    async def start(self, deliver: Deliver) -> None:
        self._deliver.append(deliver)
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._listen(), name="live-bus-listen"),
                asyncio.create_task(self._send(), name="live-bus-send"),
            ]

    async def publish(self, message: BusMessage) -> None:
        _hand_over(self._deliver, message)
        stamped = message.model_copy(update={"origin": self.origin})
        try:
            self._outbox.put_nowait(encode(stamped))
        except asyncio.QueueFull:
            self.dropped += 1
            self._outage("its outbox is full")

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        self._deliver.clear()
        await self._redis.aclose()

    # -- the two loops ----------------------------------------------------------------

    async def _send(self) -> None:
        delay = 0.05
        while True:
            data = await self._outbox.get()
            try:
                await self._redis.publish(self.channel, data)
            except (RedisError, OSError) as exc:
                self.dropped += 1
                self._outage(type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_delay)
            else:
                self.sent += 1
                delay = 0.05

    async def _listen(self) -> None:
        delay = 0.05
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self.connected.set()
                self._back()
                delay = 0.05
                while True:
                    found = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if found is not None and found.get("type") == "message":
                        self._receive(found["data"])
            except (RedisError, OSError) as exc:
                self.connected.clear()
                self._outage(type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_delay)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def _receive(self, raw: bytes | str) -> None:
        message = decode(raw, self._max_bytes)
        if message is None:
            self.dropped += 1
            if not self._bad_logged:  # once: a stream of them would flood the log
                self._bad_logged = True
                log.warning("a malformed live message was dropped (more are only counted)")
            return
        if message.origin == self.origin:
            return  # this instance heard it when it was published
        self.received += 1
        _hand_over(self._deliver, message)

    def _outage(self, why: str) -> None:
        if not self._down:
            self._down = True
            log.warning("live updates cannot reach Redis (%s); retrying", why)

    def _back(self) -> None:
        if self._down:
            self._down = False
            log.info("live updates reach Redis again")


def _hand_over(deliver: list[Deliver], message: BusMessage) -> None:
    for hub in deliver:
        try:
            hub(message)
        except Exception:  # a hub's fault must not stop the bus, nor the write
            log.exception("a live message could not be handed over")
