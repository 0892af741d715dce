"""How Townhall is served over HTTP: uvicorn's configuration, its HTTP protocol with a
header read timeout, and its WebSocket protocol.

``uvicorn_config`` is the one place the CLI, the demo and the tests build uvicorn's
``Config``: uvloop and httptools, short keep-alive, a bound on request header size, no
``Server: uvicorn`` banner, ``http=`` one of the protocols below, and ``ws=``
``GoingAwayWebSockets``.

WebSockets (GraphQL subscriptions on ``/graphql``, ``gateway.live``) are served by
uvicorn's sans-I/O ``websockets`` protocol: client messages of at most
``live.ws_max_message_bytes`` (a larger one closes the socket with 1009), a ping frame
every ``WS_PING_INTERVAL`` seconds (no pong within ``WS_PING_TIMEOUT``: the connection is
dropped), no per-message compression (it costs memory on every connection, and mixing
a client's text with other data in one compressed stream is what compression
side-channel attacks feed on). When the server stops, each socket is closed with 1001
(Going Away), which clients take as "reconnect", instead of uvicorn's 1012.

uvicorn has no header read timeout: a client that sends its request line and headers a
byte at a time (or connects and sends nothing) holds a connection for as long as it likes.
``HeaderTimeoutHttpTools`` (``HeaderTimeoutH11`` where httptools is not installed) are
uvicorn's protocols that close such a connection after ``header_timeout`` seconds. The
clock starts when the connection is made and again at the first byte the client sends
while no request of the connection is being answered (the next request on a keep-alive
connection, or the rest of a body the app answered without reading); it stops when a
request's headers are complete, so it never runs while the app works on a request or
its response is being sent. Body deadlines and limits are the request guard's
(``gateway.guard``), which sees requests once their headers are complete.

No ``limit_concurrency``: uvicorn counts open connections against it, idle and slow ones
too, so a few hundred slow clients would get every other client a 503. The timeouts bound
how long a slow client holds a connection instead; capacity limits belong to the load
balancer in front.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any, cast

import h11
import uvicorn
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from .settings import ServerSettings, Settings

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    HTTPTOOLS = True
except ImportError:  # pragma: no cover - httptools comes with uvicorn[standard]
    HttpToolsProtocol = H11Protocol  # type: ignore[misc,assignment]  # never served then
    HTTPTOOLS = False

log = logging.getLogger("townhall.http")

# Request line and headers together. Bearer tokens with group claims run to a few
# kilobytes; h11 refuses past 16 KiB by default, httptools has no bound at all.
MAX_HEADER_BYTES = 64 * 1024
# Seconds an idle keep-alive connection stays open (uvicorn's default, made explicit).
KEEP_ALIVE_SECONDS = 5
# How long, and for how many bytes, a connection closed while its client is still sending
# a body is drained so that the client gets to read the answer (see GuardedConnection).
LINGER_SECONDS = 2.0
LINGER_BYTES = 8 * 1024 * 1024
# WebSocket ping frames: how often, and how long a pong may take before the connection is
# dropped (a client gone without closing holds nothing longer than this).
WS_PING_INTERVAL = 20.0
WS_PING_TIMEOUT = 20.0


class ServingConfig(Config):
    """uvicorn's ``Config`` carrying the header read timeout the protocols read.

    An attribute of the config, not of a class made on the fly: with ``--workers`` the
    config is pickled into each worker process.
    """

    def __init__(self, app: Any, *, header_timeout: float, **options: Any) -> None:
        self.header_timeout = header_timeout
        super().__init__(app, **options)


def _too_large_headers() -> bytes:
    body = json.dumps(
        {
            "errors": [
                {
                    "message": f"The request headers are larger than {MAX_HEADER_BYTES} bytes.",
                    "extensions": {"code": "HEADERS_TOO_LARGE"},
                }
            ]
        }
    ).encode()
    head = (
        "HTTP/1.1 431 Request Header Fields Too Large\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "x-content-type-options: nosniff\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode() + body


TOO_LARGE_HEADERS = _too_large_headers()


class HeaderClock:
    """The header read timeout of one connection: ``arm`` when the server waits for a
    request's headers, ``disarm`` once they are complete; ``expire`` runs on time out."""

    __slots__ = ("_expire", "_loop", "_timeout", "_timer", "bytes")

    def __init__(
        self, loop: asyncio.AbstractEventLoop, timeout: float, expire: Callable[[], None]
    ) -> None:
        self._loop = loop
        self._timeout = timeout
        self._expire = expire
        self._timer: asyncio.TimerHandle | None = None
        self.bytes = 0  # received since armed

    @property
    def armed(self) -> bool:
        return self._timer is not None

    def arm(self) -> None:
        if self._timer is None:
            self.bytes = 0
            self._timer = self._loop.call_later(self._timeout, self._fire)

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _fire(self) -> None:
        self._timer = None
        self._expire()


