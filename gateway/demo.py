"""The embedded demo: the sample council served end to end with no set-up.

Starts a real scim2-server (HR) and a real wsgidav (documents) on loopback,
seeded from the sample council's files; the directory is ldap3's in-memory
directory loaded from the council's LDIF; the social store is a SQLite file;
the cache is in memory. Development sign-in is on (only the demo allows it).
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
from pathlib import Path
from typing import Any

import uvicorn

from .app import create_app
from .serving import uvicorn_config
from .settings import Settings

log = logging.getLogger("townhall.demo")

DEMO_PERSONA = "alex.morgan"
DAV_USER = "townhall"


def default_fixtures() -> Path:
    """The sample council beside the installed source tree."""
    return Path(__file__).resolve().parent.parent / "fixtures" / "council"


def demo_settings(
    fixtures: Path,
    workdir: Path,
    *,
    hr_url: str,
    hr_token: str,
    dav_url: str,
    dav_password: str,
    port: int,
) -> Settings:
    """Settings that point Townhall at the embedded upstreams."""
    return Settings(
        environment="demo",
        directory={
            "mode": "embedded",
            "sync_interval": 0,  # the embedded directory does not change
            "ldif_file": fixtures / "directory.ldif",
            "base_dn": "DC=ad,DC=northshire,DC=test",
        },
        hr={"url": hr_url, "token": hr_token},
        documents={
            "url": dav_url,
            "username": DAV_USER,
            "password": dav_password,
            "access_file": fixtures / "document_access.json",
        },
        social={
            "database_url": f"sqlite+aiosqlite:///{workdir / 'townhall.db'}",
            "seed_file": fixtures / "social.json",
            # No moderator may open HR's confidential folder: its readers moderate it.
            "fallback_moderator_groups": ["HR Confidential"],
        },
        auth={"dev_sign_in": True, "dev_default_user": DEMO_PERSONA},
        # The sample council's nearest thing to a data-protection team reads the audit trail.
        access={"data_protection_groups": ["Data Protection Champions"]},
        retention={"export_dir": workdir / "exports"},
        # The embedded directory never changes while the demo runs: cache it whole, for long.
        cache={"warm_directory": "startup", "directory_ttl": 86400, "search_ttl": 86400},
        server={"port": port, "public_url": f"http://127.0.0.1:{port}"},
    )


@contextlib.asynccontextmanager
async def embedded_upstreams(fixtures: Path, workdir: Path) -> Any:
    """Start and seed scim2-server and wsgidav; stop them on exit."""
    from . import upstreams

    token = secrets.token_urlsafe(24)
    dav_password = secrets.token_urlsafe(18)
    users = json.loads((fixtures / "hr" / "users.json").read_text(encoding="utf-8"))
    props = json.loads((fixtures / "documents.json").read_text(encoding="utf-8"))
    scim = await upstreams.start_scim_server(
        token=token, schemas_dir=fixtures / "hr", users=users, workdir=workdir / "scim"
    )
    try:
        dav = await upstreams.start_webdav_server(
            root=fixtures / "documents",
            props=props,
            users={
                "seed": upstreams.WebDavUser(password=secrets.token_urlsafe(18)),
                DAV_USER: upstreams.WebDavUser(password=dav_password, read_only=True),
            },
            workdir=workdir / "webdav",
        )
        try:
            yield {
                "hr_url": scim.url,
                "hr_token": token,
                "dav_url": dav.url,
                "dav_password": dav_password,
            }
        finally:
            dav.stop()
    finally:
        scim.stop()


async def run_demo(*, port: int, fixtures: Path, workdir: Path) -> None:
    """Serve the demo until interrupted; ``workdir`` must exist."""
    async with embedded_upstreams(fixtures, workdir) as up:
        settings = demo_settings(fixtures, workdir, port=port, **up)
        config = uvicorn_config(create_app(settings), settings, host="127.0.0.1", loop="none")
        log.info(
            "Townhall demo: open http://127.0.0.1:%d/graphql (signed in as %s)", port, DEMO_PERSONA
        )
        await uvicorn.Server(config).serve()
