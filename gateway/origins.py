"""Which web origins may reach Townhall with a browser's ambient credentials.

A browser attaches cookies to every request to the gateway, whichever page made it, and
opens WebSockets from any page: what tells the gateway's own pages and the council's
portals apart from any other site is the ``Origin`` header, which pages cannot forge.
``OriginPolicy`` owns that judgement, for the cookie sign-in of HTTP requests (a
cross-site request forgery defence) and for the WebSocket upgrade on ``/graphql`` (a
cross-site WebSocket hijacking defence).

An origin is allowed when it is the gateway's own, or one of ``server.cors_origins``. The
gateway's own origin is that of ``server.public_url`` when it is set; only when it is not
is the request's ``Host`` taken for it (a page served by a rebinding DNS name would pass
that test, but the browser never sends it the gateway's cookies, so set ``public_url``
in production).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def normalise_origin(value: str) -> str | None:
    """``scheme://host[:port]`` as browsers serialise an origin (lower case, default port
    left out), or ``None`` for anything else (``null``, paths, user info, junk)."""
    value = value.strip()
    if not value or value == "null" or len(value) > 512:
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host or parts.username or parts.password:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


@dataclass(frozen=True, slots=True)
class OriginPolicy:
    """The origins allowed to use ambient credentials and to open WebSockets."""

    own: str | None  # the gateway's origin from server.public_url (None: from Host)
    portals: frozenset[str]  # server.cors_origins, normalised

    @classmethod
    def of(cls, public_url: str, cors_origins: Iterable[str]) -> OriginPolicy:
        own = normalise_origin(_origin_part(public_url)) if public_url else None
        portals = frozenset(o for o in map(normalise_origin, cors_origins) if o is not None)
        return cls(own, portals)

    def allows(self, origin: str, *, host: str = "", scheme: str = "http") -> bool:
        """Whether a request whose ``Origin`` is ``origin`` comes from the gateway's own
        pages or a configured portal; ``host`` and ``scheme`` are the request's (``ws``
        and ``wss`` count as ``http`` and ``https``)."""
        found = normalise_origin(origin)
        if found is None:
            return False
        if found in self.portals or found == self.own:
            return True
        if self.own is None and host:
            web_scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
            return found == normalise_origin(f"{web_scheme}://{host}")
        return False


def _origin_part(url: str) -> str:
    """The scheme and authority of a URL (``public_url`` may carry a path)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
