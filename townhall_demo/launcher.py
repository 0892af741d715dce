"""The embedded demo: the sample council served end to end with no set-up.

Starts a real scim2-server (HR) and a real wsgidav (documents) on loopback,
seeded from the sample council's files; the directory is ldap3's in-memory
directory loaded from the council's LDIF; the social store is a SQLite file;
the cache is in memory. Development sign-in is on (only the demo allows it).
The background jobs (document index, HR feeds, retention, digests) run in a worker
beside the web app, under a file lock (``gateway.worker.run_beside``), as in production.

Beside the gateway, on a second origin (by default the next port), the demo portal
(``portal/``, demo code beside the source tree, imported only here): Northshire Council's
mock intranet home page embedding every widget under a strict Content-Security-Policy. It
is the demo's identity provider too: a key pair made at start-up, whose public key the
gateway is configured with, and ten-minute ES256 tokens for the visitor it signs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import sys
from pathlib import Path
from typing import Any

import uvicorn
from pydantic import SecretStr

from connectors.documents import DocumentIndex
from gateway.app import create_app
from gateway.cache import RecordCache
from gateway.documents import DocumentSync, open_documents
from gateway.serving import uvicorn_config
from gateway.settings import DocumentSettings, Settings
from gateway.worker import run_beside

from . import upstreams

log = logging.getLogger("townhall.demo")

DEMO_PERSONA = "alex.morgan"
SERVICE_ACCOUNTS = "OU=Service Accounts,OU=Northshire,DC=ad,DC=northshire,DC=test"
DAV_USER = "townhall"
#: The ``aud`` of the portal's tokens, as an Entra app registration's API would be named.
PORTAL_AUDIENCE = "api://townhall-demo"


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
    portal_origin: str = "",
    portal_auth: dict[str, Any] | None = None,
) -> Settings:
    """Settings that point Townhall at the embedded upstreams; with the portal, its tokens
    are accepted (``portal_auth``) and its origin is allowed to call (CORS)."""
    return Settings(
        environment="demo",
        directory={
            "mode": "embedded",
            "sync_interval": 0,  # the embedded directory does not change
            "ldif_file": fixtures / "directory.ldif",
            "base_dn": "DC=ad,DC=northshire,DC=test",
            "excluded_ous": [SERVICE_ACCOUNTS],
            # The embedded directory answers AD's in-chain rule and computes directReports.
            "use_matching_rule_in_chain": True,
            "reports_via": "direct_reports",
        },
        hr={"url": hr_url, "token": hr_token},
        documents=document_settings(fixtures, workdir, dav_url, dav_password),
        social={
            "database_url": f"sqlite+aiosqlite:///{workdir / 'townhall.db'}",
            "seed_file": fixtures / "social.json",
            "vocabulary_files": [fixtures / "vocabulary.json"],  # related terms for experts
            # No moderator may open HR's confidential folder: its readers moderate it.
            "fallback_moderator_groups": ["HR Confidential"],
        },
        # Development sign-in stays on for GraphiQL; the portal's widgets send its tokens.
        auth={"dev_sign_in": True, "dev_default_user": DEMO_PERSONA, **(portal_auth or {})},
        # The sample council's nearest thing to a data-protection team reads the audit trail.
        access={"data_protection_groups": ["Data Protection Champions"]},
        retention={"export_dir": workdir / "exports"},
        # The embedded directory never changes while the demo runs: cache it whole, for long.
        # The directory (people, groups, memberships) and HR are warmed together before the
        # demo serves: a visitor's first queries then wait on no listing in progress.
        cache={
            "warm_directory": "startup",
            "warm_hr": "startup",
            "directory_ttl": 86400,
            "search_ttl": 86400,
        },
        server={
            "port": port,
            "public_url": f"http://127.0.0.1:{port}",
            "cors_origins": [portal_origin] if portal_origin else [],
            # One key for the web app's and the worker's links (digest unsubscribe).
            "url_signing_key": secrets.token_urlsafe(32),
        },
        # The background jobs run in a worker beside the web app, as in production; one
        # machine and SQLite: a file lock makes it the only one.
        worker={"mode": "separate", "lock": "file", "lock_file": workdir / "worker.lock"},
    )


def document_settings(
    fixtures: Path, workdir: Path, dav_url: str, dav_password: str
) -> DocumentSettings:
    return DocumentSettings(
        url=dav_url,
        username=DAV_USER,
        password=SecretStr(dav_password),
        access_file=fixtures / "document_access.json",
        # Written by the worker, read by the web app (gateway.worker.run_beside).
        search_database_url=f"sqlite+aiosqlite:///{workdir / 'search.db'}",
    )


async def build_document_index(settings: DocumentSettings) -> None:
    """Build the document index the worker would build first, before the gateway starts:
    the worker then finds every document indexed under its current ETag and only checks,
    instead of reading every document while the first visitor's queries run."""
    async with contextlib.AsyncExitStack() as stack:
        source = open_documents(settings, stack)
        if source is None:
            return
        index = DocumentIndex.open(settings.search_database_url)
        sync = DocumentSync(source, index, RecordCache.memory(), text_limit=settings.text_limit)
        stack.push_async_callback(sync.close)
        await sync.open()
        await sync.poll()


