"""The demo portal in Chromium: every widget on an intranet page of another origin.

The page is the demo portal's own (``portal/``), served from a second origin under its
strict Content-Security-Policy, signed in through ``townhall.configure({ endpoint,
getToken })`` with tokens from its ``/token``; the gateway is real (sample council, real
scim2-server and wsgidav) and accepts only those tokens. Every page's log is checked:
no console error, no CSP violation, no request leaving the machine.
"""

from __future__ import annotations

import base64
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, expect

from portal.app import PERSONA_COOKIE, content_security_policy
from portal.tokens import TokenIssuer

from .browser import PageLog, PageServer, free_port, open_page, wait_for_widgets
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
        bell = page.locator("townhall-notifications button[aria-expanded]")
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
            lambda r: (
                r.url == f"{gateway.url}/graphql" and "AddComment" in (r.request.post_data or "")
            )
        ) as posted:
            await field.press("Control+Enter")
        response = await posted.value
        assert response.ok
        sent = time.monotonic()
        await expect(reader_thread.get_by_text(body)).to_be_visible(timeout=2_000)
        elapsed = time.monotonic() - sent
        assert elapsed < 2.0, elapsed
        # It came over the socket, and the reader asked the gateway nothing over HTTP for it.
        assert any(body in frame for _, frame in reader_log.frames_received)
        refetched = [p for p in reader_log.posts[reader_posts_before:] if "Comment" in (p[2] or "")]
        assert refetched == []
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
        await page.locator("townhall-notifications button[aria-expanded]").click()
        await expect(page.locator("townhall-notifications [part=panel]")).to_be_visible()
        finder = page.locator("townhall-people-finder [role=combobox]")
        await finder.fill("planning")
        await expect(page.locator("townhall-people-finder [role=option]").first).to_be_visible()
        violations = await _axe(page)
        assert violations == [], _describe(violations)


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


async def test_the_persona_picker_and_the_skip_link_work_from_the_keyboard(
    browser: Browser, page_server: PageServer
) -> None:
    async with open_page(browser, f"{page_server.url}/", persona="alex.morgan") as (page, _):
        await page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to main content")
        await expect(skip).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(page.locator("main")).to_be_focused()

        await page.get_by_label("Signed in as").select_option("priya.shah")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Switch").press("Enter")
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Good to see you, Priya Shah"
        )
        await wait_for_widgets(page)
        you = page.locator("#you townhall-person-card")
        await expect(you.get_by_text("Principal Planning Officer")).to_be_visible()


