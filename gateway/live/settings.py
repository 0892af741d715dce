"""Settings of live updates (``TOWNHALL_LIVE__*``): subscriptions, their queues, the bus."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LiveSettings(BaseModel):
    """Live updates: GraphQL subscriptions over WebSocket, and the bus between instances
    (Redis publish/subscribe when ``cache.backend`` is ``redis``, else in memory)."""

    queue_size: int = Field(
        100,
        ge=1,
        le=10_000,
        description="Events one subscription may have waiting to be sent; one more and the "
        "subscription is a slow consumer, and its connection is closed.",
    )
    max_connections_per_viewer: int = Field(
        5, ge=1, le=100, description="Open WebSocket connections one person may hold."
    )
    connection_init_timeout: float = Field(
        10.0,
        gt=0,
        le=300,
        description="Seconds a new WebSocket connection has to sign in (connection_init).",
    )
    max_message_bytes: int = Field(
        65_536,
        ge=1_024,
        le=1_048_576,
        description="Largest message accepted from the bus; larger ones are dropped.",
    )
    outbox_size: int = Field(
        10_000,
        ge=10,
        description="Messages waiting to be published to Redis; while Redis is down, past "
        "this the oldest are not sent to other instances (this instance is told at once).",
    )
    reconnect_max_delay: float = Field(
        5.0,
        gt=0,
        le=60,
        description="Longest wait, in seconds, between attempts to reach Redis again.",
    )
    # The WebSocket transport (gateway.live.transport)
    max_subscriptions_per_connection: int = Field(
        20,
        ge=1,
        le=1_000,
        description="Subscriptions one WebSocket connection may run at once; one more is "
        "refused with an error message (TOO_MANY_SUBSCRIPTIONS), the connection stays.",
    )
    send_queue: int = Field(
        256,
        ge=8,
        le=100_000,
        description="Messages waiting to be written to one WebSocket; one more and the "
        "client is a slow consumer: its connection is closed (1013).",
    )
    keep_alive: float = Field(
        15.0,
        ge=0,
        le=3_600,
        description="Seconds between the server's graphql-transport-ws pings on each "
        "connection (0: none); the WebSocket's own ping frames are sent besides.",
    )
    ws_max_message_bytes: int = Field(
        65_536,
        ge=1_024,
        le=16_777_216,
        description="Largest message a WebSocket client may send; a larger one closes the "
        "connection (1009).",
    )
