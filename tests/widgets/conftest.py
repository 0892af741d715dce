"""The widget tests' servers: a real gateway, a page server on a second origin, Chromium.

``widget_gateway`` is a real uvicorn-served gateway over the sample council (real
scim2-server and wsgidav, as ``demo_gateway``) that accepts only bearer tokens signed by
``token_issuer`` (no development sign-in, so a widget that forgets its token fails), with
``server.cors_origins`` set to ``page_server``'s origin. ``page_server`` serves the demo
portal and the tests' own pages from that origin under the portal's strict CSP; its
``/token`` signs a token for the persona in its cookie (``open_page(..., persona=...)``).

    async def test_x(browser, page_server, widget_gateway):
        url = page_server.add_page("/x.html", '<townhall-person-card person="priya.shah">')
        async with open_page(browser, url, persona="alex.morgan") as (page, log):
            ...   # the log is checked on exit: console errors, CSP, foreign requests fail
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from servers import SCIM_TOKEN, WEBDAV_PASSWORD, WEBDAV_USER, Council
from servers.gateway import Gateway, serve

from gateway.settings import Settings
from portal.app import UPN_DOMAIN
from portal.tokens import TokenIssuer
from townhall_demo.upstreams import ScimServer, WebDavServer

from .browser import PageServer, free_port, launch_chromium, serve_pages

try:
    from playwright.async_api import Browser, async_playwright
except ImportError as exc:  # a dev dependency: fail loudly, never skip
    raise ImportError("playwright is missing: pip install -e '.[dev]'") from exc

ISSUER = "https://login.northshire.test/widget-tests"
AUDIENCE = "api://townhall-widgets"


def widget_settings(
    council: Council,
    scim: ScimServer,
    dav: WebDavServer,
    workdir: Path,
    issuer: TokenIssuer,
    *,
    cors_origins: list[str],
    **sections: Any,
) -> Settings:
    """The sample council as ``demo_gateway`` serves it, signed in by ``issuer``'s tokens
    only; ``sections`` replace whole settings sections (e.g. ``cache={...}``)."""
    fixtures = council.root
    values: dict[str, Any] = {
        "environment": "test",
        "directory": {
            "mode": "embedded",
            "sync_interval": 0,
            "ldif_file": fixtures / "directory.ldif",
            "base_dn": "DC=ad,DC=northshire,DC=test",
        },
        "hr": {"url": scim.url, "token": SCIM_TOKEN},
        "documents": {
            "url": dav.url,
            "username": WEBDAV_USER,
            "password": WEBDAV_PASSWORD,
            "access_file": fixtures / "document_access.json",
        },
        "social": {
            "database_url": f"sqlite+aiosqlite:///{workdir / 'townhall.db'}",
            "seed_file": fixtures / "social.json",
        },
        "auth": {"dev_sign_in": False, **issuer.auth_settings()},
        "access": {"data_protection_groups": ["Data Protection Champions"]},
        "retention": {"export_dir": workdir / "exports"},
        "deadlines": {"directory": 60, "hr": 60, "documents": 60},
        "server": {"cors_origins": cors_origins},
        **sections,
    }
    return Settings(**values)


@dataclass
class WidgetServers:
    """The gateway, the page server and the token issuer of one test session."""

    gateway: Gateway
    pages: PageServer
    issuer: TokenIssuer

    def token(self, account: str, **options: Any) -> str:
        """A token for ``account`` (or a UPN) that the gateway accepts; ``lifetime=``
        (negative: expired) and claims may be given."""
        upn = account if "@" in account else f"{account}@{UPN_DOMAIN}"
        return self.issuer.sign(upn, **options)

    def client(self, account: str) -> httpx.AsyncClient:
        """An HTTP client to the gateway, signed in as ``account``."""
        return httpx.AsyncClient(
            base_url=self.gateway.url,
            headers={"Authorization": f"Bearer {self.token(account)}"},
            timeout=30,
        )

    async def query(
        self, query: str, variables: dict[str, Any] | None = None, *, user: str = "alex.morgan"
    ) -> dict[str, Any]:
        """Run ad-hoc GraphQL as ``user`` (tests only: the widgets send registered operations)."""
        async with self.client(user) as client:
            response = await client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium (the session's one browser; each test opens its own context)."""
    async with async_playwright() as playwright:
        try:
            launched = await launch_chromium(playwright)
        except RuntimeError as exc:
            pytest.fail(str(exc), pytrace=False)
        yield launched
        await launched.close()


@pytest.fixture(scope="session")
def token_issuer() -> TokenIssuer:
    """Signs ES256 tokens the widget gateway accepts (a key pair made for this session)."""
    return TokenIssuer(issuer=ISSUER, audience=AUDIENCE)


@pytest.fixture(scope="session")
async def widget_servers(
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path_factory: pytest.TempPathFactory,
    token_issuer: TokenIssuer,
) -> AsyncIterator[WidgetServers]:
    # The page origin must be known before the gateway starts (its CORS allow-list).
    page_port = free_port()
    settings = widget_settings(
        council,
        scim_server,
        webdav_server,
        tmp_path_factory.mktemp("widgets"),
        token_issuer,
        cors_origins=[f"http://127.0.0.1:{page_port}"],
    )
    async with (
        serve(settings) as gateway,
        serve_pages(gateway.url, token_issuer, port=page_port) as pages,
    ):
        yield WidgetServers(gateway=gateway, pages=pages, issuer=token_issuer)


@pytest.fixture(scope="session")
def widget_gateway(widget_servers: WidgetServers) -> Gateway:
    return widget_servers.gateway


@pytest.fixture(scope="session")
def page_server(widget_servers: WidgetServers) -> PageServer:
    return widget_servers.pages


@pytest.fixture(scope="session")
def make_token(widget_servers: WidgetServers) -> Callable[..., str]:
    """``make_token("priya.shah", lifetime=-60)``: a token the widget gateway checks."""
    return widget_servers.token
