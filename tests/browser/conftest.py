"""A real Chromium (Debian's, through Playwright) against the real stack of tests/conftest.py.

`look(page, name)` saves a screenshot to out/screenshots/NAME.png (or to $SCREENSHOTS_DIR:
`make screenshots` refreshes the committed ones in docs/screenshots/) and runs axe-core on the
page: any WCAG 2.1 A/AA violation fails the test with the rule and the elements it found.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Locator, Page, async_playwright, expect

from services.infra.stack import Stack

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(os.environ.get("SCREENSHOTS_DIR") or ROOT / "out" / "screenshots")
SHOTS.mkdir(parents=True, exist_ok=True)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 320, "height": 800}  # WCAG 1.4.10: content reflows at 320 CSS pixels
expect.set_options(timeout=20_000)  # two shared cores: a page can take seconds under load


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    for need, how in ((Path(CHROMIUM), "apt-get install -y chromium"),
                      (AXE, "make browser-deps")):
        if not need.exists():
            pytest.fail(f"{need} is missing; run: {how}")
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        await b.close()


@pytest_asyncio.fixture(loop_scope="session")
async def contexts(browser: Browser, stack: Stack
                   ) -> AsyncIterator[Callable[[], Awaitable[Page]]]:
    """`await new_page()`: a page in a fresh browser context (its own cookies: one person)."""
    opened: list[BrowserContext] = []

    async def new_page() -> Page:
        # bypass_csp: the pages allow no inline script, and axe-core is injected as one
        ctx = await browser.new_context(base_url=stack.base_url, accept_downloads=True, bypass_csp=True,
                                        locale="da-DK", timezone_id="Europe/Copenhagen",
                                        viewport=WIDE)
        ctx.set_default_timeout(20_000)
        opened.append(ctx)
        return await ctx.new_page()

    yield new_page
    for ctx in opened:
        await ctx.close()


async def sign_in(page: Page, role: str, sub: str, sector: str | None = None) -> None:
    await page.goto("/signin")
    form = page.locator("main form")
    await form.get_by_label("Rolle").select_option(role)
    await form.get_by_label("Deltager-id").fill(sub)
    if sector:
        await form.get_by_label("Sektor").select_option(sector)
    await form.get_by_role("button", name="Log ind").click()
    await page.wait_for_load_state()
    assert sub in await page.locator("header .who").inner_text()


async def look(page: Page, name: str, *, axe: bool = True) -> None:
    """Screenshot the page, then fail on any WCAG 2.1 A/AA violation axe-core finds in it."""
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    if not axe:
        return
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
    problems = [f"{v['id']} ({v['impact']}): {v['help']} at "
                + ", ".join(str(n["target"]) for n in v["nodes"][:5])
                for v in result["violations"]]
    assert not problems, f"{name} ({page.url}) breaks WCAG 2.1 AA:\n" + "\n".join(problems)


async def look_narrow(page: Page, name: str) -> None:
    """The page at 320 CSS pixels: nothing scrolls sideways, then a screenshot and axe-core."""
    await page.set_viewport_size(NARROW)
    try:
        wide = await page.evaluate(
            "() => [document.documentElement.scrollWidth, [...document.querySelectorAll("
            "'body *')].filter(e => e.getBoundingClientRect().right > 321"
            " && getComputedStyle(e).position !== 'absolute').slice(0, 5)"
            ".map(e => e.tagName + '.' + e.className + '#' + e.id)]")
        assert wide[0] <= 320, f"{name} ({page.url}) scrolls sideways at 320 px: {wide}"
        await look(page, f"{name}-320")
    finally:
        await page.set_viewport_size(WIDE)


async def shown_after_reload(page: Page, locator: Locator, text: str,
                             timeout: float = 30.0) -> None:
    """Reload until `locator` contains `text`: for what a person sees on their next visit."""
    deadline = time.monotonic() + timeout
    while True:
        if await locator.count() and text in await locator.first.inner_text():
            return
        if time.monotonic() > deadline:
            body = await page.locator("main").inner_text()
            raise AssertionError(f"{text!r} not shown at {page.url} within {timeout}s:\n{body}")
        await page.wait_for_timeout(300)
        await page.reload()
