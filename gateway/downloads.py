"""Document content streamed through the gateway, for viewers who may read it.

``GET /documents/content/{path}`` answers two kinds of caller:

* a signed, expiring link (``Document.downloadUrl``), for ``<a href>`` and
  portal widgets that cannot send a bearer token. The signature covers the
  viewer, the path and the expiry; the viewer's right to read is checked again
  on every use, so a link stops working when access is withdrawn;
* a signed-in caller (bearer token, or the demo's sign-in header), for scripts.

Content is streamed chunk by chunk from the store, never held whole;
``Range`` (206), ``If-None-Match`` (304) and 416 pass through. Whether the caller
may read the document is the access gate's answer (``gateway.scope``), as for every
GraphQL read; a document they may not read answers exactly as a missing one does
(404). Content is
served as an attachment with a sandboxing CSP: an HTML document from the store
must never run as the gateway's own page.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from urllib.parse import quote

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from connectors.directory import DirectoryPerson
from connectors.documents import DocumentError, DocumentNotFound, Download, safe_path
from schema.context import StaleSources

from .auth import AuthError
from .loaders import build_loaders
from .scope import GatePolicy, build_scope
from .settings import Settings
from .signing import LinkSigner
from .state import AppState

log = logging.getLogger("townhall.downloads")

PREFIX = "/documents/content/"


class DownloadSigner:
    """Makes and checks signed download links (viewer, path, expiry)."""

    def __init__(self, key: bytes, base_url: str, lifetime: int) -> None:
        self._signer = LinkSigner(key, "download")
        self._base = base_url.rstrip("/")
        self._lifetime = lifetime

    @classmethod
    def from_settings(cls, settings: Settings) -> DownloadSigner:
        key = settings.server.url_signing_key.get_secret_value().encode() or secrets.token_bytes(32)
        s = settings.documents
        return cls(key, settings.server.public_url, s.download_url_lifetime)

    def url(self, viewer: str, path: str) -> str:
        # Round the expiry so a page's links stay the same (and cacheable) for a while.
        step = max(60, self._lifetime // 4)
        expires = (int(time.time()) // step + 1) * step + self._lifetime
        signature = self._signer.sign([viewer.lower(), path.strip("/")], expires)
        return (
            f"{self._base}{PREFIX}{quote(path.strip('/'), safe='/')}"
            f"?viewer={quote(viewer)}&expires={expires}&sig={signature}"
        )

    def valid(self, viewer: str, path: str, expires: str, signature: str) -> bool:
        return self._signer.valid([viewer.lower(), path.strip("/")], expires, signature)


def download_endpoint(
    state: AppState, signer: DownloadSigner
) -> Callable[[Request], Awaitable[Response]]:
    async def download(request: Request) -> Response:
        path = request.path_params["path"].strip("/")
        settings, upstreams, policy = state.settings, state.upstreams, state.policy
        if upstreams is None:
            return _plain("Townhall is starting.", 503)
        if upstreams.documents is None or not safe_path(path):
            return _missing()
        loaders = build_loaders(upstreams, settings, lambda: "", StaleSources())
        query = request.query_params
        try:
            if "sig" in query:
                viewer = query.get("viewer", "")
                if not signer.valid(viewer, path, query.get("expires", ""), query["sig"]):
                    return _plain("This link is invalid or has expired.", 403)
                person: DirectoryPerson | None = await loaders.directory.person.load(viewer)
                if person is None or person.is_leaver(datetime.now(UTC)):
                    return _plain("This link is invalid or has expired.", 403)
            else:
                person = await state.authenticator.viewer(request, loaders.directory)
        except AuthError as exc:
            return JSONResponse(
                {"error": str(exc)},
                status_code=exc.status,
                headers={"WWW-Authenticate": "Bearer"} if exc.status == 401 else None,
            )
        except Exception:
            log.warning("download sign-in failed", exc_info=True)
            return _plain("Sign-in is unavailable right now.", 503)
        gate = GatePolicy.of(policy, settings.social.fallback_moderator_groups)
        scope = build_scope(person, loaders, upstreams.social, gate)
        try:
            record = await scope.documents.get(path)
        except Exception as exc:
            log.warning("download check failed: %s", type(exc).__name__)
            return _plain("The document store is not answering.", 503)
        if record is None:
            return _missing()
        try:
            opened = await upstreams.documents.open(
                path,
                range=request.headers.get("range"),
                if_none_match=request.headers.get("if-none-match"),
            )
        except DocumentNotFound:
            return _missing()
        except DocumentError as exc:
            log.warning("download failed: %s", type(exc).__name__)
            return _plain("The document store is not answering.", 503)
        return _stream(opened, record.file_name)

    return download


def _stream(opened: Download, file_name: str) -> Response:
    headers = dict(opened.headers)
    headers["cache-control"] = "private, no-store"
    headers["x-content-type-options"] = "nosniff"
    headers["content-security-policy"] = "sandbox; default-src 'none'"
    headers["content-disposition"] = f"attachment; filename*=UTF-8''{quote(file_name)}"
    media_type = headers.pop("content-type", "application/octet-stream")

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in opened.chunks:
                yield chunk
        finally:
            await opened.aclose()

    if opened.status in (304, 416):
        headers.pop("content-length", None)
        return _closing(opened, Response(status_code=opened.status, headers=headers))
    return StreamingResponse(
        body(), status_code=opened.status, headers=headers, media_type=media_type
    )


def _closing(opened: Download, response: Response) -> Response:
    response.background = BackgroundTask(opened.aclose)
    return response


def _missing() -> Response:
    return _plain("No such document.", 404)


def _plain(message: str, status: int) -> Response:
    return Response(message, status_code=status, media_type="text/plain")
