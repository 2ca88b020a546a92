"""GraphiQL works without internet: its page and assets come from this server.

The server is the real one (``crm-graphql serve --demo`` in a subprocess, on a SQLite
file, with its demo users). The browser tests drive the system Chromium through
Playwright, with every request to another host than this server aborted, and are
skipped where either is missing; CI installs both.

``CRM_GRAPHIQL_SCREENSHOT=docs/graphiql.png pytest tests/test_graphiql.py`` also
saves the screenshot shown in the README.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from crm_graphql.api.graphiql import GRAPHIQL_PAGE
from crm_graphql.api.roles import Role
from crm_graphql.domains.auth.services import DEMO_PASSWORD, demo_email
from tests.browser import BrowserPage, open_page, sign_in, storage
from tests.conftest import DemoServers
from tests.server import DemoServer as Server

USERS_QUERY = "{ users(first: 1) { totalCount } }"
# Customer e-mail addresses are personal data, which ANALYST may not read.
CUSTOMERS_QUERY = """{
  customers(first: 2) {
    nodes {
      firstName
      email
    }
  }
}"""
ANALYST_EMAIL = demo_email(Role.ANALYST)
# Variables and headers editors share one pane; the tab shown is the one not hidden.
HEADERS_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden)"

ASSET_REF = re.compile(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]*)"[^>]*>')


@pytest.fixture(scope="module")
async def server(demo_servers: DemoServers) -> Server:
    """``crm-graphql serve --demo`` on a free port of 127.0.0.1: demo data and users."""
    return await demo_servers.get("sqlite")


def _sri(content: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()


def test_graphiql_page_loads_every_asset_from_this_server(server: Server) -> None:
    page = httpx.get(f"{server.url}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "http" not in page.headers["content-security-policy"]

    urls = [url for url in ASSET_REF.findall(page.text) if not url.startswith("data:")]
    assert len(urls) == len(GRAPHIQL_PAGE.assets), urls
    assert all(url.startswith("/static/") for url in urls), urls
    assert "http://" not in page.text
    assert "https://" not in page.text

    for tag in re.finditer(r"<(script|link)\b[^>]*>", page.text):
        src = re.search(r'\b(?:src|href)="(/static/[^"]*)"', tag.group(0))
        if not src:
            continue
        url = src.group(1).replace("&amp;", "&")
        asset = httpx.get(server.url + url)
        assert asset.status_code == 200, url
        expected = "javascript" if tag.group(1) == "script" else "text/css"
        assert expected in asset.headers["content-type"], (url, asset.headers)
        # The page pins each file by hash; a browser would refuse one that differs.
        integrity = re.search(r'\bintegrity="([^"]*)"', tag.group(0))
        assert integrity, tag.group(0)
        assert integrity.group(1) == _sri(asset.content), url


def test_graphql_get_with_a_query_parameter_runs_the_query(server: Server) -> None:
    token = server.sign_in(Role.ADMIN)
    response = httpx.get(
        f"{server.url}/graphql",
        params={"query": USERS_QUERY},
        headers={"Accept": "application/json", "Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == server.query(USERS_QUERY, token)["data"]
    assert response.json()["data"]["users"]["totalCount"] >= len(Role)


# --- in a real browser ------------------------------------------------------------


async def _open_graphiql(browser: Any, server: Server) -> BrowserPage:
    """A new browser session (context) showing GraphiQL, once it has rendered."""
    recorded = await open_page(browser, f"{server.url}/graphql")
    await _wait_until_rendered(recorded.page)
    return recorded


@pytest.fixture
async def browser_page(browser: Any, server: Server) -> BrowserPage:
    """A fresh headless Chromium session showing GraphiQL."""
    return await _open_graphiql(browser, server)


async def _wait_until_rendered(page: Any) -> None:
    await page.wait_for_selector(".graphiql-query-editor .CodeMirror")
    assert "Loading..." not in await page.inner_text("#graphiql")


async def _set_editor(page: Any, selector: str, text: str) -> None:
    # CodeMirror 5 owns the editor's DOM; its API is the reliable way to replace the text.
    await page.eval_on_selector(
        f"{selector} .CodeMirror", "(node, text) => node.CodeMirror.setValue(text)", text
    )


async def _run_query(page: Any, query: str, shown: str) -> tuple[Any, str]:
    """Put ``query`` in the editor and run it; the request sent and the result shown
    (once it contains ``shown``)."""
    await _set_editor(page, ".graphiql-query-editor", query)
    async with page.expect_request(lambda request: _sends(request, query)) as sent:
        await page.click(".graphiql-execute-button")
    # The whole text: CodeMirror puts only the lines in view into the page.
    response_text = (
        "() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()"
    )
    await page.wait_for_function(f"shown => ({response_text})().includes(shown)", arg=shown)
    return await sent.value, await page.evaluate(response_text)


def _sends(request: Any, query: str) -> bool:
    if request.method != "POST" or not request.post_data:
        return False
    return json.loads(request.post_data).get("query") == query


async def test_analyst_signs_in_on_the_page_and_sees_which_fields_are_forbidden(
    server: Server, browser_page: BrowserPage, tmp_path: Path
) -> None:
    page = browser_page.page
    await sign_in(page, ANALYST_EMAIL, DEMO_PASSWORD)
    status = page.locator("#crm-session-status")
    await status.filter(has_text=f"Signed in as {ANALYST_EMAIL} (ANALYST)").wait_for()
    assert await page.input_value("#crm-password") == ""

    request, result = await _run_query(page, CUSTOMERS_QUERY, "firstName")
    token = (await request.all_headers()).get("authorization", "").removeprefix("Bearer ")
    assert token
    expected = server.query(CUSTOMERS_QUERY, token)
    names = [customer["firstName"] for customer in expected["data"]["customers"]["nodes"]]
    assert len(names) == 2
    assert all(name in result for name in names), result
    assert '"code": "FORBIDDEN"' in result
    assert '"email": null' in result
    assert "Customer.email" in result

    # The token lives in this tab's session storage only, never in local storage.
    assert token in await storage(page, "sessionStorage")
    local = await storage(page, "localStorage")
    assert token not in local
    assert "Bearer" not in local
    browser_page.assert_stayed_on_this_server()

    await page.get_by_role("button", name="Show GraphiQL Explorer").click()
    await page.locator(".graphiql-explorer-root").get_by_text("customers").first.wait_for()
    screenshot = Path(os.environ.get("CRM_GRAPHIQL_SCREENSHOT") or tmp_path / "graphiql.png")
    png = await page.screenshot(path=str(screenshot))
    assert png.startswith(b"\x89PNG")


async def test_wrong_password_on_the_page_shows_the_refusal_and_keeps_no_token(
    browser_page: BrowserPage,
) -> None:
    page = browser_page.page
    await sign_in(page, ANALYST_EMAIL, "not-the-password")
    await page.locator("#crm-session-status").filter(has_text="INVALID_CREDENTIALS").wait_for()
    assert await page.is_visible("#crm-sign-in")
    assert "accessToken" not in await storage(page, "sessionStorage")
    browser_page.assert_stayed_on_this_server()


async def test_sign_in_lasts_for_the_tab_across_reloads_but_not_into_a_new_session(
    server: Server, browser: Any, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    await sign_in(page, ANALYST_EMAIL, DEMO_PASSWORD)
    await page.locator("#crm-session-status").filter(has_text="Signed in as").wait_for()
    await page.reload()
    await _wait_until_rendered(page)
    await page.locator("#crm-session-status").filter(has_text="Signed in as").wait_for()
    request, result = await _run_query(page, "{ me { role } }", "role")
    assert (await request.all_headers()).get("authorization", "").startswith("Bearer ")
    assert '"role": "ANALYST"' in result
    browser_page.assert_stayed_on_this_server()

    other = await _open_graphiql(browser, server)
    await other.page.locator("#crm-session-status").filter(has_text="Not signed in").wait_for()
    request, result = await _run_query(other.page, "{ me { role } }", "UNAUTHENTICATED")
    assert "authorization" not in await request.all_headers()
    assert "UNAUTHENTICATED" in result
    other.assert_stayed_on_this_server()


async def test_sign_out_forgets_the_token_and_ends_the_session(
    server: Server, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    await sign_in(page, ANALYST_EMAIL, DEMO_PASSWORD)
    await page.locator("#crm-sign-out").wait_for()
    token = json.loads(await page.evaluate("() => sessionStorage.getItem('crm:session')"))["token"]
    async with page.expect_response(
        lambda response: "SignOut" in (response.request.post_data or "")
    ):
        await page.click("#crm-sign-out")
    await page.locator("#crm-session-status").filter(has_text="Not signed in").wait_for()
    assert token not in await storage(page, "sessionStorage")
    # The server ended the session too: the old token no longer works.
    refused = server.query("{ me { role } }", token)
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    browser_page.assert_stayed_on_this_server()


async def test_graphiql_runs_a_query_with_an_authorization_header_typed_in(
    server: Server, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    token = server.sign_in(Role.ADMIN)
    await page.get_by_role("button", name="Headers", exact=True).click()
    await _set_editor(page, HEADERS_EDITOR, json.dumps({"Authorization": f"Bearer {token}"}))
    request, result = await _run_query(page, USERS_QUERY, "totalCount")
    assert (await request.all_headers()).get("authorization") == f"Bearer {token}"
    total = server.query(USERS_QUERY, token)["data"]["users"]["totalCount"]
    assert f'"totalCount": {total}' in result
    # GraphiQL's headers are kept with its other state, for the tab only.
    await page.wait_for_function(
        "() => (sessionStorage.getItem('graphiql:headers') || '').includes('Authorization')"
    )
    assert token not in await storage(page, "localStorage")
    browser_page.assert_stayed_on_this_server()


async def test_graphiql_explorer_plugin_lists_the_root_fields(browser_page: BrowserPage) -> None:
    page = browser_page.page
    await page.get_by_role("button", name="Show GraphiQL Explorer").click()
    explorer = page.locator(".graphiql-explorer-root")
    await explorer.get_by_text("customers", exact=True).first.wait_for()
    await explorer.get_by_text("users", exact=True).first.wait_for()
    browser_page.assert_stayed_on_this_server()


async def test_graphiql_doc_explorer_documents_the_query_type(browser_page: BrowserPage) -> None:
    page = browser_page.page
    await page.get_by_role("button", name="Show Documentation Explorer").click()
    docs = page.locator(".graphiql-doc-explorer")
    await docs.locator("a", has_text=re.compile(r"^Query$")).click()
    await docs.locator(".graphiql-doc-explorer-title", has_text="Query").wait_for()
    await docs.get_by_text("Every read the CRM offers.").wait_for()
    await docs.get_by_text("users", exact=True).wait_for()
    browser_page.assert_stayed_on_this_server()
