"""The graphql-transport-ws protocol's messages and close codes, as Townhall speaks it.

The protocol is the graphql-ws library's (``graphql-transport-ws``, its PROTOCOL.md):
JSON text messages with a ``type``, an optional ``id`` and ``payload``. This module
owns reading a client's message (``read_message``: a malformed one is a ``BadMessage``,
which closes the socket with 4400), the server's messages, and every close code the
gateway uses (``Close``), with its fixed reason.

    BadMessage(Exception)   a message the protocol does not allow (close 4400)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

SUBPROTOCOL = "graphql-transport-ws"
#: Longest subscription id accepted (graphql-ws makes UUIDs).
MAX_ID_CHARS = 128
CLIENT_TYPES = frozenset({"connection_init", "ping", "pong", "subscribe", "complete"})


class Close(IntEnum):
    """Why the gateway closes a socket. 44xx are the protocol's; 40xx Townhall's own;
    1001 and 1013 the WebSocket standard's. graphql-ws's client retries 1001, 1013,
    4403, 4408 and 4029 (with backoff), and gives up on 4400, 4401, 4406, 4409, 4429."""

    GOING_AWAY = 1001  # the server is stopping
    TRY_AGAIN_LATER = 1013  # a slow consumer, or sign-in unavailable for a moment
    BAD_REQUEST = 4400  # a message the protocol does not allow
    UNAUTHORIZED = 4401  # subscribe before the connection was acknowledged
    FORBIDDEN = 4403  # sign-in refused at connection_init, or the token expired since
    SUBPROTOCOL_NOT_ACCEPTABLE = 4406
    INIT_TIMEOUT = 4408  # no connection_init within live.connection_init_timeout
    SUBSCRIBER_EXISTS = 4409  # an id already subscribed on this connection
    TOO_MANY_INITIALISATIONS = 4429  # a second connection_init
    TOO_MANY_CONNECTIONS = 4029  # over live.max_connections_per_viewer on this instance


REASONS: dict[int, str] = {
    Close.GOING_AWAY: "The server is going away.",
    Close.UNAUTHORIZED: "Unauthorized",
    Close.SUBPROTOCOL_NOT_ACCEPTABLE: "Subprotocol not acceptable",
    Close.INIT_TIMEOUT: "Connection initialisation timeout",
    Close.TOO_MANY_INITIALISATIONS: "Too many initialisation requests",
}


class BadMessage(Exception):
    """A client message the protocol does not allow: ``str(exc)`` is the close reason."""


@dataclass(frozen=True, slots=True)
class Message:
    """A client's message, its shape checked."""

    type: str
    id: str | None = None
    payload: dict[str, Any] | None = None


def read_message(text: str) -> Message:
    """A client's text message, or ``BadMessage`` saying (briefly) what is wrong."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise BadMessage("Invalid message: not JSON") from None
    if not isinstance(data, dict):
        raise BadMessage("Invalid message: not a JSON object")
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in CLIENT_TYPES:
        shown = kind[:32] if isinstance(kind, str) else type(kind).__name__
        raise BadMessage(f"Invalid message type: {shown!r}")
    payload = data.get("payload")
    if payload is not None and not isinstance(payload, dict):
        raise BadMessage(f"Invalid message: the {kind} payload must be an object")
    id_ = data.get("id")
    if kind in ("subscribe", "complete"):
        if not isinstance(id_, str) or not id_ or len(id_) > MAX_ID_CHARS:
            raise BadMessage(f"Invalid message: {kind} needs an id of 1 to {MAX_ID_CHARS} chars")
        if kind == "subscribe" and payload is None:
            raise BadMessage("Invalid message: subscribe needs a payload")
        return Message(kind, id_, payload)
    return Message(kind, None, payload)


def encode(message: Any) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


ACK = encode({"type": "connection_ack"})
PING = encode({"type": "ping"})
PONG = encode({"type": "pong"})


def next_message(id_: str, result: str) -> str:
    """A ``next`` message around a result already encoded as JSON."""
    return f'{{"id":{encode(id_)},"type":"next","payload":{result}}}'


def error_message(id_: str, errors: list[dict[str, Any]]) -> str:
    return encode({"id": id_, "type": "error", "payload": errors})


def complete_message(id_: str) -> str:
    return encode({"id": id_, "type": "complete"})
