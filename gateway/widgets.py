"""The portal widgets: their built files, served at ``/widgets/v1/``, and their operations.

Owns the route that serves the bundle the widgets' build writes into
``gateway/static/widgets/v1/`` (``townhall.js``, one ES module, and ``LICENSES.txt``,
the licences of what it bundles), and where the build's operations manifest is
(``operations.json``: ``{sha256: document}``), which the gateway always registers as
trusted documents, so the widgets' hash-only requests run in every trusted-documents mode
that has persisted operations.

Only the files named in ``SERVED`` are served, read once at start-up: a request names a
file, never a path. A page on another origin loads the bundle with
``<script type="module">``, which browsers fetch in CORS mode, so each response names the
requesting origin in ``Access-Control-Allow-Origin`` when it is the gateway's own or one of
``server.cors_origins``; ``Cross-Origin-Resource-Policy: cross-origin`` lets pages that
isolate themselves (COEP) load it too. The URL is versioned (``v1``), so the files are
cached for a year as immutable; their ETag answers revalidation with 304. Each file is
gzipped once at start-up and sent compressed to clients that accept gzip.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

WIDGETS_PATH = "/widgets/v1"
WIDGETS_DIR = Path(__file__).parent / "static" / "widgets" / "v1"
WIDGET_OPERATIONS = WIDGETS_DIR / "operations.json"
CACHE_FOREVER = "public, max-age=31536000, immutable"
SERVED = {
    "townhall.js": "text/javascript; charset=utf-8",
    "LICENSES.txt": "text/plain; charset=utf-8",
}


class WidgetFilesMissing(RuntimeError):
    """The package was installed without the built widgets."""


@dataclass(frozen=True, slots=True)
class _File:
    body: bytes
    gzipped: bytes  # compressed once at start-up: about a third of the bytes on the wire
    media_type: str
    etag: str


def _origin(value: str) -> str:
    return value.strip().rstrip("/").lower()


class WidgetFiles:
    """The built widget files, read once, answered with long-lived cache headers."""

    def __init__(self, cors_origins: list[str], directory: Path = WIDGETS_DIR) -> None:
        files: dict[str, _File] = {}
        for name, media_type in SERVED.items():
            path = directory / name
            if not path.is_file():
                raise WidgetFilesMissing(
                    f"the built widgets are missing ({name}): reinstall Townhall (they are "
                    "package data) or run widgets/update.sh"
                )
            body = path.read_bytes()
            digest = hashlib.sha256(body).hexdigest()[:32]
            files[name] = _File(body, gzip.compress(body, 9, mtime=0), media_type, f'"{digest}"')
        self._files = files
        self._origins = frozenset(_origin(o) for o in cors_origins)

    def routes(self) -> list[Route]:
        return [Route(f"{WIDGETS_PATH}/{{name}}", self.endpoint, methods=["GET", "HEAD"])]

    async def endpoint(self, request: Request) -> Response:
        file = self._files.get(request.path_params["name"])
        if file is None:
            return PlainTextResponse("Not found.", status_code=404)
        headers = {
            "Cache-Control": CACHE_FOREVER,
            "ETag": file.etag,
            "Cross-Origin-Resource-Policy": "cross-origin",
            "X-Content-Type-Options": "nosniff",
            "Vary": "Origin, Accept-Encoding",
        }
        origin = request.headers.get("origin")
        if origin and _origin(origin) in self._origins:
            headers["Access-Control-Allow-Origin"] = origin
        if file.etag in _etags(request.headers.get("if-none-match", "")):
            return Response(status_code=304, headers=headers)
        content = file.body
        if _accepts_gzip(request.headers.get("accept-encoding", "")):
            content = file.gzipped
            headers["Content-Encoding"] = "gzip"
        headers["Content-Length"] = str(len(content))
        body = b"" if request.method == "HEAD" else content
        return Response(body, media_type=file.media_type, headers=headers)


def _accepts_gzip(header: str) -> bool:
    """``Accept-Encoding`` names gzip with a weight above zero."""
    for part in header.lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            q = params.strip().removeprefix("q=")
            try:
                return float(q) > 0 if params.strip().startswith("q=") else True
            except ValueError:
                return False
    return False


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
