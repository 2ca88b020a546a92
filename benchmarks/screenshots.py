"""The dashboards' screenshots shown in the README, taken anew from the demo.

    python -m benchmarks.screenshots                  # docs/dashboards.png, dashboards-phone.png
    python -m benchmarks.screenshots --output /tmp/shots

Starts ``crm-graphql serve --demo`` on a SQLite file in a temporary folder, opens
``/dashboards`` in the system Chromium (``/usr/bin/chromium``, driven by Playwright, every
request to another host aborted: ``tests/browser.py``), signs in as the MANAGER demo user,
shows the demo's last year in Europe/Berlin and saves the page at a desktop's width
(whole page) and at a phone's (its first screens) once every chart is drawn. It lives
with the other scripts that drive the real server; the browser tests call
:func:`save_screenshots` too, so the command is tested.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from crm_graphql.api.roles import Role
from crm_graphql.demo.reference import REFERENCE_NOW
from crm_graphql.domains.auth.services import DEMO_PASSWORD, demo_email
from tests.browser import CHROMIUM, CHROMIUM_ARGS, open_page, sign_in
from tests.server import running_server

DOCS = Path(__file__).resolve().parent.parent / "docs"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
#: How much of the phone's page is kept: the settings and the first charts.
PHONE_HEIGHT = 1500
# The demo's history ends at REFERENCE_NOW: its last year has data in every view.
_LAST_DAY = (REFERENCE_NOW - timedelta(days=1)).date()
SETTINGS = {
    "from": f"{_LAST_DAY.year}-01-01",
    "to": _LAST_DAY.isoformat(),
    "timeZone": "Europe/Berlin",
    "currency": "USD",
    "refresh": "0",
}
#: True once every card has left "loading" and the page has said when it updated.
SETTLED = """() => {
  const cards = [...document.querySelectorAll('.dash-card')];
  return cards.length > 0 && cards.every(card => card.dataset.state !== 'loading')
    && document.getElementById('dash-updated').dataset.at;
}"""


async def save_screenshots(browser: Any, base_url: str, folder: Path) -> list[Path]:
    """Save ``dashboards.png`` (desktop) and ``dashboards-phone.png`` in ``folder``, of the
    dashboards served at ``base_url`` signed in as the MANAGER demo user; ``folder``
    exists."""
    query = "&".join(f"{name}={value}" for name, value in SETTINGS.items())
    saved = []
    for name, viewport in (("dashboards.png", DESKTOP), ("dashboards-phone.png", PHONE)):
        recorded = await open_page(browser, f"{base_url}/dashboards?{query}", viewport)
        page = recorded.page
        try:
            await sign_in(page, demo_email(Role.MANAGER), DEMO_PASSWORD)
            await page.wait_for_function(SETTLED)
            states = await page.evaluate(
                "() => [...document.querySelectorAll('.dash-card')].map(c => c.dataset.state)"
            )
            # A picture of failed charts must not replace the documented one.
            assert set(states) == {"ready"}, states
            recorded.assert_stayed_on_this_server()
            path = folder / name
            clip = (
                {"x": 0, "y": 0, "width": viewport["width"], "height": PHONE_HEIGHT}
                if viewport is PHONE
                else None
            )
            await page.screenshot(path=str(path), full_page=True, clip=clip)
            saved.append(path)
        finally:
            await page.context.close()
    return saved


async def _main(output: Path) -> None:
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory(prefix="crm-screenshots-") as workdir:
        env = {"CRM_WORKERS": "1", "CRM_GRAPHIQL": "true"}
        with running_server(Path(workdir), "--demo", **env) as url:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                try:
                    for path in await save_screenshots(browser, url, output):
                        print(f"saved {path}")
                finally:
                    await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--output", type=Path, default=DOCS, help="folder of the pictures (default: docs/)"
    )
    output = parser.parse_args().output
    output.mkdir(parents=True, exist_ok=True)
    asyncio.run(_main(output))


if __name__ == "__main__":
    main()