class _LingeringTransport:
    """The connection's transport as uvicorn's protocol and request cycles see it; only
    ``close`` differs (see ``GuardedConnection.close_connection``)."""

    def __init__(self, transport: asyncio.Transport, connection: GuardedConnection) -> None:
        self._transport = transport
        self._connection = connection
        # The calls made for every request, bound once.
        self.write = transport.write
        self.pause_reading = transport.pause_reading
        self.resume_reading = transport.resume_reading
        self.get_extra_info = transport.get_extra_info

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)

    def is_closing(self) -> bool:
        return self._connection.lingering or self._transport.is_closing()

    def close(self) -> None:
        self._connection.close_connection()


def _header_timeout(config: Config) -> float:
    if isinstance(config, ServingConfig):
        return config.header_timeout
    default: float = ServerSettings.model_fields["header_timeout"].default
    return default


class GuardedConnection(asyncio.Protocol):
    """What Townhall adds to uvicorn's HTTP protocols (mixed in before them): the header
    read timeout, and a lingering close.

    Lingering: when a response ends the connection while the client is still sending the
    request's body (a refusal that did not read it), closing at once would make the
    kernel answer the unread bytes with a reset, which destroys the response before most
    clients read it (they read only once their upload is done). So the server sends its
    FIN, then reads and drops what still comes, for at most ``LINGER_SECONDS`` and
    ``LINGER_BYTES``, and closes (sooner if the client closes).
    """

    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    config: Config
    client: tuple[str, int] | None
    header_clock: HeaderClock
    real_transport: asyncio.Transport
    lingering = False
    _lingered = 0
    _linger_timer: asyncio.TimerHandle | None = None

    def _answering(self) -> bool:
        """A request's headers are complete and its response is not yet."""
        raise NotImplementedError

    def _body_incoming(self) -> bool:
        """The client has more of the current request's body to send."""
        raise NotImplementedError

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses: no isinstance check.
        self.real_transport = cast(asyncio.Transport, transport)
        self.header_clock = HeaderClock(self.loop, _header_timeout(self.config), self._late)
        lingering = _LingeringTransport(self.real_transport, self)
        super().connection_made(cast(asyncio.Transport, lingering))
        self.header_clock.arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self.header_clock.disarm()
        if self._linger_timer is not None:
            self._linger_timer.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.lingering:
            self._lingered += len(data)
            if self._lingered > LINGER_BYTES:
                self.real_transport.close()
            return
        clock = self.header_clock
        if not clock.armed and not self._answering():
            clock.arm()
        clock.bytes += len(data)
        super().data_received(data)
        if clock.armed and self._answering():
            clock.disarm()

    def close_connection(self) -> None:
        """Close the connection, lingering if the client is still sending a body."""
        real = self.real_transport
        if real.is_closing():
            return
        if self.lingering or not self._body_incoming():
            real.close()
            return
        self.lingering = True
        self.header_clock.disarm()
        if real.can_write_eof():  # not over TLS: there the response's framing must do
            real.write_eof()
        real.resume_reading()
        self._linger_timer = self.loop.call_later(LINGER_SECONDS, real.close)

    def before_upgrade(self) -> None:
        """The connection becomes a WebSocket: no header clock runs on it any more, and the
        WebSocket protocol gets the real transport (lingering is for HTTP bodies)."""
        self.header_clock.disarm()
        self.transport = self.real_transport

    def _late(self) -> None:
        """The header timeout: never while a request is being answered."""
        real = self.real_transport
        if self._answering() or real.is_closing():
            return
        if self.header_clock.bytes:  # a connection that only idled is closed without a word
            host = self.client[0] if self.client else "?"
            log.info("closed a connection from %s: request headers not complete within %gs",
                     host, _header_timeout(self.config))  # fmt: skip
        real.close()


