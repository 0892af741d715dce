"""The demo portal in Chromium: every widget on an intranet page of another origin.

The page is the demo portal's own (``portal/``), served from a second origin under its
strict Content-Security-Policy, signed in through ``townhall.configure({ endpoint,
getToken })`` with tokens from its ``/token``; the gateway is real (sample council, real
scim2-server and wsgidav) and accepts only those tokens. Every page's log is checked:
no console error, no CSP violation, no request leaving the machine.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, expect

from portal.app import content_security_policy

from .browser import PageLog, PageServer, open_page, wait_for_widgets
from .conftest import WidgetServers

#: WCAG 2.2 AA, as axe-core tags its rules.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DOCUMENT_COMMENTS = "#document-comments"


async def _axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations of WCAG 2.2 AA on the page, shadow roots included (axe walks
    open shadow roots by default); injected through DevTools, so the page's CSP stands."""
    results = await Axe().run(
        page, options={"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]}
    )
    violations: list[dict[str, Any]] = results.response["violations"]
    return violations


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [node["target"] for node in v["nodes"]][:5]
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} at {targets}")
    return "\n".join(lines)


def _widget_posts(log: PageLog, gateway_url: str) -> list[tuple[dict[str, str], dict[str, Any]]]:
    return [
        (headers, json.loads(body or "{}"))
        for url, headers, body in log.posts
        if url == f"{gateway_url}/graphql"
    ]


async def test_every_widget_renders_from_the_sample_council(
    browser: Browser, widget_servers: WidgetServers
) -> None:
    pages, gateway = widget_servers.pages, widget_servers.gateway
    async with open_page(browser, f"{pages.url}/", persona="alex.morgan") as (page, log):
        response_csp = await page.evaluate(
            "fetch('/').then(r => r.headers.get('content-security-policy'))"
        )
        assert response_csp == content_security_policy(gateway.url)
        assert "unsafe" not in response_csp
        await wait_for_widgets(page)

        you = page.locator("#you townhall-person-card")
        await expect(you.get_by_text("Head of IT and Digital")).to_be_visible()
        await expect(page.locator("townhall-org-chart").get_by_text("Evie Russell")).to_be_visible()
        spotlight = page.locator("#spotlight townhall-person-card")
        await expect(spotlight.get_by_text("Principal Planning Officer")).to_be_visible()
        await expect(page.locator("townhall-people-finder [role=combobox]")).to_be_visible()
        assert await page.locator("townhall-activity-feed [role=feed] article").count() > 0
        # Seeded discussion of the Hybrid Working Guidance.
        thread = page.locator(f"{DOCUMENT_COMMENTS} [part=thread]")
        await expect(thread.get_by_text("Meera Sharma").first).to_be_visible()
        for comments in ("#document-comments", "#person-comments"):
            await expect(page.locator(f'{comments} textarea[data-form="new"]')).to_be_visible()
        bell = page.locator("townhall-notifications button[aria-controls=panel]")
        await expect(bell).to_have_attribute("aria-label", re.compile("^Notifications"))

        # Every widget request: a registered operation by hash, with the portal's token.
        posts = _widget_posts(log, gateway.url)
        assert posts, "the widgets made no requests"
        for headers, body in posts:
            assert "query" not in body, body
            assert body["extensions"]["persistedQuery"]["sha256Hash"]
            assert headers.get("authorization", "").startswith("Bearer ey"), body["operationName"]
        assert any(url.startswith(f"{pages.url}/token") for url in log.requests)
        assert {_origin(u) for u in log.requests} == {pages.url, gateway.url}


async def test_a_comment_appears_in_a_second_instance_through_the_subscription(
    browser: Browser, widget_servers: WidgetServers
) -> None:
    url = f"{widget_servers.pages.url}/"
    gateway = widget_servers.gateway
    body = f"Desk booking works well for us in Planning ({time.time_ns()})."
    async with (
        open_page(browser, url, persona="priya.shah") as (reader, reader_log),
        open_page(browser, url, persona="alex.morgan") as (writer, _writer_log),
    ):
        await wait_for_widgets(reader)
        await wait_for_widgets(writer)
        # The reader's widget is subscribed over the gateway's WebSocket before anything is sent.
        deadline = time.monotonic() + 10
        while not reader_log.subscribed("CommentEvents") and time.monotonic() < deadline:
            await reader.wait_for_timeout(50)
        assert reader_log.subscribed("CommentEvents"), reader_log.frames_sent
        assert reader_log.websockets == [gateway.url.replace("http://", "ws://") + "/graphql"]
        reader_thread = reader.locator(f"{DOCUMENT_COMMENTS} [part=thread]")
        await expect(reader_thread.get_by_text(body)).to_have_count(0)
        reader_posts_before = len(reader_log.posts)

        field = writer.locator(f'{DOCUMENT_COMMENTS} textarea[data-form="new"]')
        await field.fill(body)
        async with writer.expect_response(
            lambda r: r.url == f"{gateway.url}/graphql" and r.request.method == "POST"
        ) as posted:
            await field.press("Control+Enter")
        response = await posted.value
        assert response.ok
        sent = time.monotonic()
        await expect(reader_thread.get_by_text(body)).to_be_visible(timeout=2_000)
        elapsed = time.monotonic() - sent
        assert elapsed < 2.0, elapsed
        # It came over the socket: the reader asked the gateway nothing over HTTP for it.
        assert [
            p for p in reader_log.posts[reader_posts_before:] if "AddComment" in (p[2] or "")
        ] == []
        # The writer's own widget shows it too.
        await expect(writer.locator(DOCUMENT_COMMENTS).get_by_text(body)).to_be_visible()


async def test_axe_finds_no_violation_in_any_widget(
    browser: Browser, page_server: PageServer
) -> None:
    async with open_page(browser, f"{page_server.url}/", persona="abena.oyelaran") as (page, _):
        await wait_for_widgets(page)
        violations = await _axe(page)
        assert violations == [], _describe(violations)

        # Open states: the notifications panel, people search results, a reply form.
        await page.locator("townhall-notifications button[aria-controls=panel]").click()
        await expect(page.locator("townhall-notifications [part=panel]")).to_be_visible()
        finder = page.locator("townhall-people-finder [role=combobox]")
        await finder.fill("planning")
        await expect(page.locator("townhall-people-finder [role=option]").first).to_be_visible()
        violations = await _axe(page)
        assert violations == [], _describe(violations)


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
