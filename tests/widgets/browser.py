"""The browser side of the widget tests: Debian's Chromium, a page's log, a page server.

Chromium is launched as ``tests/gateway/test_graphiql_browser.py`` launches it (Debian's
``/usr/bin/chromium``, driven by Playwright; missing, the test fails, never skips).
``PageLog`` records what a page did and fails the test on any console error, uncaught
error, Content-Security-Policy violation, failed request, or request that would leave the
machine. ``PageServer`` serves pages from a second origin with the portal's strict policy
(``portal.app``: the demo portal's own server).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import uvicorn

from portal.app import PERSONA_COOKIE, Portal
from portal.screenshot import CHROMIUM as CHROMIUM_PATH
from portal.screenshot import CHROMIUM_ARGS, WIDGETS_RENDERED
from portal.tokens import TokenIssuer

try:
    from playwright.async_api import Browser, BrowserContext, Page, Playwright
except ImportError as exc:  # a dev dependency: fail loudly, never skip
    raise ImportError("playwright is missing: pip install -e '.[dev]'") from exc

CHROMIUM = Path(CHROMIUM_PATH)
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
# URLs that never leave the browser.
_IN_BROWSER = ("data:", "blob:", "about:")

# Runs before any of the page's own scripts, in every frame, whatever the page's policy
# (Playwright adds it through the DevTools protocol): reports each CSP violation.
_CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.__townhallCspViolation({
    directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile,
    line: e.lineNumber, sample: e.sample,
  });
}, true);
"""


def chromium_path() -> Path:
    """Debian's Chromium; an error naming the install script when it is missing."""
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"Chromium is not installed at {CHROMIUM}: run `bash tests/servers/install-packages.sh` "
            "(make test does) to install Debian's chromium package"
        )
    return CHROMIUM


