"""The core widgets in Chromium, on a page of another origin under a strict CSP.

Uses the widget harness (``tests/widgets/conftest.py``, ``browser.py``): Debian's Chromium;
a gateway that accepts only bearer tokens (so a widget that forgot its token fails) and
allow-lists the page origin; pages served from that second origin under the portal's
policy (no inline script or style, scripts and connections only to the page and the
gateway), signed in through ``townhall.configure({ endpoint, getToken })`` in a file the
page serves. The page log fails a test on any console error, uncaught error, CSP
violation, failed request or request leaving the machine.

Each of <townhall-person-card>, <townhall-org-chart> and <townhall-people-finder>
renders from the sample council, is worked with the keyboard as the APG patterns say,
and speaks Welsh under ``lang="cy"``; the widgets send registered operations by hash
only, never query text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page

from .browser import PageLog, PageServer, open_page
from .conftest import WidgetServers

SCREENSHOT = Path("/tmp/townhall-widgets-core.png")
#: WCAG 2.2 AA, as axe-core tags its rules.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# What the page's element in focus is, through shadow roots (the tree's treeitem, etc.).
DEEP_FOCUS = """() => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  return el ? {
    role: el.getAttribute('role'), text: (el.querySelector?.('[id^=n]') || el).textContent.trim(),
    expanded: el.getAttribute('aria-expanded'), id: el.dataset?.id ?? null,
    active: el.getAttribute('aria-activedescendant'),
  } : null;
}"""

# Records the widgets' events on window.__events (run through DevTools: not page script).
RECORD_EVENTS = """() => {
  window.__events = [];
  for (const name of ['townhall-person-selected', 'townhall-follow-changed', 'townhall-error']) {
    document.addEventListener(name, (e) => { e.preventDefault(); window.__events.push({ name, detail: e.detail }); });
  }
}"""


async def _events(page: Page) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = await page.evaluate("() => window.__events")
    return events


async def _focus(page: Page) -> dict[str, Any]:
    focused: dict[str, Any] = await page.evaluate(DEEP_FOCUS)
    return focused


async def _person_id(widget_servers: WidgetServers, account: str) -> str:
    body = await widget_servers.query(
        "query($s: String!) { people(search: $s) { nodes { id accountName } } }", {"s": account}
    )
    return str(
        next(p["id"] for p in body["data"]["people"]["nodes"] if p["accountName"] == account)
    )


async def test_person_cards_render_by_account_upn_and_id(
    browser: Browser, page_server: PageServer, widget_servers: WidgetServers
) -> None:
    priya = await _person_id(widget_servers, "priya.shah")
    url = page_server.add_page(
        "/core-cards.html",
        '<townhall-person-card id="by-account" person="priya.shah"></townhall-person-card>\n'
        '<townhall-person-card id="by-upn" person="Alex.Morgan@northshire.test"></townhall-person-card>\n'
        f'<townhall-person-card id="by-id" person="{priya}"></townhall-person-card>\n'
        '<townhall-person-card id="nobody" person="no.such.person"></townhall-person-card>\n'
        '<townhall-person-card id="no-photo" person="aaron.morgan"></townhall-person-card>',
    )
    async with open_page(browser, url, persona="alex.morgan") as (page, log):
        bodies: list[dict[str, Any]] = []
        page.on(
            "request",
            lambda r: (
                bodies.append(json.loads(r.post_data or "{}")) if r.method == "POST" else None
            ),
        )
        await page.reload(wait_until="load")
        await page.evaluate(RECORD_EVENTS)
        card = page.locator("#by-account")
        await card.locator("[part=name]").wait_for()
        assert await card.locator("[part=name]").text_content() == "Priya Shah"
        assert await card.locator("[part=title]").text_content() == "Principal Planning Officer"
        assert await card.locator("[part=team]").text_content() == "Planning"
        assert (
            await card.locator("[part=manager]").text_content() or ""
        ).strip() == "Anne Lawrence"
        mail = card.locator("a[href^='mailto:']")
        assert await mail.get_attribute("href") == "mailto:priya.shah@northshire.test"
        assert await card.locator("a[href^='tel:']").count() >= 1
        assert await card.locator("[part=employment]").count() >= 1  # working pattern, location
        assert await card.locator("[part=activity]").count() == 1
        photo = card.locator("img[part=photo]")
        await page.wait_for_function(
            "() => document.querySelector('#by-account').shadowRoot.querySelector('img')?.complete"
        )
        assert (await photo.get_attribute("src") or "").startswith(widget_servers.gateway.url)
        assert await photo.evaluate("img => img.naturalWidth") > 0
        by_id = page.locator("#by-id [part=name]")
        await by_id.wait_for()
        assert await by_id.text_content() == "Priya Shah"
        me = page.locator("#by-upn")
        await me.locator("[part=name]").wait_for()
        assert await me.locator("[part=name]").text_content() == "Alex Morgan"
        assert await me.locator("[part=follow]").count() == 0  # not offered to follow oneself
        nobody = page.locator("#nobody [part=error]")
        await nobody.wait_for()
        assert "Not found" in (await nobody.text_content() or "")
        # No photo (a null photoUrl): the initials, and no photo asked for.
        bare = page.locator("#no-photo")
        await bare.locator("[part=name]").wait_for()
        assert await bare.locator("[part=initials]").text_content() == "AM"
        assert await bare.locator("img").count() == 0
        shown = {
            await img.get_attribute("src")
            for img in await page.locator("townhall-person-card img[part=photo]").all()
        }
        asked = {u for u in log.requests if "/photos/" in u}
        assert asked and asked <= shown  # only the photos that exist
        assert not [u for u in log.requests if u.split("?")[0].endswith("/null")]

        # Follow and unfollow with the keyboard; each change is an event.
        follow = card.locator("[part=follow]")
        following = "Unfollow" in (await follow.text_content() or "")
        for _ in range(2):
            await follow.focus()
            await page.keyboard.press("Enter")
            following = not following
            label = "Unfollow" if following else "Follow"
            await page.wait_for_function(
                "([label]) => document.querySelector('#by-account').shadowRoot"
                ".querySelector('[part=follow]').textContent.trim().startsWith(label + ' ')",
                arg=[label],
            )
        # The manager is a button choosing a person.
        await card.locator("[part=manager]").click()
        events = await _events(page)
        changes = [e["detail"] for e in events if e["name"] == "townhall-follow-changed"]
        assert [c["following"] for c in changes] == [not following, following]
        assert {c["id"] for c in changes} == {priya}
        chosen = [e["detail"] for e in events if e["name"] == "townhall-person-selected"]
        assert len(chosen) == 1 and chosen[0]["id"] != priya

    # Registered operations by hash only, never text; everything stayed on loopback.
    sent = [b for b in bodies if "operationName" in b]
    assert {b["operationName"] for b in sent} >= {"PersonCard", "FollowPerson"}
    # A card by account or UPN is one request: person(account:) in the card's own query.
    assert "PersonLookup" not in {b["operationName"] for b in sent}
    assert {"account": "priya.shah"} in [b["variables"] for b in sent]
    for body in sent:
        assert "query" not in body
        assert len(body["extensions"]["persistedQuery"]["sha256Hash"]) == 64
    assert log.foreign() == []


async def test_org_chart_is_a_keyboard_tree(browser: Browser, page_server: PageServer) -> None:
    url = page_server.add_page(
        "/core-org-chart.html", '<townhall-org-chart person="alex.morgan"></townhall-org-chart>'
    )
    async with open_page(browser, url, persona="priya.shah") as (page, log):
        await page.evaluate(RECORD_EVENTS)
        tree = page.locator("townhall-org-chart [role=tree]")
        await tree.wait_for()
        assert await tree.get_attribute("aria-label") == "Organisation chart of Alex Morgan"
        # One tab stop: the person's own node.
        assert await page.locator("townhall-org-chart [role=treeitem][tabindex='0']").count() == 1
        await page.keyboard.press("Tab")
        focused = await _focus(page)
        assert focused["role"] == "treeitem" and focused["text"].startswith("Alex Morgan")
        assert focused["expanded"] == "true"  # his reports are shown
        await page.keyboard.press("ArrowUp")
        assert (await _focus(page))["text"].startswith("Evie Russell")
        await page.keyboard.press("Home")
        top = await _focus(page)
        await page.keyboard.press("ArrowLeft")  # the top node: collapses it
        assert (await _focus(page))["expanded"] == "false"
        assert await page.locator("townhall-org-chart [role=treeitem]").count() == 1
        await page.keyboard.press("ArrowRight")  # opens it again, path intact
        assert (await _focus(page))["expanded"] == "true"
        await page.keyboard.press("End")  # the last of Alex's reports
        last = await _focus(page)
        assert last["id"] != top["id"]
        # Find a report with reports of their own, and open it: they load on demand.
        items = page.locator("townhall-org-chart [role=treeitem][aria-expanded=false]")
        closed = await items.count()
        assert closed >= 1
        while (await _focus(page))["expanded"] != "false":
            await page.keyboard.press("ArrowUp")
        before = await page.locator("townhall-org-chart [role=treeitem]").count()
        await page.keyboard.press("ArrowRight")
        await page.wait_for_function(
            "(n) => document.querySelector('townhall-org-chart').shadowRoot"
            ".querySelectorAll('[role=treeitem]').length > n",
            arg=before,
        )
        opened = await _focus(page)
        assert opened["expanded"] == "true"
        await page.keyboard.press("ArrowRight")  # to its first child
        child = await _focus(page)
        assert child["id"] != opened["id"]
        await page.keyboard.press("ArrowLeft")  # back to the parent
        assert (await _focus(page))["id"] == opened["id"]
        await page.keyboard.press("Enter")
        chosen = [e["detail"]["id"] for e in await _events(page)]
        assert chosen == [opened["id"]]
        # Still one tab stop, and it is where the focus is.
        stops = page.locator("townhall-org-chart [role=treeitem][tabindex='0']")
        assert await stops.count() == 1
        assert await stops.get_attribute("data-id") == opened["id"]
    assert log.foreign() == []


async def test_people_finder_searches_and_chooses_with_the_keyboard(
    browser: Browser, page_server: PageServer
) -> None:
    url = page_server.add_page(
        "/core-finder.html", "<townhall-people-finder></townhall-people-finder>"
    )
    async with open_page(browser, url, persona="alex.morgan") as (page, log):
        await page.evaluate(RECORD_EVENTS)
        box = page.locator("townhall-people-finder [role=combobox]")
        await box.focus()
        assert await box.get_attribute("aria-expanded") == "false"
        await page.keyboard.type("planning officer")
        status = page.locator("townhall-people-finder [role=status]")
        await page.wait_for_function(
            "() => /people? found/.test(document.querySelector('townhall-people-finder')"
            ".shadowRoot.querySelector('[role=status]').textContent)"
        )
        assert "found" in (await status.text_content() or "")
        options = page.locator("townhall-people-finder [role=option]")
        assert await options.count() >= 1
        assert await box.get_attribute("aria-expanded") == "true"
        await page.keyboard.press("ArrowDown")
        await page.keyboard.press("ArrowDown")
        assert await box.get_attribute("aria-activedescendant") == "option-1"
        assert await options.nth(1).get_attribute("aria-selected") == "true"
        await page.keyboard.press("ArrowUp")
        assert await box.get_attribute("aria-activedescendant") == "option-0"
        await page.keyboard.press("Enter")
        chosen = [e["detail"]["id"] for e in await _events(page)]
        assert len(chosen) == 1 and chosen[0]
        await page.keyboard.press("Escape")
        assert await box.get_attribute("aria-expanded") == "false"

        # Who knows about a topic: each expert with the reasons.
        await page.locator("townhall-people-finder input[value=experts]").check()
        await box.fill("planning")
        await page.wait_for_function(
            "() => document.querySelector('townhall-people-finder').shadowRoot"
            ".querySelectorAll('[part=reasons]').length > 0"
        )
        reasons = page.locator("townhall-people-finder [part=reasons]")
        assert ":" in (await reasons.first.text_content() or "")
        label = page.locator("townhall-people-finder [role=listbox]")
        assert await label.get_attribute("aria-label") == "People who know about planning"
    assert log.foreign() == []


async def test_the_chrome_speaks_welsh(browser: Browser, page_server: PageServer) -> None:
    url = page_server.add_page(
        "/core-cy.html",
        '<townhall-person-card person="priya.shah"></townhall-person-card>\n'
        '<townhall-org-chart person="priya.shah"></townhall-org-chart>\n'
        "<townhall-people-finder></townhall-people-finder>\n"
        '<townhall-people-finder id="english" lang="en-GB"></townhall-people-finder>',
        lang="cy",
    )
    async with open_page(browser, url, persona="alex.morgan") as (page, log):
        card = page.locator("townhall-person-card")
        await card.locator("[part=follow]").wait_for()
        follow = (await card.locator("[part=follow]").text_content() or "").strip()
        assert follow.startswith(("Dilyn", "Peidio â dilyn"))
        assert "Rheolwr" in (await card.locator("dt").all_text_contents())
        tree = page.locator("townhall-org-chart [role=tree]")
        await tree.wait_for()
        assert await tree.get_attribute("aria-label") == "Siart sefydliad Priya Shah"
        finder = page.locator("townhall-people-finder").first
        assert await finder.locator("legend").text_content() == "Chwilio am"
        assert await finder.locator("label[for=input]").text_content() == "Enw, teitl swydd neu dîm"
        # The element's own lang wins over the page's.
        english = page.locator("#english legend")
        assert await english.text_content() == "Search for"
        await page.wait_for_function(
            "() => document.querySelector('townhall-person-card').shadowRoot"
            ".querySelector('img')?.complete"
        )
        # Times are Welsh, or numeric where the browser has no Welsh locale data: never English.
        activity = await card.locator("[part=activity]").text_content() or ""
        assert "Diweddaraf" in activity and " ago" not in activity
        await page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert log.foreign() == []


async def test_axe_finds_no_violation(browser: Browser, page_server: PageServer) -> None:
    url = page_server.add_page(
        "/core-axe.html",
        '<townhall-person-card person="priya.shah"></townhall-person-card>\n'
        '<townhall-org-chart person="alex.morgan"></townhall-org-chart>\n'
        "<townhall-people-finder></townhall-people-finder>\n"
        '<townhall-people-finder mode="experts" lang="cy"></townhall-people-finder>',
    )
    async with open_page(browser, url, persona="alex.morgan") as (page, log):
        await page.locator("townhall-person-card [part=follow]").wait_for()
        await page.locator("townhall-org-chart [role=tree]").wait_for()
        finders = page.locator("townhall-people-finder [role=combobox]")
        await finders.nth(0).fill("planning")
        await finders.nth(1).fill("planning")
        await finders.nth(1).press("ArrowDown")
        await page.locator("townhall-people-finder [part=reasons]").first.wait_for()
        await page.locator("townhall-people-finder [role=option]").first.wait_for()
        results = await Axe().run(
            page,
            options={"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]},
        )
        violations = results.response["violations"]
        assert violations == [], [
            (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations
        ]
    assert log.foreign() == []


# Remembers every WebSocket the page opens (an init script: it runs through DevTools,
# before the page's own scripts, whatever the page's policy).
RECORD_SOCKETS = """
window.__townhallSockets = [];
window.WebSocket = class extends WebSocket {
  constructor(...args) { super(...args); window.__townhallSockets.push(this); }
};
"""


async def test_live_updates_share_one_socket_and_resubscribe_after_a_drop(
    browser: Browser, page_server: PageServer, widget_servers: WidgetServers
) -> None:
    alex = await _person_id(widget_servers, "alex.morgan")
    url = page_server.add_page(
        "/core-live.html",
        "<townhall-notifications></townhall-notifications>\n"
        '<townhall-notifications id="second"></townhall-notifications>\n'
        '<townhall-activity-feed feed="home"></townhall-activity-feed>',
    )
    async with open_page(browser, url, persona="priya.shah") as (first_page, log):
        # A second page of the same context, watched from before it loads.
        page = await first_page.context.new_page()
        page_log = await PageLog.attach(page)
        sockets: list[dict[str, Any]] = []

        def opened(ws: Any) -> None:
            record: dict[str, Any] = {"ws": ws, "url": ws.url, "sent": [], "received": []}
            ws.on("framesent", lambda payload: record["sent"].append(json.loads(payload)))
            ws.on("framereceived", lambda payload: record["received"].append(json.loads(payload)))
            sockets.append(record)

        page.on("websocket", opened)
        await page.add_init_script(RECORD_SOCKETS)
        await page.goto(url, wait_until="load")

        async def subscribed(socket: dict[str, Any]) -> list[dict[str, Any]]:
            for _ in range(200):
                acked = any(m["type"] == "connection_ack" for m in socket["received"])
                ended = {m["id"] for m in socket["sent"] if m["type"] == "complete"}
                subs = [m for m in socket["sent"] if m["type"] == "subscribe"]
                if acked and len([m for m in subs if m["id"] not in ended]) == 3:
                    return [m for m in subs if m["id"] not in ended]
                await page.wait_for_timeout(50)
            raise AssertionError(f"not subscribed: {socket}")

        for _ in range(200):
            if sockets:
                break
            await page.wait_for_timeout(50)
        current = sockets[0]
        first = await subscribed(current)
        await page.wait_for_timeout(500)
        assert len(sockets) == 1, "the page's elements share one socket"
        assert current["url"] == widget_servers.gateway.url.replace("http", "ws") + "/graphql"
        init = current["sent"][0]
        assert init["type"] == "connection_init"
        assert init["payload"]["authorization"].startswith("Bearer ey")
        names = sorted(m["payload"]["operationName"] for m in first)
        assert names == ["ActivityAdded", "NotificationAdded", "NotificationAdded"]
        for message in first:
            assert "query" not in message["payload"]
            assert len(message["payload"]["extensions"]["persistedQuery"]["sha256Hash"]) == 64

        # The socket drops: a new one signs in again and subscribes everything again.
        await page.evaluate("() => window.__townhallSockets.at(-1).close()")
        for _ in range(100):
            if len(sockets) == 2:
                break
            await page.wait_for_timeout(50)
        assert len(sockets) == 2, "no reconnection"
        reconnected = sockets[1]
        again = await subscribed(reconnected)
        assert sorted(m["payload"]["operationName"] for m in again) == names
        assert reconnected["sent"][0]["payload"]["authorization"].startswith("Bearer ey")

        # And events flow on it: Alex mentions Priya; both bells hear of it. (The protocol
        # does not confirm a subscribe: the gateway is given a moment to start them.)
        await page.wait_for_timeout(1000)
        added = await widget_servers.query(
            "mutation($input: AddCommentInput!) { addComment(input: $input) {"
            " ... on CommentSuccess { comment { id } } } }",
            {"input": {"targetId": alex, "body": "Live test: @priya.shah have a look"}},
        )
        comment = added["data"]["addComment"]["comment"]["id"]
        try:
            ids = {m["id"] for m in again if m["payload"]["operationName"] == "NotificationAdded"}
            for _ in range(100):
                heard = {
                    m["id"]
                    for m in reconnected["received"]
                    if m["type"] == "next" and m["id"] in ids
                }
                if heard == ids:
                    break
                await page.wait_for_timeout(50)
            assert heard == ids, reconnected["received"]
        finally:
            await widget_servers.query(
                "mutation($input: DeleteCommentInput!) { deleteComment(input: $input) {"
                " __typename } }",
                {"input": {"commentId": comment}},
            )
        page_log.check()
    assert log.foreign() == [] and page_log.foreign() == []
