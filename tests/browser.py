"""A real headless Chromium for the pages' tests, allowed to reach this machine only.

The tests drive the system Chromium (``/usr/bin/chromium``) through Playwright; the
``chromium`` and ``browser`` fixtures (``tests/conftest.py``) skip where either is
missing (CI installs both). Every request to another host than this machine is aborted
and noted, so a page that needs the internet fails its test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CHROMIUM = Path("/usr/bin/chromium")
# Headless and quiet: no first-run pages, no background traffic of the browser's own
# (updates, sync) that would muddle the check that the page reaches no other host.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
UI_TIMEOUT_MS = 20_000


@dataclass
class BrowserPage:
    """A Playwright page, the requests it tried to send elsewhere, and its errors."""

    page: Any
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    async def only_this_machine(self, route: Any) -> None:
        """Playwright route handler: requests to another host are aborted and noted."""
        host = urlsplit(route.request.url).hostname
        if host in LOCAL_HOSTS:
            await route.continue_()
        else:
            self.blocked.append(route.request.url)
            await route.abort()

    def record_websocket(self, websocket: Any) -> None:
        """Playwright ``websocket`` handler (those are not routed): any is noted."""
        if urlsplit(websocket.url).hostname not in LOCAL_HOSTS:
            self.blocked.append(websocket.url)

    def record_console(self, message: Any) -> None:
        """Playwright ``console`` handler: errors include Content-Security-Policy refusals."""
        if message.type == "error":
            self.errors.append(message.text)

    def record_page_error(self, error: Any) -> None:
        """Playwright ``pageerror`` handler: uncaught exceptions of the page's scripts."""
        self.errors.append(str(error))

    def watch(self, page: Any) -> None:
        """Record what ``page`` (e.g. one it opened in a new tab) does wrong, too."""
        page.set_default_timeout(UI_TIMEOUT_MS)
        page.on("websocket", self.record_websocket)
        page.on("console", self.record_console)
        page.on("pageerror", self.record_page_error)

    def assert_stayed_on_this_server(self) -> None:
        """Nothing tried to reach another host, and nothing (a CSP refusal, say) went wrong."""
        assert self.blocked == []
        assert self.errors == []


async def open_page(browser: Any, url: str, viewport: dict[str, int] | None = None) -> BrowserPage:
    """A new browser session (context) with ``url`` loaded, held to this machine."""
    context = await browser.new_context(viewport=viewport or {"width": 1280, "height": 760})
    page = await context.new_page()
    recorded = BrowserPage(page)
    await context.route("**/*", recorded.only_this_machine)
    recorded.watch(page)
    await page.goto(url)
    return recorded


async def sign_in(page: Any, email: str, password: str) -> None:
    """Fill in and send the sign-in bar that every page shares."""
    await page.fill("#crm-email", email)
    await page.fill("#crm-password", password)
    await page.click("#crm-sign-in")


async def storage(page: Any, kind: str) -> str:
    """Everything in the page's localStorage or sessionStorage, keys and values."""
    return await page.evaluate(f"() => JSON.stringify(Object.entries({kind}))")
