"""The widget tests' harness catches what it must: a page log that sees nothing proves nothing.

Each check makes the page do one wrong thing (inline script, inline style, a request to
another host, a console error, an uncaught error) and asserts the log reports it; a clean
page reports nothing. Requests to other hosts are answered by Playwright's router, so
nothing leaves the machine.
"""

from __future__ import annotations

from playwright.async_api import Browser

from .browser import PageLog, PageServer, open_page
from .conftest import WidgetServers


async def test_a_clean_page_has_no_problems(browser: Browser, page_server: PageServer) -> None:
    page_server.add("/clean.js", "document.querySelector('p').textContent = 'ran';\n")
    url = page_server.add(
        "/clean.html",
        '<!doctype html><html lang="en-GB"><head><title>Clean</title>'
        '<link rel="icon" href="data:,"><script type="module" src="/clean.js"></script>'
        "</head><body><main><p>waiting</p></main></body></html>",
    )
    async with open_page(browser, url) as (page, log):
        await page.wait_for_function("document.querySelector('p').textContent === 'ran'")
        assert log.requests[0] == url
    assert log.problems() == []


async def test_csp_violations_are_caught(browser: Browser, page_server: PageServer) -> None:
    url = page_server.add(
        "/inline.html",
        '<!doctype html><html lang="en-GB"><head><title>Inline</title>'
        '<link rel="icon" href="data:,"></head><body>'
        "<script>document.title = 'inline ran'</script>"
        '<p style="color: red">styled</p></body></html>',
    )
    async with open_page(browser, url, check=False) as (page, log):
        await page.wait_for_timeout(200)
        assert await page.title() == "Inline"  # the policy held
    directives = {v["directive"] for v in log.csp_violations}
    assert {"script-src-elem", "style-src-attr"} <= directives, log.csp_violations
    assert any("Content Security Policy" in e for e in log.console_errors)
    assert log.problems()


async def test_requests_leaving_the_machine_are_caught(browser: Browser) -> None:
    context = await browser.new_context()
    try:
        page = await context.new_page()
        log = await PageLog.attach(page)
        # Answered by the router: the request is seen, and goes nowhere.
        await page.route("http://intranet.example/**", lambda route: route.fulfill(body="hi"))
        await page.goto("http://intranet.example/")
        assert log.foreign() == ["http://intranet.example/"]
        assert any("leaving the machine" in p for p in log.problems())
    finally:
        await context.close()


async def test_console_and_page_errors_are_caught(
    browser: Browser, page_server: PageServer
) -> None:
    page_server.add("/throws.js", "console.error('boom'); throw new Error('uncaught');\n")
    url = page_server.add(
        "/throws.html",
        '<!doctype html><html lang="en-GB"><head><title>Throws</title>'
        '<link rel="icon" href="data:,"><script type="module" src="/throws.js"></script>'
        "</head><body></body></html>",
    )
    async with open_page(browser, url, check=False) as (page, log):
        await page.wait_for_timeout(200)
    assert any("boom" in e for e in log.console_errors)
    assert any("uncaught" in e for e in log.page_errors)
    log.expected_errors += ["boom", "uncaught"]
    assert log.problems() == []


async def test_the_token_endpoint_signs_the_persona_in_the_cookie(
    browser: Browser, page_server: PageServer, widget_servers: WidgetServers
) -> None:
    url = page_server.add(
        "/who.html",
        '<!doctype html><html lang="en-GB"><head><title>Who</title>'
        '<link rel="icon" href="data:,"></head><body></body></html>',
    )
    async with open_page(browser, url, persona="priya.shah") as (page, _log):
        body = await page.evaluate("fetch('/token').then(r => r.json())")
    assert body["account"] == "priya.shah" and body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    async with widget_servers.gateway.client() as client:
        me = await client.post(
            "/graphql",
            json={"query": "{ me { displayName } }"},
            headers={"Authorization": f"Bearer {body['access_token']}"},
        )
        assert me.json()["data"]["me"]["displayName"] == "Priya Shah"
        # No development sign-in on the widget gateway: no token, no answer.
        anonymous = await client.post("/graphql", json={"query": "{ me { displayName } }"})
        assert anonymous.status_code == 401


async def test_axe_runs_under_the_strict_csp_and_reports_violations(
    browser: Browser, page_server: PageServer
) -> None:
    from axe_playwright_python.async_playwright import Axe

    url = page_server.add(
        "/inaccessible.html",
        '<!doctype html><html><head><title>Bad</title><link rel="icon" href="data:,"></head>'
        '<body><button type="button"></button><img src="data:,"></body></html>',
    )
    async with open_page(browser, url) as (page, _log):
        results = await Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a"]}})
    found = {v["id"] for v in results.response["violations"]}
    assert {"button-name", "image-alt", "html-has-lang"} <= found, found
