"""Two tabs refreshing at once keep their session; a replay elsewhere or later ends
it; what can no longer be used is purged (command line and periodic task)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

from crm_graphql.api.roles import Role
from crm_graphql.app import start_session_purge
from crm_graphql.domains.auth.models import (
    LoginAttempt,
    RefreshToken,
    RevocationReason,
    TokenFamily,
)
from crm_graphql.domains.auth.services import issue_session
from tests.auth.documents import LOGIN, ME, REFRESH
from tests.factories import make_user

PASSWORD = "a long enough password"


async def _login(anon) -> dict:
    client = await anon()
    return (await client.data(LOGIN, {"email": "tabs@example.com", "password": PASSWORD}))["login"]


async def test_two_tabs_refreshing_at_once_both_stay_signed_in(anon, client_factory, db):
    await make_user(Role.SALES, password=PASSWORD, email="tabs@example.com")
    first = await _login(anon)
    tab_a, tab_b = await anon(), await anon()
    results = await asyncio.gather(
        tab_a.execute(REFRESH, {"token": first["refreshToken"]}),
        tab_b.execute(REFRESH, {"token": first["refreshToken"]}),
    )
    sessions = [result["data"]["refreshToken"] for result in results]
    assert all(sessions), results
    assert (await TokenFamily.get()).revoked_at is None
    for session in sessions:
        signed_in = await client_factory(
            headers={"Authorization": f"Bearer {session['accessToken']}"}
        )
        assert (await signed_in.data(ME))["me"]["role"] == "SALES"
        # Each tab goes on refreshing with its own new token.
        assert (await tab_a.data(REFRESH, {"token": session["refreshToken"]}))["refreshToken"]


async def test_a_replay_after_the_grace_window_ends_the_session(anon, db):
    await make_user(Role.SALES, password=PASSWORD, email="tabs@example.com")
    first = await _login(anon)
    client = await anon()
    second = (await client.data(REFRESH, {"token": first["refreshToken"]}))["refreshToken"]
    await RefreshToken.filter(used_at__isnull=False).update(
        used_at=datetime.now(UTC) - timedelta(seconds=db.settings.refresh_grace_seconds + 5)
    )
    body = await client.execute(REFRESH, {"token": first["refreshToken"]})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await TokenFamily.get()).revoked_reason == RevocationReason.REUSE
    body = await client.execute(REFRESH, {"token": second["refreshToken"]})
    assert body["data"]["refreshToken"] is None


async def test_a_replay_from_another_address_within_the_grace_window_is_reuse(anon, db):
    await make_user(Role.SALES, password=PASSWORD, email="tabs@example.com")
    first = await _login(anon)
    await (await anon()).data(REFRESH, {"token": first["refreshToken"]})
    thief = await anon(client_address="203.0.113.77")
    body = await thief.execute(REFRESH, {"token": first["refreshToken"]})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await TokenFamily.get()).revoked_reason == RevocationReason.REUSE


async def _expired_world(settings) -> tuple[uuid.UUID, uuid.UUID]:
    """One session whose tokens all expired, one still alive; an old failed login."""
    user = await make_user(Role.SALES)
    await issue_session(settings, user)
    alive = await issue_session(settings, user)
    families = await TokenFamily.all().order_by("created_at").values_list("id", flat=True)
    ended, live = families[0], families[1]
    long_ago = datetime.now(UTC) - timedelta(days=40)
    await TokenFamily.filter(id=ended).update(created_at=long_ago)
    await RefreshToken.filter(family_id=ended).update(expires_at=long_ago)
    await LoginAttempt.create(
        email="x@example.com", client_address="192.0.2.1", attempted_at=long_ago
    )
    assert alive.refresh_token
    return ended, live


async def _assert_purged(ended, live) -> None:
    assert await TokenFamily.filter(id=ended).count() == 0
    assert await RefreshToken.filter(family_id=ended).count() == 0
    assert await TokenFamily.filter(id=live).count() == 1
    assert await RefreshToken.filter(family_id=live).count() == 1
    assert await LoginAttempt.all().count() == 0


async def test_purge_sessions_command_deletes_what_can_no_longer_be_used(db):
    ended, live = await _expired_world(db.settings)
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "crm_graphql.cli", "purge-sessions"],
        env={
            "PATH": "/usr/bin:/bin",
            "CRM_DATABASE_URL": db.settings.database_url,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "1 refresh_tokens" in output and "1 sessions" in output
    await _assert_purged(ended, live)


async def test_the_server_purges_periodically(db):
    ended, live = await _expired_world(db.settings)
    settings = db.settings.model_copy(update={"session_purge_minutes": 0.005})  # 0.3 s
    task = start_session_purge(settings)
    assert task is not None
    try:
        for _ in range(50):
            await asyncio.sleep(0.2)
            if await TokenFamily.filter(id=ended).count() == 0:
                break
    finally:
        task.cancel()
    await _assert_purged(ended, live)
