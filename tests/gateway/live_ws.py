"""A graphql-transport-ws client for the tests, on the `websockets` library: every frame is
what a real client sends, and every close the server's own."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from .conftest import Gateway

SUBPROTOCOL = "graphql-transport-ws"
ADD_COMMENT = """
mutation Add($input: AddCommentInput!) {
  addComment(input: $input) {
    __typename
    ... on CommentSuccess { comment { id bodyText author { accountName } } }
  }
}
"""
COMMENT_EVENTS = """
subscription Comments($target: ID!) {
  commentEvents(targetId: $target) { kind commentId comment { id bodyText author { accountName } } }
}
"""


def ws_url(gateway: Gateway) -> str:
    return gateway.url.replace("http", "ws", 1) + "/graphql"


class LiveClient:
    """One socket: send messages, read them (server pings answered and skipped unless
    asked for), and see how the server closed it."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, message: dict[str, Any] | str | bytes) -> None:
        await self.ws.send(message if isinstance(message, str | bytes) else json.dumps(message))

    async def init(self, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.send({"type": "connection_init", "payload": payload or {}})
        ack = await self.recv()
        assert ack == {"type": "connection_ack"}, ack
        return ack

    async def recv(self, within: float = 10, *, pings: bool = False) -> dict[str, Any]:
        async with asyncio.timeout(within):
            while True:
                message: dict[str, Any] = json.loads(await self.ws.recv())
                if message.get("type") == "ping" and not pings:
                    await self.send({"type": "pong"})
                    continue
                return message

    async def nothing(self, seconds: float) -> None:
        """Nothing but pings arrives for ``seconds``."""
        with contextlib.suppress(TimeoutError):
            message = await self.recv(seconds)
            raise AssertionError(f"unexpected message: {message}")

    async def subscribe(
        self, id_: str, query: str, variables: dict[str, Any] | None = None, **more: Any
    ) -> None:
        payload: dict[str, Any] = {"query": query, **more}
        if variables is not None:
            payload["variables"] = variables
        await self.send({"id": id_, "type": "subscribe", "payload": payload})

    async def closed(self, within: float = 10) -> tuple[int | None, str]:
        """Wait for the server to close the socket: (code, reason) it sent."""
        async with asyncio.timeout(within):
            with contextlib.suppress(ConnectionClosed):
                while True:
                    await self.ws.recv()
        close = self.ws.protocol.close_rcvd
        return (close.code, close.reason) if close else (None, "")


@contextlib.asynccontextmanager
async def live(
    gateway: Gateway,
    *,
    origin: str | None = None,
    subprotocols: tuple[str, ...] = (SUBPROTOCOL,),
    headers: dict[str, str] | None = None,
    receive_buffer: int | None = None,
    max_queue: int = 16,
) -> AsyncIterator[LiveClient]:
    """A socket on the gateway's /graphql; ``receive_buffer`` shrinks the client's TCP
    receive buffer (a client that reads slowly fills up sooner)."""
    sock = None
    if receive_buffer is not None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        host, port = gateway.url.rsplit("/", 1)[-1].split(":")
        sock.connect((host, int(port)))
        sock.setblocking(False)
    async with connect(
        ws_url(gateway),
        origin=origin,  # type: ignore[arg-type]
        subprotocols=list(subprotocols) or None,  # type: ignore[arg-type]
        additional_headers=headers,
        sock=sock,
        max_queue=max_queue,
        open_timeout=10,
        close_timeout=2,
        ping_interval=None,
    ) as ws:
        yield LiveClient(ws)


async def add_comment(gateway: Gateway, target: str, text: str, *, user: str) -> dict[str, Any]:
    body = await gateway.query(
        ADD_COMMENT, {"input": {"targetId": target, "body": text}}, user=user
    )
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["addComment"]
    assert result["__typename"] == "CommentSuccess", result
    return result
