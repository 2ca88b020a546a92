"""CORS: browsers on the origins in CRM_CORS_ORIGINS may call the API; by default none."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from crm_graphql.app import create_app
from crm_graphql.settings import SettingsError, load_settings

ALLOWED = "https://crm.example.com"
OTHER = "https://evil.example.net"
QUERY = {"query": "{ __typename }"}


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


@pytest.fixture
async def cors_client(db) -> AsyncIterator[httpx.AsyncClient]:
    """The app with CRM_CORS_ORIGINS set to ALLOWED."""
    settings = db.settings.model_copy(update={"cors_origins": [ALLOWED]})
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://crm.test") as http:
        yield http


async def test_no_origin_is_allowed_by_default(anon, db):
    client = await anon()
    preflight = await client.http.options("/graphql", headers=_preflight(ALLOWED))
    assert "access-control-allow-origin" not in preflight.headers
    answer = await client.http.post("/graphql", json=QUERY, headers={"Origin": ALLOWED})
    assert answer.status_code == 200
    assert "access-control-allow-origin" not in answer.headers


async def test_an_allowed_origin_may_send_credentials_headers_and_read_the_request_id(
    cors_client,
):
    preflight = await cors_client.options("/graphql", headers=_preflight(ALLOWED))
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ALLOWED
    allowed_headers = preflight.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed_headers
    assert "POST" in preflight.headers["access-control-allow-methods"]

    answer = await cors_client.post("/graphql", json=QUERY, headers={"Origin": ALLOWED})
    assert answer.headers["access-control-allow-origin"] == ALLOWED
    assert "x-request-id" in answer.headers["access-control-expose-headers"].lower()
    # Credentials are a header, never a cookie: browsers are not told to send cookies.
    assert "access-control-allow-credentials" not in answer.headers


async def test_an_origin_not_in_the_list_is_refused(cors_client):
    preflight = await cors_client.options("/graphql", headers=_preflight(OTHER))
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    answer = await cors_client.post("/graphql", json=QUERY, headers={"Origin": OTHER})
    assert "access-control-allow-origin" not in answer.headers


def test_cors_origins_are_read_as_a_comma_separated_list(monkeypatch):
    monkeypatch.setenv("CRM_CORS_ORIGINS", " https://crm.example.com, http://localhost:3000/ ")
    assert load_settings().cors_origins == ["https://crm.example.com", "http://localhost:3000"]


@pytest.mark.parametrize("value", ["crm.example.com", "https://crm.example.com/app", "ftp://x"])
def test_a_cors_origin_that_is_not_an_origin_is_refused(monkeypatch, value):
    monkeypatch.setenv("CRM_CORS_ORIGINS", value)
    with pytest.raises(SettingsError, match="CRM_CORS_ORIGINS"):
        load_settings()
