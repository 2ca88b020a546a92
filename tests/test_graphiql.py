"""GraphiQL works without internet: its page and assets come from this server.

The server is the real one (``crm-graphql serve`` in a subprocess, on a migrated
SQLite file with one ADMIN user made by ``crm-graphql create-user``). The browser
tests drive the system Chromium through Playwright and are skipped where either is
missing; CI installs both.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from crm_graphql.app import create_app
from crm_graphql.settings import load_settings

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
SERVER_START_SECONDS = 60
UI_TIMEOUT_MS = 20_000
USERS_QUERY = "{ users(first: 1) { totalCount } }"
JWT_SECRET = "graphiql-test-only-jwt-secret-0123456789-abcdef"
ADMIN_EMAIL = "graphiql-admin@example.com"
ADMIN_PASSWORD = "graphiql-test-password-42"
# Variables and headers editors share one pane; the tab shown is the one not hidden.
HEADERS_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden)"

ASSET_REF = re.compile(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]*)"[^>]*>')


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Server:
    """A running ``crm-graphql serve`` and an ADMIN's access token for it."""

    url: str
    access_token: str

    @property
    def authorization(self) -> dict[str, str]:
        """The ``Authorization`` header of the ADMIN."""
        return {"Authorization": f"Bearer {self.access_token}"}


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from crm_graphql.cli import main; main()", *args]


