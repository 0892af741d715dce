"""GraphiQL works without internet access: a real Chromium runs queries on the page.

The browser is Debian's Chromium driven by Playwright against the end-to-end demo
gateway (real scim2-server and wsgidav). Every request the page makes is
recorded and must stay on the gateway's loopback origin. Chromium is installed
by ``tests/servers/install-packages.sh`` (``make test``): when it is missing the
test fails, it never skips.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from servers import Council
from starlette.requests import Request

from gateway import static
from portal.screenshot import CHROMIUM as CHROMIUM_PATH
from portal.screenshot import CHROMIUM_ARGS

from .conftest import Gateway

try:
    from playwright.async_api import Browser, Page, async_playwright
except ImportError as exc:  # a dev dependency: fail loudly, never skip
    raise ImportError("playwright is missing: pip install -e '.[dev]'") from exc

CHROMIUM = Path(CHROMIUM_PATH)
SCREENSHOT = Path("/tmp/townhall-graphiql.png")
REPO = Path(__file__).resolve().parents[2]

QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
RESPONSE = ".graphiql-response .CodeMirror"
# The variables and headers editors share the tools pane; only the open one is shown.
HEADERS_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) > .CodeMirror"


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: run `bash tests/servers/install-packages.sh` "
            "(make test does) to install Debian's chromium package",
            pytrace=False,
        )
    return CHROMIUM


@pytest.fixture(scope="module")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        await launched.close()


class PageLog:
    """Every request, console error and page error a page produced."""

    def __init__(self, page: Page) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("websocket", lambda ws: self.requests.append(ws.url))
        page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def foreign(self, origin: str) -> list[str]:
        """Requests to anywhere but ``origin`` (data: URLs never leave the browser)."""
        return [
            url for url in self.requests if not url.startswith("data:") and _origin(url) != origin
        ]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def _editor_value(page: Page, selector: str) -> str:
    # CodeMirror 5 keeps its editor object on the wrapper element.
    value: str = await page.eval_on_selector(selector, "el => el.CodeMirror.getValue()")
    return value


async def _set_editor(page: Page, selector: str, text: str) -> None:
    await page.eval_on_selector(
        selector, "(el, text) => { el.CodeMirror.setValue(text); el.CodeMirror.focus(); }", text
    )


async def _run(page: Page, query: str, tab_title: str = "<untitled>") -> dict[str, Any]:
    """Put ``query`` in the editor, press Run, and return the response pane's JSON."""
    await page.eval_on_selector(RESPONSE, "el => el.CodeMirror.setValue('')")
    await _set_editor(page, QUERY_EDITOR, query)
    # GraphiQL reads the operation name from an edit after a short debounce, and
    # names the tab after it: run only once it has, as a person would.
    await page.wait_for_function(
        "title => document.querySelector('.graphiql-tab-active button').title === title",
        arg=tab_title,
        timeout=10_000,
    )
    await page.click(".graphiql-execute-button")
    await page.wait_for_function(
        "sel => document.querySelector(sel).CodeMirror.getValue().trim().startsWith('{')",
        arg=RESPONSE,
        timeout=30_000,
    )
    result: dict[str, Any] = json.loads(await _editor_value(page, RESPONSE))
    return result


async def test_graphiql_runs_queries_with_nothing_from_outside(
    demo_gateway: Gateway, browser: Browser, council: Council
) -> None:
    me = demo_gateway.settings.auth.dev_default_user
    my_name = council.users[me].first("displayName")
    assert my_name == "Alex Morgan"  # the README's demo persona
    other_name = council.users["priya.shah"].first("displayName")

    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = await context.new_page()
        log = PageLog(page)
        await page.goto(f"{demo_gateway.url}/graphql", wait_until="load")
        await page.wait_for_selector(QUERY_EDITOR, timeout=30_000)

        assert await page.title() == "Townhall — GraphiQL"
        # A first visit opens the README's example operations, one a tab.
        titles = await page.eval_on_selector_all(
            ".graphiql-tab", "tabs => tabs.map(t => t.querySelector('button').title)"
        )
        examples = json.loads(static.EXAMPLES_FILE.read_text(encoding="utf-8"))["examples"]
        assert titles == [e["name"] for e in examples]
        hint = await page.inner_text("#townhall-hint")
        assert "X-Townhall-User" in hint and "priya.shah" in hint
        # The headers tab is open and names the demo persona.
        headers = json.loads(await _editor_value(page, HEADERS_EDITOR))
        assert headers == {"X-Townhall-User": me}

        result = await _run(page, "{ me { displayName } }")
        assert result.get("errors") is None, result
        assert result["data"]["me"]["displayName"] == my_name
        assert my_name in await page.inner_text(".graphiql-response")
        await page.screenshot(path=str(SCREENSHOT))

        # The docs explorer was fed the schema by introspection.
        await page.click("button[aria-label='Show Documentation Explorer']")
        docs = page.locator(".graphiql-doc-explorer")
        await docs.get_by_text("Query", exact=True).first.wait_for(timeout=10_000)
        # Switching persona is a header edit.
        await _set_editor(page, HEADERS_EDITOR, json.dumps({"X-Townhall-User": "priya.shah"}))
        result = await _run(page, "{ me { displayName } }")
        assert result["data"]["me"]["displayName"] == other_name

        assert log.requests, "the page made no requests at all"
        assert log.foreign(demo_gateway.url) == []
        assert log.errors == []
        # The explorer plugin loaded too (its button sits in the sidebar).
        assert await page.locator("button[aria-label='Show GraphiQL Explorer']").count() == 1
    finally:
        await context.close()


