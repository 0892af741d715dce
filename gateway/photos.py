"""Staff photos from the directory, served by the gateway under signed, expiring URLs.

A photo URL carries an HMAC of the person's GUID and an expiry, so it works in
an ``<img>`` tag (which cannot send a bearer token) without exposing photos to
anyone who merely guesses a GUID.

A photo is a record in the record cache (kind ``photo``: its bytes, media type and
ETag, a hash of the bytes), kept and refreshed as the directory's other records are,
so a photo asked for again costs no directory call; the change feed drops it with the
person's other records. Who holds a photo is known without the bytes (a presence
search per page of people, ``connectors.directory.photos``, cached by GUID as kind
``photo-holder`` by the ``has_photo`` loader, which ``Person.hasPhoto`` and ``photoUrl``
read): when that says the account has none, the route answers 404 without asking the
directory. Answers carry ``Cache-Control: private``
for the rest of the signed URL's life and the ETag, and ``If-None-Match`` is answered
304, so a browser asks once per URL at most and re-validates for a few bytes.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, field_serializer, field_validator
from starlette.requests import Request
from starlette.responses import Response

from .loaders import PHOTO_HOLDER_KIND
from .settings import CacheSettings, Settings
from .signing import LinkSigner
from .state import AppState

if TYPE_CHECKING:
    from .loaders import Upstreams

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
PHOTO_KIND = "photo"  # the record cache's kind for photos, keyed by the GUID in lower case


class PhotoRecord(BaseModel):
    """A person's photo as cached: the bytes, their media type and their ETag."""

    model_config = ConfigDict(frozen=True)

    data: bytes
    media_type: str
    etag: str  # a strong validator: a hash of the bytes, quoted as HTTP writes it

    @classmethod
    def of(cls, data: bytes) -> PhotoRecord:
        kind = (
            "image/png"
            if data.startswith(_PNG)
            else "image/jpeg"
            if data.startswith(_JPEG)
            else "application/octet-stream"
        )
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        return cls(data=data, media_type=kind, etag=etag)

    # In Redis records are JSON: the bytes travel as base64.
    @field_validator("data", mode="before")
    @classmethod
    def _from_base64(cls, value: object) -> object:
        return base64.b64decode(value) if isinstance(value, str) else value

    @field_serializer("data", when_used="json")
    def _to_base64(self, value: bytes) -> str:
        return base64.b64encode(value).decode("ascii")


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


async def load_photo(upstreams: Upstreams, cache: CacheSettings, guid: str) -> PhotoRecord | None:
    """The person's photo, from the record cache, else from one directory call."""
    key = guid.lower()
    # What Person.hasPhoto read may already say there is no photo to fetch.
    [held] = await upstreams.cache.get_many(PHOTO_HOLDER_KIND, [key], bool)
    if held is not None and not held.record:
        return None
    directory = upstreams.directory

    async def fetch(keys: list[str]) -> list[PhotoRecord | None]:
        found = []
        for k in keys:  # one key per call: an <img> asks for one photo
            data = await directory.photo(k)
            found.append(PhotoRecord.of(data) if data else None)
        return found

    [record] = await upstreams.cache.load(
        PHOTO_KIND, [key], PhotoRecord, fetch,
        ttl=cache.directory_ttl, missing_ttl=cache.missing_ttl, stale_for=cache.max_stale,
    )  # fmt: skip
    return record


def _matches(if_none_match: str, etag: str) -> bool:
    """``If-None-Match`` (a list, weak or strong, or ``*``) names this ETag."""
    tags = [t.strip() for t in if_none_match.split(",")]
    return any(t == "*" or t.removeprefix("W/") == etag for t in tags)


def photo_endpoint(
    state: AppState, signer: PhotoSigner
) -> Callable[[Request], Awaitable[Response]]:
    async def photo(request: Request) -> Response:
        guid = request.path_params["guid"]
        query = request.query_params
        expires = query.get("expires", "")
        if not signer.valid(guid, expires, query.get("sig", "")):
            return Response("This photo link is invalid or has expired.", status_code=403)
        if state.upstreams is None:
            return Response("Townhall is starting.", status_code=503)
        try:
            record = await load_photo(state.upstreams, state.settings.cache, guid)
        except Exception:
            return Response("The directory is not answering.", status_code=503)
        # A browser may keep the answer as long as the URL itself works, and no longer.
        lifetime = max(0, int(expires) - int(time.time()))
        headers = {"Cache-Control": f"private, max-age={lifetime}"}
        if record is None:
            return Response("No photo.", status_code=404, headers=headers)
        headers["ETag"] = record.etag
        if _matches(request.headers.get("if-none-match", ""), record.etag):
            return Response(status_code=304, headers=headers)
        return Response(record.data, media_type=record.media_type, headers=headers)

    return photo
