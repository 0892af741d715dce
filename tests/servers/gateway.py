"""Townhall served by uvicorn in the running event loop, over real HTTP (tests and benchmarks)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from gateway.app import create_app
from gateway.loaders import Upstreams
from gateway.serving import uvicorn_config
from gateway.settings import Settings

_TLS = ssl.create_default_context()


@dataclass
class Gateway:
    url: str
    upstreams: Upstreams
    settings: Settings
    app_state: Any = None

    def client(self, user: str | None = None, **kwargs: Any) -> httpx.AsyncClient:
        headers = {"X-Townhall-User": user} if user else {}
        kwargs.setdefault("verify", _TLS)  # loading the CA bundle costs ~40 ms a client
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=30, **kwargs)

    async def query(
        self, query: str, variables: dict[str, Any] | None = None, *, user: str | None = None
    ) -> dict[str, Any]:
        async with self.client(user) as client:
            response = await client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def calls(self) -> dict[str, int]:
        up = self.upstreams
        return {
            "directory": up.directory.calls,
            "hr": up.hr.calls if up.hr else 0,
            "documents": up.documents.calls if up.documents else 0,
        }

    async def clear_cache(self) -> None:
        await self.upstreams.cache.clear()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def serve(settings: Settings, **options: Any) -> AsyncIterator[Gateway]:
    """Serve ``settings`` as ``townhall serve`` does; ``options`` are more uvicorn options
    (``ssl_certfile`` and ``ssl_keyfile`` serve https)."""
    port = _free_port()
    scheme = "https" if options.get("ssl_certfile") else "http"
    settings.server.port = port
    settings.server.public_url = f"{scheme}://127.0.0.1:{port}"
    app = create_app(settings)
    # A connection still open at shutdown is cut after 15 s rather than waited for without
    # end: one suite run stalled there once (both ends in this process, never closed).
    options = {"timeout_graceful_shutdown": 15, **options}
    server = uvicorn.Server(
        uvicorn_config(
            app, settings, host="127.0.0.1", log_level="warning", lifespan="on", **options
        )
    )
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    else:
        raise RuntimeError("the gateway did not start")
    try:
        yield Gateway(
            url=f"{scheme}://127.0.0.1:{port}",
            upstreams=app.state.upstreams,
            settings=settings,
            app_state=app.state,
        )
    finally:
        server.should_exit = True
        await task