async def test_page_loads_only_local_assets_with_cache_headers(demo_gateway: Gateway) -> None:
    async with demo_gateway.client() as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert page.headers["cache-control"] == "no-cache"
        links = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assets = [link for link in links if not link.startswith("data:")]
        names = {Path(urlsplit(link).path).name for link in assets}
        assert names == {p.name for p in static.asset_files()}
        for link in assets:
            assert link.startswith(f"{static.ASSETS_PATH}/"), link
            response = await client.get(link)
            assert response.status_code == 200, link
            assert response.headers["cache-control"] == static.CACHE_FOREVER
            assert response.headers["x-content-type-options"] == "nosniff"
        # Without the page's version the same file is revalidated, not kept a year.
        bare = await client.get(urlsplit(assets[0]).path)
        assert bare.status_code == 200 and bare.headers["cache-control"] == "no-cache"
        # Only the page's files are served from the folder.
        for path in ("README.md", "update.sh", "SHA256SUMS", "LICENSES.txt", "../__init__.py"):
            response = await client.get(f"{static.ASSETS_PATH}/{path}")
            assert response.status_code == 404, path


def test_vendored_files_are_the_ones_update_sh_fetched() -> None:
    sums = (static.ASSETS_DIR / "SHA256SUMS").read_text().splitlines()
    listed = {}
    for line in sums:
        digest, name = line.split(maxsplit=1)
        listed[name] = digest
    for name, digest in listed.items():
        data = (static.ASSETS_DIR / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, f"{name} was changed by hand"
    served = {p.name for p in static.asset_files()}
    assert served - set(listed) == {"townhall-graphiql.js", "townhall-graphiql.css"}


def test_the_package_ships_the_page_and_its_assets(tmp_path: Path) -> None:
    # build_py is the step that decides a wheel's (and a normal install's) files.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for package in ("gateway", "schema", "connectors"):
        shutil.copytree(
            REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    built = tmp_path / "build"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import setuptools; setuptools.setup()",
            "-q",
            "build_py",
            "-d",
            str(built),
        ],
        cwd=source,
        check=True,
        capture_output=True,
    )
    shipped = built / "gateway" / "static"
    assert (shipped / "graphiql.html").is_file()
    for path in static.asset_files():
        assert (shipped / "graphiql" / path.name).read_bytes() == path.read_bytes()
    assert (shipped / "graphiql" / "LICENSES.txt").is_file()


def _render(page: static.GraphiQLPage, root_path: str = "") -> str:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/graphql",
        "root_path": root_path,
        "query_string": b"",
        "headers": [],
    }
    body = page.render(Request(scope)).body
    return bytes(body).decode()


def _config(body: str) -> dict[str, Any]:
    found = re.search(r'id="townhall-graphiql-config" type="application/json">(.*?)</script>', body)
    assert found is not None
    config: dict[str, Any] = json.loads(found.group(1))
    return config


def test_page_outside_the_demo_asks_for_a_token_and_honours_a_path_prefix() -> None:
    body = _render(static.GraphiQLPage(version="v1", dev_sign_in=False), root_path="/townhall")
    assert 'src="/townhall/static/graphiql/graphiql.min.js?v=v1"' in body
    assert _config(body)["defaultHeaders"] == ""
    assert "Bearer &lt;token&gt;" in body
    assert "X-Townhall-User" not in body


def test_page_config_cannot_break_out_of_its_script_element() -> None:
    user = "</script><script>alert(1)</script>"
    body = _render(static.GraphiQLPage(version="v1", dev_sign_in=True, dev_user=user))
    assert "<script>alert" not in body
    assert json.loads(_config(body)["defaultHeaders"]) == {"X-Townhall-User": user}
