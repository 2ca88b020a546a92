"""The GraphiQL page's security headers, the assets' cache headers, and where they are
served from (in-process: the page and its assets need no database)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from crm_graphql.app import create_app
from crm_graphql.settings import load_settings

JWT_SECRET = "graphiql-test-only-jwt-secret-0123456789-abcdef"
ASSET_REF = re.compile(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]*)"[^>]*>')
HTML = {"Accept": "text/html"}


def _app(tmp_path: Path, **settings: object):
    return create_app(
        load_settings(
            database_url=f"sqlite://{tmp_path / 'unused.sqlite3'}",
            jwt_secret=JWT_SECRET,
            **settings,
        )
    )


@pytest.fixture
async def http(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app over HTTP, in-process."""
    transport = httpx.ASGITransport(app=_app(tmp_path))
    async with httpx.AsyncClient(transport=transport, base_url="http://crm.test") as client:
        yield client


async def test_graphiql_page_allows_only_its_own_scripts_and_no_framing(http) -> None:
    page = await http.get("/graphql", headers=HTML)
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in page.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"  # no inline script, no other host
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "<script>" not in page.text  # every script is a file
    assert "<style>" not in page.text
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-frame-options"] == "DENY"


async def test_graphiql_assets_are_cached_for_a_year_under_their_versioned_url(http) -> None:
    page = await http.get("/graphql", headers=HTML)
    versioned = next(url for url in ASSET_REF.findall(page.text) if "graphiql.min.js" in url)
    assert re.search(r"\?v=[0-9a-f]{16}$", versioned), versioned

    current = await http.get(versioned)
    assert current.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert current.headers["x-content-type-options"] == "nosniff"

    # Without the version (or with an old one) the browser must ask again; the ETag
    # makes asking cheap.
    bare = versioned.split("?")[0]
    for stale in (bare, bare + "?v=0123456789abcdef"):
        assert (await http.get(stale)).headers["cache-control"] == "no-cache", stale
    again = await http.get(versioned, headers={"If-None-Match": current.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


async def test_graphiql_disabled_serves_neither_page_nor_assets(tmp_path: Path) -> None:
    transport = httpx.ASGITransport(app=_app(tmp_path, graphiql=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://crm.test") as http:
        page = await http.get("/graphql", headers=HTML)
        asset = await http.get("/static/graphiql/graphiql.min.js")
    assert page.status_code == 404
    assert asset.status_code == 404


async def test_graphiql_asset_urls_follow_the_root_path_behind_a_proxy(tmp_path: Path) -> None:
    transport = httpx.ASGITransport(app=_app(tmp_path), root_path="/crm")
    async with httpx.AsyncClient(transport=transport, base_url="http://crm.test") as http:
        page = await http.get("/crm/graphql", headers=HTML)
        urls = [url for url in ASSET_REF.findall(page.text) if not url.startswith("data:")]
        assert urls
        assert all(url.startswith("/crm/static/") for url in urls), urls
        for url in urls:
            assert (await http.get(url)).status_code == 200, url
