"""One graphql-transport-ws connection: its state, its messages, its subscriptions.

``LiveConnection.run`` is the life of one accepted socket: it reads the client's
messages one at a time (a slow sign-in holds the next message, so a ``subscribe`` sent
straight after ``connection_init`` is judged once the connection is acknowledged),
runs each subscription in a task of its own, and sends everything through one bounded
outbox drained by a writer task, so a client that does not read fills the outbox, not
the server's memory: it is then closed (1013), as it is when the event hub finds one of
its subscriptions too slow (``SlowConsumer``). Timers close a connection not
initialised in time (4408) and one whose token expired (4403), and send a ``ping``
every ``live.keep_alive`` seconds.

What a connection asks of the gateway (sign-in, the per-viewer count, preparing and
running an operation) is the ``Gateway`` protocol, implemented by ``gateway.live.transport``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from starlette.types import Receive, Send

from ..auth import MALFORMED, AuthError, Credentials, SignedIn, TokenRefused
from ..budgets import viewer_digest
from ..graphql_http import Refusal
from ..metrics import observe_live_closed, observe_live_connection, observe_live_subscription
from .settings import LiveSettings
from .ws_protocol import (
    ACK,
    PING,
    PONG,
    REASONS,
    BadMessage,
    Close,
    Message,
    complete_message,
    error_message,
    next_message,
    read_message,
)

log = logging.getLogger("townhall.live")
#: Seconds a close may wait for the socket to take it before the connection is dropped.
CLOSE_TIMEOUT = 10.0


class SlowSubscriber(Exception):
    """Raised by ``Gateway.stream`` when the event hub found a subscription too slow."""


class Gateway(Protocol):
    """What a connection needs of the gateway (``gateway.live.transport.LiveEndpoint``)."""

    async def sign_in(self, credentials: Credentials) -> SignedIn: ...

    def admit(self, guid: str) -> bool: ...

    def leave(self, guid: str) -> None: ...

    def stream(
        self, connection: LiveConnection, payload: dict[str, Any], stats: Stats
    ) -> AsyncGenerator[str | list[dict[str, Any]] | None, None]:
        """The subscription, once prepared: ``None`` when it starts, then each result (as
        JSON) to send as ``next``; or errors to send as ``error`` (nothing follows them).
        Raises ``Refusal`` (before it starts) and ``SlowSubscriber``."""
        ...


@dataclass(slots=True)
class Stats:
    """What one connection's close log line reports."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    viewer: str = "-"
    started: float = field(default_factory=time.monotonic)
    subscriptions: int = 0
    refused: int = 0
    events: int = 0
    operation: str = "-"  # the operation of the subscription being prepared


def _reason(text: str) -> str:
    """A close reason within the 123 bytes a close frame allows."""
    data = text.encode()
    if len(data) <= 123:
        return text
    return data[:120].decode(errors="ignore") + "..."


