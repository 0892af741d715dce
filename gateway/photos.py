"""Staff photos from the directory, served by the gateway under signed, expiring URLs.

A photo URL carries an HMAC of the person's GUID and an expiry, so it works in
an ``<img>`` tag (which cannot send a bearer token) without exposing photos to
anyone who merely guesses a GUID.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from .settings import Settings
from .signing import LinkSigner
from .state import AppState

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


class PhotoSigner:
    """Makes and checks signed photo URLs."""

    def __init__(self, key: bytes, base_url: str, lifetime: int) -> None:
        self._signer = LinkSigner(key, "photo")
        self._base = base_url.rstrip("/")
        self._lifetime = lifetime

    @classmethod
    def from_settings(cls, settings: Settings) -> PhotoSigner:
        key = settings.server.url_signing_key.get_secret_value().encode() or secrets.token_bytes(32)
        return cls(key, settings.server.public_url, settings.server.photo_url_lifetime)

    def url(self, guid: str) -> str:
        # Round the expiry so a page's URLs stay the same (and cacheable) for a while.
        expires = (int(time.time()) // 600 + 1) * 600 + self._lifetime
        signature = self._signer.sign([guid.lower()], expires)
        return f"{self._base}/photos/{guid}?expires={expires}&sig={signature}"

    def valid(self, guid: str, expires: str, signature: str) -> bool:
        return self._signer.valid([guid.lower()], expires, signature)


def photo_endpoint(
    state: AppState, signer: PhotoSigner
) -> Callable[[Request], Awaitable[Response]]:
    async def photo(request: Request) -> Response:
        guid = request.path_params["guid"]
        query = request.query_params
        if not signer.valid(guid, query.get("expires", ""), query.get("sig", "")):
            return Response("This photo link is invalid or has expired.", status_code=403)
        if state.upstreams is None:
            return Response("Townhall is starting.", status_code=503)
        directory = state.upstreams.directory
        try:
            data = await directory.photo(guid)
        except Exception:
            return Response("The directory is not answering.", status_code=503)
        if not data:
            return Response("No photo.", status_code=404)
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Cache-Control": "private, max-age=3600"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        kind = (
            "image/png"
            if data.startswith(_PNG)
            else "image/jpeg"
            if data.startswith(_JPEG)
            else "application/octet-stream"
        )
        return Response(data, media_type=kind, headers=headers)

    return photo