class HeaderTimeoutH11(GuardedConnection, H11Protocol):
    """uvicorn's h11 protocol with a header read timeout (h11 bounds header size itself)."""

    def _answering(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _body_incoming(self) -> bool:
        return self.conn.their_state is h11.SEND_BODY

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        self.before_upgrade()
        super().handle_websocket_upgrade(event)

    def on_response_complete(self) -> None:
        super().on_response_complete()  # h11 starts a pipelined request from here
        if self.header_clock.armed and self._answering():
            self.header_clock.disarm()


class HeaderTimeoutHttpTools(GuardedConnection, HttpToolsProtocol):
    """uvicorn's httptools protocol with a header read timeout and a header size bound
    (httptools has none): the request line and headers parsed so far are counted, and so
    are the bytes of a read that leaves them incomplete (httptools holds a header until
    its end)."""

    reading_headers = False  # from a request's first byte to the end of its headers
    in_message = False  # from a request's first byte to the end of its body
    header_bytes = 0
    headers_too_large = False  # then the request is never started, and the rest dropped

    def _answering(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _body_incoming(self) -> bool:
        return self.in_message

    def handle_websocket_upgrade(self) -> None:
        self.before_upgrade()
        super().handle_websocket_upgrade()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        clock = self.header_clock
        if self.headers_too_large or (
            self.reading_headers and clock.armed and clock.bytes > MAX_HEADER_BYTES
        ):
            self._refuse_headers()

    def _refuse_headers(self) -> None:
        if self.lingering or self.real_transport.is_closing():
            return
        log.info("refused request headers over %d bytes", MAX_HEADER_BYTES)
        self.header_clock.disarm()
        self.real_transport.write(TOO_LARGE_HEADERS)
        self.in_message = True  # whatever else comes is dropped, then the connection closed
        self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.reading_headers = self.in_message = True
        self.header_bytes = 0

    def on_url(self, url: bytes) -> None:
        self.header_bytes += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.header_bytes += len(name) + len(value) + 4  # ": " and CRLF
        if self.header_bytes > MAX_HEADER_BYTES:
            self.headers_too_large = True
        if not self.headers_too_large:
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self.reading_headers = False
        if not self.headers_too_large:
            super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self.headers_too_large:
            super().on_body(body)

    def on_message_complete(self) -> None:
        self.in_message = False
        if not self.headers_too_large:
            super().on_message_complete()


class GoingAwayWebSockets(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol, closing with 1001 (Going Away) when the server
    stops: the app hears the same code, so its connections log how they ended."""

    def shutdown(self) -> None:
        if self.close_sent or not self.handshake_complete or self.initial_response is not None:
            super().shutdown()
            return
        self.stop_keepalive()
        self.queue.put_nowait({"type": "websocket.disconnect", "code": 1001})
        self.conn.send_close(1001, "The server is going away.")
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        self.transport.close()


def protocol_class() -> type[asyncio.Protocol]:
    """The HTTP protocol Townhall is served with: httptools where installed, else h11."""
    return HeaderTimeoutHttpTools if HTTPTOOLS else HeaderTimeoutH11


def uvicorn_config(app_or_factory: Any, settings: Settings, **overrides: Any) -> ServingConfig:
    """uvicorn's configuration for serving ``app_or_factory`` (an ASGI app, or an import
    string, with ``factory=True`` for a factory) with ``settings``; ``overrides`` are
    uvicorn ``Config`` options that win over these."""
    options: dict[str, Any] = {
        "host": settings.server.host,
        "port": settings.server.port,
        "loop": "uvloop",
        "http": protocol_class(),
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
        "server_header": False,  # no need to tell the world which server to attack
        "ws": GoingAwayWebSockets,
        "ws_max_size": settings.live.ws_max_message_bytes,
        "ws_ping_interval": WS_PING_INTERVAL,
        "ws_ping_timeout": WS_PING_TIMEOUT,
        "ws_per_message_deflate": False,
        "log_level": "info",
        # Townhall's own request log (townhall.requests) is the one line per request.
        "access_log": False,
    }
    options.update(overrides)
    return ServingConfig(app_or_factory, header_timeout=settings.server.header_timeout, **options)


def run(config: ServingConfig) -> bool:
    """Serve until interrupted, in this process or in ``config.workers`` worker processes
    (as ``uvicorn.run`` does; the app must then be an import string); whether it started."""
    if config.workers > 1:
        from uvicorn.supervisors import Multiprocess

        from .metrics import multiprocess_dir

        # Workers are spawned: each imports prometheus-client afresh with the directory set.
        with multiprocess_dir():
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        return True
    server = uvicorn.Server(config)
    server.run()
    return server.started
