"""One-click unsubscribe (RFC 8058): the signed link in every digest, and its endpoint.

The token names one person and grants one thing, turning their digests off: it is an
HMAC (``gateway.signing.LinkSigner`` under the purpose ``digest-unsubscribe``, so no
photo, download or export signature is valid here, nor this one there) over their GUID
and an expiry a year and more away, under the server's signing key. It is long-lived on
purpose: people unsubscribe from mails weeks old.

``POST /digests/unsubscribe?token=...`` (what a mail client sends, with the body
``List-Unsubscribe=One-Click``; or the confirm page's button) sets the person's
preference to ``never`` and answers a small page. ``GET`` only shows a page with that
button: mail scanners fetch links, and a fetch must not unsubscribe anyone. A missing,
malformed, forged or expired token answers 400 with a page saying so, is logged at INFO
once, and changes nothing. The pages load nothing and run nothing (a CSP of
``default-src 'none'``), and carry no token in a Referer.
"""

from __future__ import annotations

import html
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from connectors.social import SocialError
from connectors.social.digests import DigestLedger

from ..settings import Settings
from ..signing import LinkSigner
from ..state import AppState

log = logging.getLogger("townhall.digests")

PATH = "/digests/unsubscribe"
LIFETIME = 400 * 86_400  # seconds a link works: more than a year
_TOKEN = re.compile(r"^([0-9A-Za-z-]{1,64})\.([0-9]{1,12})\.([0-9a-f]{40})$")
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}


class UnsubscribeSigner:
    """Makes and checks the tokens of unsubscribe links (person, expiry)."""

    def __init__(self, key: bytes, base_url: str) -> None:
        self._signer = LinkSigner(key, "digest-unsubscribe")
        self._base = base_url.rstrip("/")
        self.stable = True  # made from a configured key: links outlive the process

    @classmethod
    def from_settings(cls, settings: Settings) -> UnsubscribeSigner:
        """Under the server's signing key (random when unset: links then die with the
        process, as photo and download links do)."""
        key = settings.server.url_signing_key.get_secret_value().encode()
        signer = cls(key or secrets.token_bytes(32), settings.server.public_url)
        signer.stable = bool(key)
        return signer

    def token(self, person: str, *, now: float | None = None) -> str:
        expires = int(now if now is not None else time.time()) + LIFETIME
        return f"{person}.{expires}.{self._signer.sign([person.lower()], expires)}"

    def url(self, person: str) -> str:
        return f"{self._base}{PATH}?token={quote(self.token(person))}"

    def person(self, token: str) -> str | None:
        """The person a genuine, unexpired token names; ``None`` for any other."""
        found = _TOKEN.match(token)
        if found is None:
            return None
        person, expires, signature = found.groups()
        return person if self._signer.valid([person.lower()], expires, signature) else None


def unsubscribe_endpoint(
    state: AppState, signer: UnsubscribeSigner
) -> Callable[[Request], Awaitable[Response]]:
    """The ``/digests/unsubscribe`` route: ``state.upstreams`` is read per request (the
    lifespan sets it)."""

    async def endpoint(request: Request) -> Response:
        # The token is always in the URL (the mail's link, and the confirm page's form
        # action); a POST's body (``List-Unsubscribe=One-Click``) says nothing more.
        token = request.query_params.get("token", "")
        person = signer.person(token)
        if person is None:
            log.info("digest unsubscribe refused: the token is missing, invalid or expired")
            return _page(
                "This link does not work",
                "The unsubscribe link is incomplete or has expired. Choose how often you get "
                "digests in your Townhall profile instead.",
                400,
            )
        if request.method != "POST":
            return _confirm(token)
        upstreams = state.upstreams
        if upstreams is None:
            return _page("Try again in a moment", "Townhall is starting.", 503)
        try:
            changed = await DigestLedger(upstreams.social).set_frequency(person, "never")
        except SocialError as exc:
            log.warning("digest unsubscribe failed: %s", type(exc).__name__)
            return _page("Try again later", "Townhall could not save your choice just now.", 503)
        log.info("digest unsubscribe: digests turned off%s", "" if changed else " (already)")
        return _page(
            "You are unsubscribed",
            "You will get no more Townhall digest emails. You can turn them on again in your "
            "Townhall profile.",
            200,
        )

    return endpoint


def _confirm(token: str) -> Response:
    action = html.escape(f"{PATH}?token={quote(token)}")
    body = (
        "<p>Stop getting Townhall digest emails?</p>"
        f'<form method="post" action="{action}">'
        '<button type="submit">Unsubscribe</button></form>'
    )
    return _html("Unsubscribe from Townhall digests", body, 200)


def _page(title: str, text: str, status: int) -> Response:
    return _html(title, f"<p>{html.escape(text)}</p>", status)


def _html(title: str, body: str, status: int) -> Response:
    page = (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
    return HTMLResponse(page, status_code=status, headers=_HEADERS)
