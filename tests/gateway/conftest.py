"""End-to-end gateways: Townhall served by uvicorn over HTTP, against real upstreams.

``demo_gateway`` is configured as ``make run`` is (the embedded directory, real
scim2-server and wsgidav); ``ad_gateway`` reads the directory from the real
Samba AD DC over LDAPS with certificate verification.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from servers import SCIM_TOKEN, WEBDAV_PASSWORD, WEBDAV_USER, Council
from servers.gateway import Gateway, serve
from servers.samba import SambaDC

from gateway.settings import Settings
from townhall_demo.launcher import SERVICE_ACCOUNTS
from townhall_demo.upstreams import ScimServer, WebDavServer

__all__ = ["Gateway", "base_settings", "serve"]


def base_settings(
    council: Council, scim: ScimServer, dav: WebDavServer, workdir: Path, **directory: Any
) -> Settings:
    fixtures = council.root
    # Tests that count upstream calls must not see a background change-feed poll;
    # the directory-sync test turns it on itself.
    directory = {"sync_interval": 0, **directory}
    return Settings(
        environment="test",
        directory=directory
        if len(directory) > 1
        else {
            **directory,
            "mode": "embedded",
            "ldif_file": fixtures / "directory.ldif",
            "base_dn": "DC=ad,DC=northshire,DC=test",
            "excluded_ous": [SERVICE_ACCOUNTS],
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
        access={"data_protection_groups": ["Data Protection Champions"]},  # as the demo
        retention={"export_dir": workdir / "exports"},
        # Generous: the machine running the suite is shared; deadline tests set their own.
        deadlines={"directory": 60, "hr": 60, "documents": 60},
    )  # type: ignore[arg-type]


def instance_settings(
    council: Council,
    scim: ScimServer,
    dav: WebDavServer,
    workdir: Path,
    *,
    database_url: str,
    redis_url: str,
    namespace: str,
    seed: bool,
) -> Settings:
    """One of several instances sharing a PostgreSQL social store and a Redis cache; only
    the ``seed`` one migrates and seeds the shared store."""
    s = base_settings(council, scim, dav, workdir)
    s.social.database_url = database_url
    if not seed:
        s.social.seed_file = None
    s.cache.backend = "redis"
    s.cache.redis_url = redis_url
    s.cache.namespace = namespace
    return s


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
        **samba.directory_settings(),
    )
    async with serve(settings) as gateway:
        yield gateway
