"""End-to-end gateways: Townhall served by uvicorn over HTTP, against real upstreams.

``demo_gateway`` is configured as ``make run`` is (the embedded directory, real
scim2-server and wsgidav); ``ad_gateway`` reads the directory from the real
Samba AD DC over LDAPS with certificate verification.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from servers import SCIM_TOKEN, WEBDAV_PASSWORD, WEBDAV_USER, Council
from servers.samba import SambaDC

from gateway.app import create_app
from gateway.loaders import Upstreams
from gateway.settings import Settings
from gateway.upstreams import ScimServer, WebDavServer


@dataclass
class Gateway:
    url: str
    upstreams: Upstreams
    settings: Settings

    def client(self, user: str | None = None, **kwargs: Any) -> httpx.AsyncClient:
        headers = {"X-Townhall-User": user} if user else {}
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
async def serve(settings: Settings) -> AsyncIterator[Gateway]:
    port = _free_port()
    settings.server.port = port
    settings.server.public_url = f"http://127.0.0.1:{port}"
    app = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
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
            url=f"http://127.0.0.1:{port}", upstreams=app.state.upstreams, settings=settings
        )
    finally:
        server.should_exit = True
        await task


def base_settings(
    council: Council, scim: ScimServer, dav: WebDavServer, workdir: Path, **directory: Any
) -> Settings:
    fixtures = council.root
    return Settings(
        environment="test",
        directory=directory
        or {
            "mode": "embedded",
            "ldif_file": fixtures / "directory.ldif",
            "base_dn": "DC=ad,DC=northshire,DC=test",
        },
        hr={"url": scim.url, "token": SCIM_TOKEN},
        documents={
            "url": dav.url,
            "username": WEBDAV_USER,
            "password": WEBDAV_PASSWORD,
            "access_file": fixtures / "document_access.json",
        },
        social={
            "database_url": f"sqlite+aiosqlite:///{workdir / 'townhall.db'}",
            "seed_file": fixtures / "social.json",
        },
        auth={"dev_sign_in": True, "dev_default_user": "alex.morgan"},
    )  # type: ignore[arg-type]


@pytest.fixture(scope="session")
async def demo_gateway(
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Gateway]:
    settings = base_settings(council, scim_server, webdav_server, tmp_path_factory.mktemp("demo"))
    async with serve(settings) as gateway:
        yield gateway


@pytest.fixture(scope="session")
async def ad_gateway(
    council: Council,
    samba: SambaDC,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Gateway]:
    settings = base_settings(
        council,
        scim_server,
        webdav_server,
        tmp_path_factory.mktemp("ad"),
        mode="ldap",
        url=samba.ldaps_url,
        ca_file=samba.ca_file,
        tls_server_name=samba.tls_hostname,
        bind_dn=samba.bind_user,
        bind_password=samba.password,
        base_dn=samba.base_dn,
    )
    async with serve(settings) as gateway:
        yield gateway