async def test_the_gateway_refuses_expired_and_forged_portal_tokens(
    widget_servers: WidgetServers,
) -> None:
    issuer = widget_servers.issuer
    stranger = TokenIssuer(issuer=issuer.issuer, audience=issuer.audience)  # another key
    valid = widget_servers.token("priya.shah")
    head, payload, signature = valid.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["upn"] = "helen.carter@northshire.test"
    tampered = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    cases = {
        valid: (200, None),
        widget_servers.token("priya.shah", lifetime=-120): (401, "expired"),
        stranger.sign("priya.shah@northshire.test"): (401, "signature"),
        f"{head}.{tampered}.{signature}": (401, "signature"),
        widget_servers.token("priya.shah", aud="api://someone-else"): (401, "not issued for"),
    }
    async with widget_servers.gateway.client() as client:
        for token, (status, message) in cases.items():
            response = await client.post(
                "/graphql",
                json={"query": "{ me { displayName } }"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == status, response.text
            if message:
                assert message in response.json()["errors"][0]["message"]
            else:
                assert response.json()["data"]["me"]["displayName"] == "Priya Shah"


@dataclass
class DemoProcess:
    """``townhall demo`` running in a subprocess."""

    process: subprocess.Popen[str]
    gateway: str
    portal: str
    output: Path


@pytest.fixture(scope="module")
def townhall_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoProcess]:
    """``townhall demo`` as ``make run`` starts it, from a folder outside the source tree."""
    work = tmp_path_factory.mktemp("demo")
    port, portal_port = free_port(), free_port()
    output = work / "demo.log"
    townhall = Path(sys.executable).parent / "townhall"
    with output.open("w") as log:
        process = subprocess.Popen(
            [str(townhall), "demo", "--port", str(port), "--portal-port", str(portal_port),
             "--workdir", str(work / "var")],
            cwd=work, stdout=log, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    demo = DemoProcess(
        process, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{portal_port}", output
    )
    try:
        deadline = time.monotonic() + 120
        while "Townhall is ready" not in output.read_text():
            assert process.poll() is None, output.read_text()
            assert time.monotonic() < deadline, output.read_text()
            time.sleep(0.2)
        yield demo
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


async def test_townhall_demo_serves_the_portal_under_its_csp(townhall_demo: DemoProcess) -> None:
    demo = townhall_demo
    assert f"open {demo.portal}/" in demo.output.read_text()
    async with httpx.AsyncClient(base_url=demo.portal, timeout=30) as portal:
        page = await portal.get("/")
        assert page.status_code == 200
        assert page.headers["content-security-policy"] == content_security_policy(demo.gateway)
        assert f'<script type="module" src="{demo.gateway}/widgets/v1/townhall.js">' in page.text
        assert "<style" not in page.text and " style=" not in page.text
        scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page.text, re.S)
        assert scripts and all(not body.strip() for body in scripts)  # none inline
        script = await portal.get("/portal.js")
        assert script.headers["content-type"].startswith("text/javascript")
        assert f"from '{demo.gateway}/widgets/v1/townhall.js'" in script.text
        # The persona picker: a form post remembered in the portal's cookie.
        chosen = await portal.post("/persona", data={"persona": "abena.oyelaran"})
        assert chosen.status_code == 303
        assert "Abena Oyelaran (Direct Payments Officer)" in (await portal.get("/")).text
        issued = (await portal.get("/token")).json()
        assert issued["account"] == "abena.oyelaran" and issued["expires_in"] == 600
        # Only the picker's people: the cookie cannot name anyone else.
        portal.cookies.set(PERSONA_COOKIE, "helen.carter.impostor")
        assert (await portal.get("/token")).status_code == 401


async def test_townhall_demo_accepts_its_portal_tokens_only(townhall_demo: DemoProcess) -> None:
    demo = townhall_demo
    async with httpx.AsyncClient(base_url=demo.portal, timeout=30) as portal:
        portal.cookies.set(PERSONA_COOKIE, "abena.oyelaran")
        token = (await portal.get("/token")).json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 600
    assert claims["iss"] == demo.portal and claims["upn"] == "abena.oyelaran@northshire.test"
    forged = TokenIssuer(issuer=claims["iss"], audience=claims["aud"]).sign(claims["upn"])
    query = {"query": "{ me { displayName } }"}
    async with httpx.AsyncClient(base_url=demo.gateway, timeout=30) as gateway:
        signed_in = await gateway.post(
            "/graphql", json=query, headers={"Authorization": f"Bearer {token}"}
        )
        assert signed_in.json()["data"]["me"]["displayName"] == "Abena Oyelaran"
        refused = await gateway.post(
            "/graphql", json=query, headers={"Authorization": f"Bearer {forged}"}
        )
        assert refused.status_code == 401
        # The portal's origin may call the gateway from its pages (CORS preflight).
        preflight = await gateway.options(
            "/graphql",
            headers={
                "Origin": demo.portal,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert preflight.headers["access-control-allow-origin"] == demo.portal
        # GraphiQL's development sign-in still works in the demo.
        dev = await gateway.post("/graphql", json=query, headers={"X-Townhall-User": "priya.shah"})
        assert dev.json()["data"]["me"]["displayName"] == "Priya Shah"


def test_townhall_demo_stops_both_servers_on_ctrl_c(townhall_demo: DemoProcess) -> None:
    townhall_demo.process.send_signal(signal.SIGINT)
    assert townhall_demo.process.wait(timeout=30) == 0, townhall_demo.output.read_text()
    for url in (townhall_demo.gateway, townhall_demo.portal):
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=5)