async def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless, with the arguments these machines need."""
    return await playwright.chromium.launch(
        executable_path=str(chromium_path()), args=CHROMIUM_ARGS, headless=True
    )


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class PageLog:
    """Everything a page asked for, and everything that went wrong on it.

    ``await PageLog.attach(page)`` before the page navigates; ``check()`` raises an
    ``AssertionError`` listing every problem (call it at the end of each test, or use
    ``open_page``, which does).
    """

    def __init__(self, page: Page) -> None:
        self.page = page
        self.requests: list[str] = []
        self.websockets: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.csp_violations: list[dict[str, Any]] = []
        self.failed_requests: list[str] = []
        #: Text frames the page sent and received on its WebSockets: (url, payload).
        self.frames_sent: list[tuple[str, str]] = []
        self.frames_received: list[tuple[str, str]] = []
        #: POSTs the page sent: (url, headers, body).
        self.posts: list[tuple[str, dict[str, str], str | None]] = []
        #: Console errors a test expects (substrings), e.g. a refused token's 401.
        self.expected_errors: list[str] = []
        page.on("request", self._request)
        page.on("websocket", self._websocket)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("requestfailed", self._failed)

    @classmethod
    async def attach(cls, page: Page) -> PageLog:
        log = cls(page)
        await page.expose_function("__townhallCspViolation", log._csp_violation)
        await page.add_init_script(_CSP_LISTENER)
        return log

    def _request(self, request: Any) -> None:
        self.requests.append(request.url)
        if request.method == "POST":
            self.posts.append((request.url, dict(request.headers), request.post_data))

    def _websocket(self, ws: Any) -> None:
        self.websockets.append(ws.url)
        ws.on("framesent", lambda payload: self.frames_sent.append((ws.url, str(payload))))
        ws.on("framereceived", lambda payload: self.frames_received.append((ws.url, str(payload))))

    def subscribed(self, operation: str) -> bool:
        """Whether a graphql-transport-ws ``subscribe`` for ``operation`` was sent."""
        return any(
            '"subscribe"' in payload and f'"{operation}"' in payload
            for _, payload in self.frames_sent
        )

    def _csp_violation(self, violation: dict[str, Any]) -> None:
        self.csp_violations.append(violation)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            location = message.location or {}
            self.console_errors.append(f"{message.text} ({location.get('url', '')})")

    def _failed(self, request: Any) -> None:
        failure = request.failure or ""
        # A page closed or navigated away cancels what it still had in flight.
        if "ERR_ABORTED" not in failure:
            self.failed_requests.append(f"{request.method} {request.url}: {failure}")

    def foreign(self) -> list[str]:
        """Requests and WebSockets to anywhere but this machine."""
        return [
            url
            for url in [*self.requests, *self.websockets]
            if not url.startswith(_IN_BROWSER) and _host(url) not in LOCAL_HOSTS
        ]

    def problems(self) -> list[str]:
        expected = self.expected_errors

        def unexpected(text: str) -> bool:
            return not any(part in text for part in expected)

        found = [f"request leaving the machine: {url}" for url in self.foreign()]
        found += [f"CSP violation: {v}" for v in self.csp_violations]
        found += [f"console error: {e}" for e in self.console_errors if unexpected(e)]
        found += [f"page error: {e}" for e in self.page_errors if unexpected(e)]
        found += [f"request failed: {f}" for f in self.failed_requests if unexpected(f)]
        return found

    def check(self) -> None:
        problems = self.problems()
        assert not problems, "the page had problems:\n  " + "\n  ".join(problems)


_WIDGET_ERRORS = """() => [...document.querySelectorAll('*')]
  .filter((e) => e.localName.startsWith('townhall-') && e.shadowRoot)
  .flatMap((e) => [...e.shadowRoot.querySelectorAll('[part~="error"]')]
    .map((error) => `<${e.localName}${e.id ? ' id=' + e.id : ''}>: ${error.textContent.trim()}`))"""


async def wait_for_widgets(page: Page, within_ms: float = 30_000) -> None:
    """Wait until every Townhall element on ``page`` shows its content (none loading);
    an ``AssertionError`` naming each element that shows an error instead."""
    await page.wait_for_function(WIDGETS_RENDERED, timeout=within_ms)
    errors: list[str] = await page.evaluate(_WIDGET_ERRORS)
    assert not errors, "widgets show errors:\n  " + "\n  ".join(errors)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PageServer:
    """Pages on a second origin (``url``), under the portal's strict CSP for ``gateway_url``.

    ``add(path, body)`` serves more files (``{{gateway}}`` in .html and .js becomes the
    gateway's origin); ``/`` is the demo portal's page and ``/token`` its token endpoint,
    which signs a token for whoever the ``northshire_persona`` cookie names.
    """

    url: str
    portal: Portal
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return self.url

    def add(self, path: str, body: str | bytes) -> str:
        """Serve ``body`` at ``path``; its URL."""
        self.portal.files[path] = body.encode() if isinstance(body, str) else body
        return f"{self.url}{path}"

    def add_page(
        self, path: str, body: str, *, head: str = "", lang: str = "en-GB", sign_in: bool = True
    ) -> str:
        """Serve a page whose ``<main>`` holds ``body`` (see ``page_html``); its URL."""
        return self.add(path, page_html(body, head=head, lang=lang, sign_in=sign_in))


def page_html(
    body: str,
    *,
    head: str = "",
    lang: str = "en-GB",
    title: str = "Widget test",
    sign_in: bool = True,
) -> str:
    """A whole page around ``body`` that loads the widget bundle with the one tag.

    With ``sign_in`` the portal's ``/portal.js`` comes first: it calls
    ``townhall.configure({ endpoint, getToken })`` with the page server's ``/token`` (the
    persona in the cookie), as the demo portal does. ``head`` goes before both tags.
    """
    portal = '<script type="module" src="/portal.js"></script>\n' if sign_in else ""
    return (
        f'<!doctype html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n"
        '<link rel="icon" href="data:,">\n'
        f"{head}\n{portal}"
        '<script type="module" src="{{gateway}}/widgets/v1/townhall.js"></script>\n'
        f"</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


@contextlib.asynccontextmanager
async def serve_pages(
    gateway_url: str,
    issuer: TokenIssuer,
    *,
    port: int | None = None,
    pages: Mapping[str, str | bytes] | None = None,
) -> AsyncIterator[PageServer]:
    """A page server on ``127.0.0.1:port`` (a free one when None), any persona allowed."""
    port = port or free_port()
    portal = Portal(gateway_url, issuer, anyone=True, pages=pages)
    config = uvicorn.Config(
        portal.app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    else:
        raise RuntimeError("the page server did not start")
    try:
        yield PageServer(url=f"http://127.0.0.1:{port}", portal=portal)
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def open_page(
    browser: Browser,
    url: str,
    *,
    persona: str | None = None,
    check: bool = True,
    viewport: tuple[int, int] = (1280, 900),
    **context_options: Any,
) -> AsyncIterator[tuple[Page, PageLog]]:
    """A fresh browser context signed in as ``persona`` (the page server's cookie), a page
    with its log, navigated to ``url``; on a clean exit the log is checked."""
    context: BrowserContext = await browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]}, **context_options
    )
    try:
        if persona is not None:
            await context.add_cookies(
                [{"name": PERSONA_COOKIE, "value": persona, "url": _origin(url)}]
            )
        page = await context.new_page()
        log = await PageLog.attach(page)
        await page.goto(url, wait_until="load")
        try:
            yield page, log
        except BaseException as exc:
            # What went wrong on the page usually says why the test failed.
            if problems := log.problems():
                exc.add_note("the page's problems:\n  " + "\n  ".join(problems))
            raise
        if check:
            log.check()
    finally:
        await context.close()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
