"""Starting the server: a JWT secret is required, except in demo mode, which makes one
and signs in its demo users (one per role)."""

from __future__ import annotations

import httpx
import pytest

from crm_graphql.api.roles import Role
from crm_graphql.domains.auth.services import DEMO_PASSWORD, demo_email, ensure_demo_users
from crm_graphql.domains.users.models import User
from tests.auth.documents import LOGIN, ME
from tests.server import running_server, start_serve


@pytest.mark.parametrize("secret", [None, "short"])
def test_serve_refuses_to_start_without_a_strong_secret(secret, tmp_path):
    env = {"CRM_JWT_SECRET": secret} if secret else {}
    process = start_serve(tmp_path, **env)
    assert process.wait(timeout=60) == 2
    output = (tmp_path / "server.log").read_text()
    assert "CRM_JWT_SECRET" in output
    assert "Traceback" not in output


def test_serve_demo_makes_a_secret_shared_by_its_workers_and_demo_users(tmp_path):
    with running_server(tmp_path, "--demo", CRM_WORKERS="2") as base:
        output = (tmp_path / "server.log").read_text()
        assert "generated a random one" in output
        assert "admin@example.com" in output
        for role in Role:
            body = httpx.post(
                f"{base}/graphql",
                json={
                    "query": LOGIN,
                    "variables": {"email": demo_email(role), "password": DEMO_PASSWORD},
                },
            ).json()
            session = body["data"]["login"]
            assert session["role"] == role.value, body
        # Tokens made by one worker are accepted by the other (same secret): many
        # requests over fresh connections land on both.
        headers = {"Authorization": f"Bearer {session['accessToken']}"}
        for _ in range(12):
            with httpx.Client() as client:
                body = client.post(f"{base}/graphql", json={"query": ME}, headers=headers).json()
            assert body["data"]["me"]["role"] == "ANALYST", body


async def test_demo_users_are_made_once_per_role(anon, db):
    assert await ensure_demo_users() == len(Role)
    assert await ensure_demo_users() == 0
    emails = sorted(await User.all().values_list("email", flat=True))
    assert emails == sorted(demo_email(role) for role in Role)
    assert demo_email(Role.MARKETING) == "marketing@example.com"
    client = await anon()
    data = await client.data(LOGIN, {"email": "support@example.com", "password": DEMO_PASSWORD})
    assert data["login"]["role"] == "SUPPORT"


def test_token_settings_come_from_the_environment_and_the_secret_is_not_shown(monkeypatch):
    from crm_graphql.settings import load_settings

    secret = "Zq3-vH8_kLm2Rt9xWc4NpJ6yBd1FgA7sUe5Ko0Ti"
    monkeypatch.setenv("CRM_JWT_SECRET", secret)
    monkeypatch.setenv("CRM_ACCESS_TOKEN_MINUTES", "5")
    monkeypatch.setenv("CRM_REFRESH_TOKEN_DAYS", "7")
    monkeypatch.setenv("CRM_JWT_ISSUER", "crm-prod")
    monkeypatch.setenv("CRM_PUBLIC_INTROSPECTION", "false")
    settings = load_settings()
    settings.validate_for_serving()
    assert settings.jwt_secret.get_secret_value() == secret
    assert (settings.access_token_minutes, settings.refresh_token_days) == (5, 7)
    assert settings.jwt_issuer == "crm-prod"
    assert settings.jwt_audience == "crm-graphql-api"
    assert settings.jwt_leeway_seconds == 30
    assert settings.public_introspection is False
    assert secret not in repr(settings) and secret not in str(settings.model_dump())
