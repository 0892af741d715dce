"""The demo portal's web server: Northshire Council's mock intranet home page, on its own origin.

It serves the page (``static/index.html``, ``portal.css``, ``portal.js``) under a strict
Content-Security-Policy that lets scripts, images and connections reach only the page itself
and the Townhall gateway: no inline script or style, no eval. It is also the page's identity
provider (``portal.tokens``): ``GET /token`` signs a ten-minute token for the visitor chosen
in the persona picker (``POST /persona``, remembered in a cookie of the portal's), which
``portal.js`` hands to the widgets through ``townhall.configure({ endpoint, getToken })``,
as a SharePoint page hands them the token it got from Entra ID.

``{{gateway}}`` in the page and its script stands for the gateway's origin: a council's web
team writes its own there. The browser tests serve their own pages through the same server
(``pages``), under the same policy.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .tokens import TokenIssuer

STATIC = Path(__file__).resolve().parent / "static"
PERSONA_COOKIE = "northshire_persona"
UPN_DOMAIN = "northshire.test"
GATEWAY_PLACEHOLDER = "{{gateway}}"

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".json": "application/json",
}
_TEMPLATED = {".html", ".js"}


@dataclass(frozen=True)
class Persona:
    """Someone of the sample council a visitor may sign in as."""

    account: str
    name: str
    title: str

    @property
    def upn(self) -> str:
        return f"{self.account}@{UPN_DOMAIN}"


PERSONAS: tuple[Persona, ...] = (
    Persona("alex.morgan", "Alex Morgan", "Head of IT and Digital"),
    Persona("abena.oyelaran", "Abena Oyelaran", "Direct Payments Officer"),
    Persona("priya.shah", "Priya Shah", "Principal Planning Officer"),
    Persona("helen.carter", "Helen Carter", "Chief Executive"),
    Persona("dafydd.howells", "Dafydd Howells", "Social Worker"),
)


def content_security_policy(gateway_url: str) -> str:
    """The page's policy: its own files, the gateway's script, photos, HTTP and WebSocket
    connections; nothing inline, nothing evaluated, no fonts, frames or plugins."""
    parts = urlsplit(gateway_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    socket = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'self' {origin}",
            "style-src 'self'",
            f"img-src 'self' {origin} data:",
            # 'self' for the portal's own /token; the gateway for GraphQL and live updates.
            f"connect-src 'self' {origin} {socket}",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


class Portal:
    """The page, its files and its token endpoint for one gateway and one token issuer."""

    def __init__(
        self,
        gateway_url: str,
        issuer: TokenIssuer,
        *,
        personas: Sequence[Persona] = PERSONAS,
        anyone: bool = False,
        pages: Mapping[str, str | bytes] | None = None,
    ) -> None:
        parts = urlsplit(gateway_url)
        self.gateway_origin = f"{parts.scheme}://{parts.netloc}"
        self.issuer = issuer
        self.personas = {p.account: p for p in personas}
        self.default_account = next(iter(self.personas), "")
        # The browser tests sign in whomever they need: any account the cookie names.
        self.anyone = anyone
        self.headers = {
            "Content-Security-Policy": content_security_policy(gateway_url),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "Cache-Control": "no-cache",
        }
        # More files by path (the tests' pages); the page's own are read from static/ as
        # asked for, so that an edit shows on the next reload.
        self.files: dict[str, bytes] = {}
        self._static = {
            f"/{p.name}" for p in STATIC.iterdir() if p.suffix in _TYPES and p.name != "index.html"
        }
        for name, body in (pages or {}).items():
            self.files[name] = body.encode() if isinstance(body, str) else body

    def persona(self, request: Request) -> Persona | None:
        account = request.cookies.get(PERSONA_COOKIE) or self.default_account
        if account in self.personas:
            return self.personas[account]
        return Persona(account, account, "") if self.anyone and account else None

    def _respond(self, body: bytes, suffix: str, status: int = 200) -> Response:
        if suffix in _TEMPLATED:
            origin = html.escape(self.gateway_origin) if suffix == ".html" else self.gateway_origin
            body = body.replace(GATEWAY_PLACEHOLDER.encode(), origin.encode())
        return Response(body, status, headers=self.headers, media_type=_TYPES[suffix])

    async def home(self, request: Request) -> Response:
        chosen = self.persona(request)
        options = "".join(
            f'<option value="{html.escape(p.account)}"'
            f"{' selected' if chosen and p.account == chosen.account else ''}>"
            f"{html.escape(p.name)} ({html.escape(p.title)})</option>"
            for p in self.personas.values()
        )
        page = (STATIC / "index.html").read_text(encoding="utf-8")
        page = page.replace("{{persona_options}}", options)
        page = page.replace("{{persona_name}}", html.escape(chosen.name if chosen else "there"))
        page = page.replace("{{persona_account}}", html.escape(chosen.account if chosen else ""))
        return self._respond(page.encode(), ".html")

    async def file(self, request: Request) -> Response:
        path = "/" + request.path_params["path"]
        body = self.files.get(path)
        if body is None and path in self._static:
            body = (STATIC / path[1:]).read_bytes()
        if body is None:
            return Response("Not found", 404, headers=self.headers, media_type="text/plain")
        return self._respond(body, Path(path).suffix if Path(path).suffix in _TYPES else ".html")

    async def token(self, request: Request) -> Response:
        """A token for the visitor, as JSON (same origin as the page: no CORS needed)."""
        who = self.persona(request)
        if who is None:
            return self._json({"error": "Choose who you are first."}, 401)
        token = self.issuer.sign(who.upn, name=who.name)
        return self._json(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.issuer.lifetime,
                "account": who.account,
                "name": who.name,
            }
        )

    async def choose(self, request: Request) -> Response:
        """The persona picker's form: remember the choice in the portal's cookie."""
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        account = (form.get("persona") or [""])[0]
        response = RedirectResponse("/", 303, headers=self.headers)
        if account in self.personas or (self.anyone and account):
            response.set_cookie(PERSONA_COOKIE, account, httponly=True, samesite="strict")
        return response

    def _json(self, body: object, status: int = 200) -> Response:
        headers = {**self.headers, "Cache-Control": "no-store"}
        return Response(json.dumps(body), status, headers=headers, media_type="application/json")

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/", self.home),
                Route("/token", self.token),
                Route("/persona", self.choose, methods=["POST"]),
                Route("/{path:path}", self.file),
            ]
        )


def create_portal(
    gateway_url: str,
    issuer: TokenIssuer,
    *,
    personas: Sequence[Persona] = PERSONAS,
    pages: Mapping[str, str | bytes] | None = None,
) -> Starlette:
    """The portal's ASGI app for the gateway at ``gateway_url``, signing with ``issuer``;
    ``pages`` maps more paths to file contents (``{{gateway}}`` replaced in .html and .js)."""
    return Portal(gateway_url, issuer, personas=personas, pages=pages).app()