@contextlib.asynccontextmanager
async def embedded_upstreams(fixtures: Path, workdir: Path) -> Any:
    """Start and seed scim2-server and wsgidav; stop them on exit."""
    token = secrets.token_urlsafe(24)
    dav_password = secrets.token_urlsafe(18)
    users = json.loads((fixtures / "hr" / "users.json").read_text(encoding="utf-8"))
    props = json.loads((fixtures / "documents.json").read_text(encoding="utf-8"))
    # Both started at once: each is a process of its own, seeded over HTTP.
    scim_task = asyncio.create_task(
        upstreams.start_scim_server(
            token=token, schemas_dir=fixtures / "hr", users=users, workdir=workdir / "scim"
        )
    )

    async def documents() -> upstreams.WebDavServer:
        dav = await upstreams.start_webdav_server(
            root=fixtures / "documents",
            props=props,
            users={
                "seed": upstreams.WebDavUser(password=secrets.token_urlsafe(18)),
                DAV_USER: upstreams.WebDavUser(password=dav_password, read_only=True),
            },
            workdir=workdir / "webdav",
        )
        try:  # while the HR server is still being seeded
            await build_document_index(document_settings(fixtures, workdir, dav.url, dav_password))
        except Exception as exc:  # the worker builds it then, as without this
            log.warning("the document index was not built before start: %s", exc)
        except BaseException:
            dav.stop()
            raise
        return dav

    dav_task = asyncio.create_task(documents())
    tasks = (scim_task, dav_task)
    try:
        scim, dav = await asyncio.gather(*tasks)
    except BaseException:  # one failed, or the start was interrupted: stop the other too
        for task in tasks:
            task.cancel()  # a server still starting stops itself
        for outcome in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(outcome, upstreams.RunningServer):
                outcome.stop()
        raise
    try:
        yield {
            "hr_url": scim.url,
            "hr_token": token,
            "dav_url": dav.url,
            "dav_password": dav_password,
        }
    finally:
        dav.stop()
        scim.stop()


def load_portal() -> Any:
    """The demo portal's module (``portal.app``): demo code kept beside the source tree, as
    the sample council and this package are (never installed with the gateway)."""
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.append(root)
    import portal.app

    return portal.app


async def run_demo(
    *, port: int, fixtures: Path, workdir: Path, portal_port: int | None = None
) -> None:
    """Serve the demo until interrupted; ``workdir`` must exist. The portal is served on
    ``portal_port`` (default: ``port + 1``; 0: no portal)."""
    portal_port = port + 1 if portal_port is None else portal_port
    portal = load_portal() if portal_port else None
    origin = f"http://127.0.0.1:{portal_port}"
    issuer = portal.TokenIssuer(issuer=origin, audience=PORTAL_AUDIENCE) if portal else None
    async with embedded_upstreams(fixtures, workdir) as up:
        settings = demo_settings(
            fixtures,
            workdir,
            port=port,
            portal_origin=origin if portal else "",
            portal_auth=issuer.auth_settings() if issuer else None,
            **up,
        )
        web = create_app(settings)
        run_beside(web, settings)  # the worker: started and stopped by the app's lifespan
        config = uvicorn_config(web, settings, host="127.0.0.1", loop="none")
        servers = [uvicorn.Server(config)]
        log.info(
            "Townhall demo: open http://127.0.0.1:%d/graphql (signed in as %s)", port, DEMO_PERSONA
        )
        if portal and issuer:
            app = portal.create_portal(settings.server.public_url, issuer)
            servers.append(
                uvicorn.Server(
                    uvicorn.Config(
                        app,
                        host="127.0.0.1",
                        port=portal_port,
                        loop="none",
                        lifespan="off",
                        access_log=False,
                        server_header=False,
                        log_level="warning",
                    )
                )
            )
            log.info("Townhall demo portal (every widget on an intranet page): open %s/", origin)
        # Ctrl-C stops both: uvicorn hands the signal on to the server started before it.
        await asyncio.gather(*(server.serve() for server in servers))
