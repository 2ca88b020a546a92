"""Refresh-token rotation, reuse detection and logout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm_graphql.api.roles import Role
from crm_graphql.domains.auth.models import RefreshToken, RevocationReason, TokenFamily
from crm_graphql.domains.users.models import User
from tests.auth.documents import LOGIN, LOGOUT, ME, REFRESH, UNAUTHENTICATED
from tests.factories import make_api_key, make_user

PASSWORD = "a long enough password"

INVALID_REFRESH = {
    "data": {"refreshToken": None},
    "errors": [
        {
            "message": "Invalid refresh token.",
            "locations": [{"line": 3, "column": 3}],
            "path": ["refreshToken"],
            "extensions": {"code": "UNAUTHENTICATED"},
        }
    ],
}


async def _login(anon, email: str = "rita@example.com") -> dict:
    client = await anon()
    return (await client.data(LOGIN, {"email": email, "password": PASSWORD}))["login"]


def _bearer(client_factory, token: str):
    return client_factory(headers={"Authorization": f"Bearer {token}"})


async def test_refresh_rotates_both_tokens(anon, client_factory, db):
    await make_user(Role.SALES, password=PASSWORD, email="rita@example.com")
    first = await _login(anon)
    client = await anon()
    second = (await client.data(REFRESH, {"token": first["refreshToken"]}))["refreshToken"]
    assert second["refreshToken"] != first["refreshToken"]
    assert second["accessToken"] != first["accessToken"]
    assert second["user"]["name"]
    # The new pair works: the access token reads, the refresh token refreshes.
    assert (await (await _bearer(client_factory, second["accessToken"])).data(ME))["me"]
    third = (await client.data(REFRESH, {"token": second["refreshToken"]}))["refreshToken"]
    assert third["refreshToken"] not in (first["refreshToken"], second["refreshToken"])
    # Only digests are stored.
    stored = set(await RefreshToken.all().values_list("token_hash", flat=True))
    assert len(stored) == 3
    assert not stored & {first["refreshToken"], second["refreshToken"], third["refreshToken"]}


async def test_reusing_a_refresh_token_revokes_the_whole_session(anon, client_factory, db):
    await make_user(Role.SALES, password=PASSWORD, email="rita@example.com")
    first = await _login(anon)
    client = await anon()
    second = (await client.data(REFRESH, {"token": first["refreshToken"]}))["refreshToken"]

    # Someone else presents the first token again (it was stolen, or replayed).
    thief = await anon(client_address="203.0.113.50")
    assert await thief.execute(REFRESH, {"token": first["refreshToken"]}) == INVALID_REFRESH
    # The newer refresh token of the same session stops working too...
    assert await client.execute(REFRESH, {"token": second["refreshToken"]}) == INVALID_REFRESH
    # ...and so do the session's access tokens, at once.
    for access in (first["accessToken"], second["accessToken"]):
        body = await (await _bearer(client_factory, access)).execute(ME)
        assert body == UNAUTHENTICATED
    family = await TokenFamily.get()
    assert family.revoked_reason == RevocationReason.REUSE


async def test_reuse_in_one_session_leaves_the_users_other_sessions_alone(anon, client_factory, db):
    await make_user(Role.SALES, password=PASSWORD, email="rita@example.com")
    laptop = await _login(anon)
    phone = await _login(anon)
    client = await anon()
    await client.data(REFRESH, {"token": laptop["refreshToken"]})
    thief = await anon(client_address="203.0.113.50")
    await thief.execute(REFRESH, {"token": laptop["refreshToken"]})
    assert (await TokenFamily.filter(revoked_at__isnull=False).count()) == 1
    assert (await (await _bearer(client_factory, phone["accessToken"])).data(ME))["me"]
    assert (await client.data(REFRESH, {"token": phone["refreshToken"]}))["refreshToken"]


async def test_unknown_expired_and_deactivated_refresh_tokens_are_refused(anon, db):
    user = await make_user(Role.SALES, password=PASSWORD, email="rita@example.com")
    client = await anon()
    assert await client.execute(REFRESH, {"token": "made-up"}) == INVALID_REFRESH
    assert await client.execute(REFRESH, {"token": ""}) == INVALID_REFRESH

    expired = await _login(anon)
    await RefreshToken.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert await client.execute(REFRESH, {"token": expired["refreshToken"]}) == INVALID_REFRESH

    fresh = await _login(anon)
    await User.filter(pk=user.pk).update(is_active=False)
    assert await client.execute(REFRESH, {"token": fresh["refreshToken"]}) == INVALID_REFRESH


async def test_logout_ends_the_session_of_the_token_used(anon, client_factory, db):
    await make_user(Role.SALES, password=PASSWORD, email="rita@example.com")
    laptop = await _login(anon)
    phone = await _login(anon)
    signed_in = await _bearer(client_factory, laptop["accessToken"])
    assert (await signed_in.data(LOGOUT))["logout"] == {"endedSessions": 1}
    # The laptop's access and refresh tokens stop working...
    assert await signed_in.execute(ME) == UNAUTHENTICATED
    client = await anon()
    assert await client.execute(REFRESH, {"token": laptop["refreshToken"]}) == INVALID_REFRESH
    # ...the phone's session goes on.
    assert (await (await _bearer(client_factory, phone["accessToken"])).data(ME))["me"]
    assert (await client.data(REFRESH, {"token": phone["refreshToken"]}))["refreshToken"]


async def test_logout_everywhere_ends_every_session_of_the_user(anon, client_factory, db):
    await make_user(Role.SALES, password=PASSWORD, email="rita@example.com")
    await make_user(Role.SALES, password=PASSWORD, email="other@example.com")
    sessions = [await _login(anon) for _ in range(3)]
    other = await _login(anon, "other@example.com")
    signed_in = await _bearer(client_factory, sessions[0]["accessToken"])
    data = await signed_in.data(LOGOUT, {"everywhere": True})
    assert data["logout"] == {"endedSessions": 3}
    client = await anon()
    for session in sessions:
        assert await (await _bearer(client_factory, session["accessToken"])).execute(ME) == (
            UNAUTHENTICATED
        )
        assert await client.execute(REFRESH, {"token": session["refreshToken"]}) == INVALID_REFRESH
    assert (await (await _bearer(client_factory, other["accessToken"])).data(ME))["me"]


async def test_logout_needs_credentials(anon, db):
    assert await (await anon()).execute(LOGOUT) == UNAUTHENTICATED


async def test_logout_with_an_api_key_is_a_user_error(client_factory, db):
    _, key = await make_api_key(Role.ADMIN)
    client = await client_factory(headers={"X-API-Key": key})
    error = await client.error(LOGOUT)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
