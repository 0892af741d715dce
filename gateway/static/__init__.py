"""The GraphiQL page, served with no request leaving the gateway's origin.

Owns the page template (``graphiql.html``), the files under ``graphiql/`` (React,
GraphiQL and its explorer plugin, copied from their npm packages by
``graphiql/update.sh`` and never edited by hand, plus Townhall's own page script
and layout), and the two pieces that serve them: ``GraphiQLPage`` renders the
page, ``GraphiQLAssets`` serves the files under ``ASSETS_PATH`` with long-lived
cache headers. Every asset URL carries a digest of the files, so a browser
fetches them again exactly when they change.
"""

from __future__ import annotations

import hashlib
import html
import json
from pathlib import Path, PurePosixPath
from string import Template
from urllib.parse import parse_qs

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

ASSETS_PATH = "/static/graphiql"
ASSETS_DIR = Path(__file__).parent / "graphiql"
TEMPLATE_FILE = Path(__file__).parent / "graphiql.html"
EXAMPLES_FILE = Path(__file__).parent / "graphiql-examples.json"
TITLE = "Townhall — GraphiQL"
# Only these are served; the folder's README, licences and update script are not.
SERVED_SUFFIXES = frozenset({".js", ".css"})
CACHE_FOREVER = "public, max-age=31536000, immutable"

# The page's own rules: scripts, styles and fetches from this origin only;
# fonts and icons inlined by GraphiQL's stylesheet arrive as data: URLs.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self'",
    ]
)

DEFAULT_QUERY = """\
# Welcome to Townhall's GraphiQL.
#
# Write a query here and run it with Ctrl-Enter or the play button.
# The Docs pane (the book icon) describes every type and field;
# the Explorer (the folder icon) builds a query by ticking fields.

query Me {
  me {
    displayName
    title
    department
  }
}
"""


class GraphiQLAssetsMissing(RuntimeError):
    """The package was installed without its GraphiQL files."""


def asset_files() -> list[Path]:
    """Every file the page may load, in name order."""
    return sorted(p for p in ASSETS_DIR.iterdir() if p.suffix in SERVED_SUFFIXES)


def assets_version() -> str:
    """A digest of the served files' names and contents (12 hex digits)."""
    digest = hashlib.sha256()
    for path in asset_files():
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class GraphiQLAssets(StaticFiles):
    """The files under ``graphiql/``; versioned URLs are cached for a year."""

    def __init__(self, version: str) -> None:
        if not ASSETS_DIR.is_dir() or not asset_files():
            raise GraphiQLAssetsMissing(
                f"GraphiQL's files are missing from {ASSETS_DIR}: reinstall Townhall "
                "(they are package data) or set server.graphiql to false"
            )
        super().__init__(directory=ASSETS_DIR)
        self._version = version

    async def get_response(self, path: str, scope: Scope) -> Response:
        if PurePosixPath(path).suffix not in SERVED_SUFFIXES:
            raise HTTPException(status_code=404)
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v")
            # Only the URL the page names is immutable: a bare or stale one is
            # revalidated, so an upgrade never leaves a browser on old files.
            immutable = asked == [self._version]
            response.headers["Cache-Control"] = CACHE_FOREVER if immutable else "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def example_tabs(dev_sign_in: bool, dev_user: str) -> list[dict[str, str]]:
    """The README's example operations as GraphiQL's first tabs (a first visit only: GraphiQL
    keeps a visitor's own tabs after that). With the demo's sign-in, each tab's headers name
    the person the README runs it as."""
    data = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
    tabs = []
    for example in data["examples"]:
        tab = {"query": example["query"]}
        if dev_sign_in:
            user = example.get("user") or dev_user
            tab["headers"] = json.dumps({"X-Townhall-User": user}, indent=2)
        tabs.append(tab)
    return tabs


class GraphiQLPage:
    """Renders the page; in the demo, the headers tab starts with the sign-in header."""

    def __init__(self, *, version: str, dev_sign_in: bool, dev_user: str = "") -> None:
        self._version = version
        self._template = Template(TEMPLATE_FILE.read_text(encoding="utf-8"))
        if dev_sign_in:
            headers = json.dumps({"X-Townhall-User": dev_user}, indent=2)
            hint = (
                "Demo sign-in: the <code>X-Townhall-User</code> header in the Headers tab "
                "names who you are; change it (e.g. to <code>priya.shah</code>) to act as "
                "someone else."
            )
        else:
            headers = ""
            hint = html.escape(
                'Sign in: put {"Authorization": "Bearer <token>"} in the Headers tab, '
                "then re-fetch the schema (Shift+Ctrl+R)."
            )
        self._hint = hint
        config = {
            "defaultQuery": DEFAULT_QUERY,
            "defaultHeaders": headers,
            "defaultTabs": example_tabs(dev_sign_in, dev_user),
        }
        # Inside <script type="application/json">: no "<", ">" or "&" may stay raw.
        self._config = (
            json.dumps(config)
            .replace("<", "\\u003c")
            .replace(">", "\\u003e")
            .replace("&", "\\u0026")
        )

    def render(self, request: Request) -> HTMLResponse:
        """The page, with asset URLs under the app's root path (for a proxy prefix)."""
        root = str(request.scope.get("root_path", "")).rstrip("/")
        body = self._template.substitute(
            title=html.escape(TITLE),
            assets=html.escape(root + ASSETS_PATH),
            version=self._version,
            hint=self._hint,
            config=self._config,
        )
        return HTMLResponse(
            body,
            headers={
                "Content-Security-Policy": CONTENT_SECURITY_POLICY,
                "Cache-Control": "no-cache",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            },
        )
