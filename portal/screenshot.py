"""Screenshot the demo portal for the README: ``python -m portal.screenshot``.

Run against ``townhall demo`` (the portal on http://127.0.0.1:8001/ by default): opens the
page in Debian's Chromium as a persona, waits until every widget has rendered its content
(no loading message left), and writes ``docs/portal.png``.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import Page, async_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# Debian's Chromium as these machines run it, with nothing of its own reaching the network
# (the screenshot, the widget tests and the widget bench all launch it so).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]

#: True once every Townhall element on the page has rendered and none is still loading.
WIDGETS_RENDERED = """() => {
  const widgets = [...document.querySelectorAll('*')]
    .filter((e) => e.localName.startsWith('townhall-'));
  return widgets.length > 0 && widgets.every((e) => e.shadowRoot
    && e.shadowRoot.querySelector('*:not(style)')
    && !e.shadowRoot.querySelector('[part~="status"]'));
}"""


async def wait_for_widgets(page: Page, within_ms: float = 30_000) -> None:
    """Wait until every widget on ``page`` shows its content."""
    await page.wait_for_function(WIDGETS_RENDERED, timeout=within_ms)


async def screenshot(url: str, output: Path, *, persona: str, width: int, height: int) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = await browser.new_context(viewport={"width": width, "height": height})
            parts = urlsplit(url)
            await context.add_cookies(
                [
                    {
                        "name": "northshire_persona",
                        "value": persona,
                        "url": f"{parts.scheme}://{parts.netloc}",
                    }
                ]
            )
            page = await context.new_page()
            await page.goto(url, wait_until="load")
            await wait_for_widgets(page)
            await page.wait_for_timeout(300)  # images decoded, fonts settled
            output.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(output))
        finally:
            await browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8001/", help="the demo portal")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "portal.png")
    parser.add_argument("--persona", default="alex.morgan", help="who the visitor is")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    args = parser.parse_args(argv)
    size = {"width": args.width, "height": args.height}
    asyncio.run(screenshot(args.url, args.output, persona=args.persona, **size))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