class LiveConnection:
    """One accepted socket speaking graphql-transport-ws."""

    def __init__(
        self,
        gateway: Gateway,
        settings: LiveSettings,
        receive: Receive,
        send: Send,
        upgrade: Credentials,
    ) -> None:
        self._gateway = gateway
        self._settings = settings
        self._receive = receive
        self._send = send
        self._upgrade = upgrade  # the upgrade request's cookie and Origin
        self.stats = Stats()
        self.signed_in: SignedIn | None = None
        self._admitted = False
        self._init_received = False
        self._acknowledged = False
        self._outbox: asyncio.Queue[str] = asyncio.Queue(maxsize=settings.send_queue)
        self._operations: dict[str, asyncio.Task[None]] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}  # init, keep_alive, expiry
        self._closed: tuple[int, str] | None = None
        self._closer: asyncio.Task[None] | None = None
        self._reader: asyncio.Task[Any] | None = None

    async def run(self) -> None:
        """Serve the socket until either side closes it; log one line at the end."""
        self._reader = asyncio.current_task()
        writer = asyncio.create_task(self._write())
        self._later("init", self._settings.connection_init_timeout, self._init_timeout)
        if self._settings.keep_alive > 0:
            self._later("keep_alive", self._settings.keep_alive, self._keep_alive)
        observe_live_connection(1)
        code = 1006
        try:
            while True:
                message = await self._receive()
                if message["type"] == "websocket.disconnect":
                    code = int(message.get("code", 1005))
                    break
                text = message.get("text")
                if text is None:
                    self.close(Close.BAD_REQUEST, "Invalid message: send JSON text, not binary")
                    continue
                if self._closed is None:
                    await self._handle(text)
                # Let the writer send what this message asked for (messages already waiting
                # are read without yielding): the outbox then fills only while the socket
                # takes nothing, which is what it is there to notice.
                await asyncio.sleep(0)
        except asyncio.CancelledError:
            if self._closed is None:
                raise  # the server is stopping
            # The close could not be sent (see _close): the connection is dropped.
            if (task := asyncio.current_task()) is not None:
                task.uncancel()
        finally:
            for timer in self._timers.values():
                timer.cancel()
            tasks = [*self._operations.values(), writer]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self._closer is not None:
                await asyncio.gather(self._closer, return_exceptions=True)
            if self._admitted and self.signed_in is not None:
                self._gateway.leave(self.signed_in.person.guid)
            observe_live_connection(-1)
            if self._closed is not None:
                code = self._closed[0]
            observe_live_closed(code)
            s = self.stats
            log.info(
                "live connection id=%s viewer=%s seconds=%.1f subscriptions=%d refused=%d "
                "events=%d close=%d",
                s.id,
                s.viewer,
                time.monotonic() - s.started,
                s.subscriptions,
                s.refused,
                s.events,
                code,
            )

    def close(self, code: int, reason: str = "") -> None:
        """Close the socket with ``code`` (the first close asked for wins)."""
        if self._closed is not None:
            return
        reason = _reason(reason or REASONS.get(code, ""))
        self._closed = (code, reason)
        self._closer = asyncio.create_task(self._close(code, reason))

    def send(self, text: str) -> None:
        """Queue a message; a full outbox closes the connection (the client does not read)."""
        if self._closed is not None:
            return
        try:
            self._outbox.put_nowait(text)
        except asyncio.QueueFull:
            log.info(
                "live connection %s: %d messages waiting, closed as a slow consumer",
                self.stats.id,
                self._outbox.qsize(),
            )
            self.close(Close.TRY_AGAIN_LATER, "Slow consumer: messages were not read in time")

    async def _close(self, code: int, reason: str) -> None:
        # Messages queued before the close go first, if the client reads them promptly.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.5 if code != Close.TRY_AGAIN_LATER else 0):
                await self._outbox.join()
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await self._send({"type": "websocket.close", "code": code, "reason": reason})
        except Exception:  # the client is gone or does not read: stop waiting for it
            if self._reader is not None:
                self._reader.cancel()

    async def _write(self) -> None:
        outbox = self._outbox
        while True:
            text = await outbox.get()
            try:
                # Closing: what was queued still goes (an error, the last events), unless
                # the client is being closed for not reading it.
                if self._closed is None or self._closed[0] != Close.TRY_AGAIN_LATER:
                    await self._send({"type": "websocket.send", "text": text})
            except Exception:  # the client left: the reader hears of it
                return
            finally:
                outbox.task_done()

    def _later(self, name: str, delay: float, callback: Callable[[], None]) -> None:
        self._timers[name] = asyncio.get_running_loop().call_later(delay, callback)

    def _init_timeout(self) -> None:
        if not self._init_received:
            log.info("live connection %s: no connection_init in time", self.stats.id)
            self.close(Close.INIT_TIMEOUT)

    def _keep_alive(self) -> None:
        self.send(PING)
        self._later("keep_alive", self._settings.keep_alive, self._keep_alive)

    def _expired(self) -> None:
        log.info("live connection %s: the sign-in expired", self.stats.id)
        self.close(Close.FORBIDDEN, "The bearer token has expired.")

    async def _handle(self, text: str) -> None:
        try:
            message = read_message(text)
        except BadMessage as exc:
            log.info("live connection %s: %s", self.stats.id, exc)
            self.close(Close.BAD_REQUEST, str(exc))
            return
        kind = message.type
        if kind == "ping":
            self.send(PONG)
        elif kind == "pong":
            pass
        elif kind == "connection_init":
            await self._connection_init(message.payload or {})
        elif not self._acknowledged:
            log.info("live connection %s: %s before connection_ack", self.stats.id, kind)
            self.close(Close.UNAUTHORIZED)
        elif kind == "subscribe":
            self._subscribe(message)
        else:  # complete: the client stops listening (no message is sent back)
            assert message.id is not None
            task = self._operations.pop(message.id, None)
            if task is not None:
                task.cancel()

    async def _connection_init(self, payload: dict[str, Any]) -> None:
        if self._init_received:
            log.info("live connection %s: a second connection_init", self.stats.id)
            self.close(Close.TOO_MANY_INITIALISATIONS)
            return
        self._init_received = True
        try:
            credentials = _credentials(payload, self._upgrade)
            signed_in = await self._gateway.sign_in(credentials)
        except AuthError as exc:  # logged once by the authenticator
            self.close(Close.FORBIDDEN, str(exc))
            return
        except Exception as exc:  # the directory failing: the client may try again
            log.warning("live connection %s: sign-in failed (%s)", self.stats.id, exc)
            self.close(Close.TRY_AGAIN_LATER, "Sign-in is unavailable; try again shortly.")
            return
        if self._closed is not None:  # timed out meanwhile
            return
        self.signed_in = signed_in
        self.stats.viewer = viewer_digest(signed_in.person.guid)
        if not self._gateway.admit(signed_in.person.guid):
            log.info(
                "live connection %s: viewer %s is over %d connections",
                self.stats.id,
                self.stats.viewer,
                self._settings.max_connections_per_viewer,
            )
            self.close(
                Close.TOO_MANY_CONNECTIONS,
                f"Too many live connections (at most {self._settings.max_connections_per_viewer}"
                " per person); close another page.",
            )
            return
        self._admitted = True
        if signed_in.expires_at is not None:
            self._later("expiry", max(0.0, signed_in.expires_at - time.time()), self._expired)
        self._acknowledged = True
        self.send(ACK)

    def _subscribe(self, message: Message) -> None:
        id_ = message.id
        assert id_ is not None and message.payload is not None
        if id_ in self._operations:
            log.info("live connection %s: subscriber %r already exists", self.stats.id, id_[:32])
            self.close(Close.SUBSCRIBER_EXISTS, f"Subscriber for {id_} already exists")
            return
        most = self._settings.max_subscriptions_per_connection
        if len(self._operations) >= most:
            self.stats.refused += 1
            log.info("live connection %s: refused a subscription over %d", self.stats.id, most)
            self.send(
                error_message(
                    id_,
                    [
                        {
                            "message": f"At most {most} subscriptions per connection: "
                            "complete one first.",
                            "extensions": {"code": "TOO_MANY_SUBSCRIPTIONS", "limit": most},
                        }
                    ],
                )
            )
            return
        task = asyncio.create_task(self._run_subscription(id_, message.payload))
        self._operations[id_] = task

    async def _run_subscription(self, id_: str, payload: dict[str, Any]) -> None:
        task = asyncio.current_task()
        counted = False
        try:
            stream = self._gateway.stream(self, payload, self.stats)
            async with contextlib.aclosing(stream):
                async for item in stream:
                    if isinstance(item, list):  # errors: nothing follows them
                        self.send(error_message(id_, item))
                        return
                    if not counted:
                        counted = True
                        self.stats.subscriptions += 1
                        observe_live_subscription(1)
                    if item is not None:  # None: the subscription started
                        self.send(next_message(id_, item))
                        self.stats.events += 1
            self.send(complete_message(id_))
        except Refusal as refusal:
            self.stats.refused += 1
            log.info(
                "live connection %s: subscription %s refused: %s viewer=%s",
                self.stats.id,
                self.stats.operation,
                refusal.code,
                self.stats.viewer,
            )
            self.send(error_message(id_, refusal.errors))
        except SlowSubscriber:
            log.info("live connection %s: a subscription fell behind its events", self.stats.id)
            self.close(Close.TRY_AGAIN_LATER, "Slow consumer: events came faster than read")
        finally:
            if counted:
                observe_live_subscription(-1)
            if self._operations.get(id_) is task:
                del self._operations[id_]


def _credentials(payload: dict[str, Any], upgrade: Credentials) -> Credentials:
    """The connection_init payload's credentials, beside the upgrade's cookie and Origin."""
    values = [payload[k] for k in ("authorization", "Authorization") if k in payload]
    if any(not isinstance(v, str) for v in values):
        raise TokenRefused(MALFORMED, "a non-string authorization in connection_init")
    authorization = tuple(dict.fromkeys(str(v) for v in values))  # the same twice is one
    dev_user = payload.get("x-townhall-user")
    return Credentials(
        authorization=authorization,
        cookie=upgrade.cookie,
        dev_user=dev_user if isinstance(dev_user, str) else None,
        origin=upgrade.origin,
        host=upgrade.host,
        scheme=upgrade.scheme,
        origin_required=True,
    )