def _sign_in(base_url: str) -> str:
    response = httpx.post(
        f"{base_url}/graphql",
        json={
            "query": "mutation ($email: String!, $password: String!) {"
            " login(email: $email, password: $password) { accessToken } }",
            "variables": {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        },
    )
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]["login"]["accessToken"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``crm-graphql serve`` on a free port of 127.0.0.1, with a signed-in ADMIN."""
    workdir = tmp_path_factory.mktemp("graphiql-server")
    port = _free_port()
    env = {
        **os.environ,
        "CRM_DATABASE_URL": f"sqlite://{workdir / 'crm.sqlite3'}",
        "CRM_HOST": "127.0.0.1",
        "CRM_PORT": str(port),
        "CRM_WORKERS": "1",
        "CRM_GRAPHIQL": "true",
        "CRM_PUBLIC_INTROSPECTION": "true",
        "CRM_JWT_SECRET": JWT_SECRET,
        "CRM_LOG_LEVEL": "warning",
    }
    # Migrates the SQLite file too, as `serve` would.
    subprocess.run(
        _cli(
            "create-user",
            *("--email", ADMIN_EMAIL, "--name", "GraphiQL Admin", "--role", "ADMIN"),
            "--password-stdin",
        ),
        input=f"{ADMIN_PASSWORD}\n".encode(),
        env=env,
        check=True,
        capture_output=True,
    )
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(_cli("serve"), env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server exited early:\n{log_path.read_text()}")
            try:
                if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer /health:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield Server(base_url, _sign_in(base_url))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _sri(content: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()


def test_graphiql_page_loads_every_asset_from_this_server(server: Server) -> None:
    page = httpx.get(f"{server.url}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "http" not in page.headers["content-security-policy"]

    tags = ASSET_REF.findall(page.text)
    urls = [url for url in tags if not url.startswith("data:")]
    assert len(urls) == 6, urls
    assert all(url.startswith("/static/") for url in urls), urls
    assert "http://" not in page.text
    assert "https://" not in page.text

    for tag in re.finditer(r"<(script|link)\b[^>]*>", page.text):
        src = re.search(r'\b(?:src|href)="(/static/[^"]*)"', tag.group(0))
        if not src:
            continue
        asset = httpx.get(server.url + src.group(1))
        assert asset.status_code == 200, src.group(1)
        expected = "javascript" if tag.group(1) == "script" else "text/css"
        assert expected in asset.headers["content-type"], (src.group(1), asset.headers)
        # The page pins each file by hash; a browser would refuse one that differs.
        integrity = re.search(r'\bintegrity="([^"]*)"', tag.group(0))
        assert integrity, tag.group(0)
        assert integrity.group(1) == _sri(asset.content), src.group(1)


def test_graphql_get_with_a_query_parameter_runs_the_query(server: Server) -> None:
    response = httpx.get(
        f"{server.url}/graphql",
        params={"query": USERS_QUERY},
        headers={"Accept": "application/json", **server.authorization},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"users": {"totalCount": 1}}}


async def test_graphiql_disabled_serves_neither_page_nor_assets(tmp_path: Path) -> None:
    settings = load_settings(
        database_url=f"sqlite://{tmp_path / 'unused.sqlite3'}",
        jwt_secret=JWT_SECRET,
        graphiql=False,
    )
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://crm.test") as http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        asset = await http.get("/static/graphiql/graphiql.min.js")
    assert page.status_code == 404
    assert asset.status_code == 404


async def test_graphiql_asset_urls_follow_the_root_path_behind_a_proxy(tmp_path: Path) -> None:
    settings = load_settings(
        database_url=f"sqlite://{tmp_path / 'unused.sqlite3'}", jwt_secret=JWT_SECRET
    )
    transport = httpx.ASGITransport(app=create_app(settings), root_path="/crm")
    async with httpx.AsyncClient(transport=transport, base_url="http://crm.test") as http:
        page = await http.get("/crm/graphql", headers={"Accept": "text/html"})
        urls = [url for url in ASSET_REF.findall(page.text) if not url.startswith("data:")]
        assert urls
        assert all(url.startswith("/crm/static/graphiql/") for url in urls), urls
        for url in urls:
            assert (await http.get(url)).status_code == 200, url


# --- in a real browser ------------------------------------------------------------


@dataclass
class BrowserPage:
    """A Playwright page, with every request and console error it produced."""

    page: Any
    requests: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def record_request(self, request: Any) -> None:
        """Playwright ``request`` and ``websocket`` handler."""
        self.requests.append(request)

    def record_console(self, message: Any) -> None:
        """Playwright ``console`` handler: errors include Content-Security-Policy refusals."""
        if message.type == "error":
            self.errors.append(message.text)

    def record_page_error(self, error: Any) -> None:
        """Playwright ``pageerror`` handler: uncaught exceptions of the page's scripts."""
        self.errors.append(str(error))

    def assert_stayed_on_this_server(self) -> None:
        """No request left for another host, and nothing (a CSP refusal, say) went wrong."""
        remote = [
            request.url
            for request in self.requests
            if urlsplit(request.url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(request.url).hostname != "127.0.0.1"
        ]
        assert remote == []
        assert self.errors == []


@pytest.fixture
def chromium() -> Path:
    """The system Chromium; skips the test where it or the playwright package is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"no browser at {CHROMIUM} (apt-get install chromium)")
    pytest.importorskip("playwright.async_api", reason="the playwright package is not installed")
    return CHROMIUM


@pytest.fixture
async def browser_page(chromium: Path, server: Server) -> AsyncIterator[BrowserPage]:
    """A fresh headless Chromium page showing GraphiQL, once it has rendered."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS
        )
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(UI_TIMEOUT_MS)
            recorded = BrowserPage(page)
            page.on("request", recorded.record_request)
            page.on("websocket", recorded.record_request)
            page.on("console", recorded.record_console)
            page.on("pageerror", recorded.record_page_error)
            await page.goto(f"{server.url}/graphql")
            await _wait_until_rendered(page)
            yield recorded
        finally:
            await browser.close()


async def _wait_until_rendered(page: Any) -> None:
    await page.wait_for_selector(".graphiql-query-editor .CodeMirror")
    assert "Loading..." not in await page.inner_text("#graphiql")


async def _set_editor(page: Any, selector: str, text: str) -> None:
    # CodeMirror 5 owns the editor's DOM; its API is the reliable way to replace the text.
    await page.eval_on_selector(
        f"{selector} .CodeMirror", "(node, text) => node.CodeMirror.setValue(text)", text
    )


async def _run_users_query(page: Any) -> Any:
    """Put ``USERS_QUERY`` in the editor, run it; the request sent and the result shown."""
    await _set_editor(page, ".graphiql-query-editor", USERS_QUERY)
    async with page.expect_request(
        lambda request: request.method == "POST" and "totalCount" in (request.post_data or "")
    ) as sent:
        await page.click(".graphiql-execute-button")
    await page.wait_for_function(
        "() => document.querySelector('.graphiql-response').innerText.includes('totalCount')"
    )
    return await sent.value, await page.inner_text(".graphiql-response")


async def _set_headers(page: Any, headers: dict[str, str]) -> None:
    await page.get_by_role("button", name="Headers", exact=True).click()
    await _set_editor(page, HEADERS_EDITOR, json.dumps(headers))


async def test_graphiql_runs_a_query_with_an_authorization_header_without_internet(
    server: Server, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    await _set_headers(page, server.authorization)
    request, result = await _run_users_query(page)
    assert (await request.all_headers()).get("authorization") == f"Bearer {server.access_token}"
    assert '"totalCount": 1' in result
    browser_page.assert_stayed_on_this_server()


async def test_graphiql_explorer_plugin_lists_the_root_fields(browser_page: BrowserPage) -> None:
    page = browser_page.page
    await page.get_by_role("button", name="Show GraphiQL Explorer").click()
    explorer = page.locator(".graphiql-explorer-root")
    await explorer.get_by_text("customers", exact=True).wait_for()
    await explorer.get_by_text("users", exact=True).wait_for()
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


async def test_graphiql_keeps_the_authorization_header_across_reloads(
    server: Server, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    await _set_headers(page, server.authorization)
    # GraphiQL writes its editors to local storage after a short debounce.
    await page.wait_for_function(
        "() => (localStorage.getItem('graphiql:headers') || '').includes('Authorization')"
    )
    await page.reload()
    await _wait_until_rendered(page)

    request, result = await _run_users_query(page)
    assert (await request.all_headers()).get("authorization") == f"Bearer {server.access_token}"
    assert '"totalCount": 1' in result
    browser_page.assert_stayed_on_this_server()
