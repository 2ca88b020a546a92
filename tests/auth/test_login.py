"""Signing in with e-mail and password: tokens, identical failures, throttling."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt

from crm_graphql.api.roles import Role
from crm_graphql.domains.auth.models import LoginAttempt
from crm_graphql.domains.users.models import User
from tests.auth.documents import LOGIN, ME
from tests.conftest import TEST_JWT_SECRET
from tests.factories import gid, make_user

PASSWORD = "correct horse battery staple"


async def test_login_returns_tokens_and_the_user(anon, db):
    user = await make_user(Role.MANAGER, password=PASSWORD, name="Mia", email="mia@example.com")
    client = await anon()
    before = datetime.now(UTC).replace(microsecond=0)
    data = await client.data(LOGIN, {"email": "mia@example.com", "password": PASSWORD})
    session = data["login"]
    assert session["user"] == {"id": gid(user), "name": "Mia"}
    assert (session["email"], session["role"]) == ("mia@example.com", "MANAGER")
    assert session["tokenType"] == "Bearer"
    expires = datetime.fromisoformat(session["expiresAt"])
    assert before + timedelta(minutes=15) <= expires <= before + timedelta(minutes=16)
    refresh_expires = datetime.fromisoformat(session["refreshTokenExpiresAt"])
    assert refresh_expires - expires > timedelta(days=29)
    claims = jwt.decode(
        session["accessToken"],
        TEST_JWT_SECRET,
        algorithms=["HS256"],
        audience="crm-graphql-api",
        issuer="crm-graphql",
    )
    assert claims["sub"] == str(user.pk)
    assert claims["role"] == "MANAGER"
    assert {"iat", "exp", "jti", "sid"} <= claims.keys()
    assert jwt.get_unverified_header(session["accessToken"])["alg"] == "HS256"
    assert session["refreshToken"] != session["accessToken"]


async def test_access_token_from_login_authenticates_requests(anon, client_factory, db):
    user = await make_user(Role.ANALYST, password=PASSWORD, email="ana@example.com")
    client = await anon()
    data = await client.data(LOGIN, {"email": "ana@example.com", "password": PASSWORD})
    token = data["login"]["accessToken"]
    signed_in = await client_factory(headers={"Authorization": f"Bearer {token}"})
    me = (await signed_in.data(ME))["me"]
    assert me == {
        "id": gid(user),
        "name": user.name,
        "role": "ANALYST",
        "kind": "USER",
        "user": {"id": gid(user), "name": user.name},
    }


async def test_email_is_matched_without_regard_to_case_and_blanks(anon, db):
    await make_user(password=PASSWORD, email="sam@example.com")
    client = await anon()
    data = await client.data(LOGIN, {"email": "  Sam@Example.COM ", "password": PASSWORD})
    assert data["login"]["accessToken"]


async def test_wrong_password_unknown_email_and_inactive_user_get_identical_answers(anon, db):
    await make_user(password=PASSWORD, email="known@example.com")
    await make_user(password=PASSWORD, email="gone@example.com", is_active=False)
    await make_user(email="apionly@example.com")  # no password at all
    client = await anon()
    answers = [
        await client.execute(LOGIN, {"email": email, "password": password})
        for email, password in [
            ("known@example.com", "wrong password"),
            ("nobody@example.com", "wrong password"),
            ("nobody@example.com", PASSWORD),
            ("gone@example.com", PASSWORD),
        ]
    ]
    expected = {
        "data": {"login": None},
        "errors": [
            {
                "message": "Invalid e-mail or password.",
                "locations": [{"line": 3, "column": 3}],
                "path": ["login"],
                "extensions": {"code": "INVALID_CREDENTIALS"},
            }
        ],
    }
    assert answers == [expected] * 4
    # A user without a password cannot sign in either, whatever is typed.
    client2 = await anon(client_address="10.9.9.9")
    answer = await client2.execute(LOGIN, {"email": "apionly@example.com", "password": ""})
    assert answer == expected


async def test_unknown_email_takes_about_as_long_as_a_wrong_password(anon, db):
    await make_user(password=PASSWORD, email="known@example.com")

    async def fastest(email: str, address: str) -> float:
        client = await anon(client_address=address)
        times = []
        for _ in range(3):
            started = time.perf_counter()
            body = await client.execute(LOGIN, {"email": email, "password": "wrong password"})
            times.append(time.perf_counter() - started)
            assert body["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS"
        return min(times)

    known = await fastest("known@example.com", "10.0.0.1")
    unknown = await fastest("unknown@example.com", "10.0.0.2")
    # Both verify an argon2 hash (tens of milliseconds); without the dummy
    # verification an unknown e-mail would answer many times faster.
    assert unknown > known * 0.5, (known, unknown)
    assert known > unknown * 0.5, (known, unknown)


async def _fail(client, email: str) -> str:
    body = await client.execute(LOGIN, {"email": email, "password": "wrong password"})
    return body["errors"][0]["extensions"]["code"]


async def test_failures_from_other_addresses_do_not_lock_the_owner_out(anon, db):
    await make_user(password=PASSWORD, email="target@example.com")
    for n in range(5):
        attacker = await anon(client_address=f"203.0.113.{n}")
        assert await _fail(attacker, "target@example.com") == "INVALID_CREDENTIALS"
    owner = await anon(client_address="198.51.100.1")
    data = await owner.data(LOGIN, {"email": "target@example.com", "password": PASSWORD})
    assert data["login"]["accessToken"]


async def test_failures_of_one_email_from_one_address_make_it_wait(anon, db):
    await make_user(password=PASSWORD, email="target@example.com")
    attacker = await anon(client_address="203.0.113.5")
    for _ in range(5):
        assert await _fail(attacker, "target@example.com") == "INVALID_CREDENTIALS"
    body = await attacker.execute(LOGIN, {"email": "target@example.com", "password": PASSWORD})
    assert body["data"] == {"login": None}
    assert body["errors"][0]["extensions"]["code"] == "TOO_MANY_ATTEMPTS"
    assert body["errors"][0]["message"] == "Too many failed login attempts. Try again later."


async def test_many_failures_from_an_address_block_it_for_every_email(anon, db):
    await make_user(password=PASSWORD, email="victim@example.com")
    attacker = await anon(client_address="203.0.113.66")
    for n in range(db.settings.login_max_failures_per_address):
        assert await _fail(attacker, f"guess{n}@example.com") == "INVALID_CREDENTIALS"
    body = await attacker.execute(LOGIN, {"email": "victim@example.com", "password": PASSWORD})
    assert body["errors"][0]["extensions"]["code"] == "TOO_MANY_ATTEMPTS"
    # The same e-mail from another address is fine.
    other = await anon(client_address="198.51.100.2")
    data = await other.data(LOGIN, {"email": "victim@example.com", "password": PASSWORD})
    assert data["login"]["email"] == "victim@example.com"


async def test_throttle_lifts_when_the_failures_leave_the_window(anon, db):
    await make_user(password=PASSWORD, email="patient@example.com")
    client = await anon(client_address="203.0.113.9")
    for _ in range(5):
        await _fail(client, "patient@example.com")
    assert await _fail(client, "patient@example.com") == "TOO_MANY_ATTEMPTS"
    # Refused attempts are not recorded: they do not extend the lock.
    assert await LoginAttempt.filter(email="patient@example.com").count() == 5
    # Fifteen minutes later (the rows' clock moved back instead of waiting).
    await LoginAttempt.all().update(attempted_at=datetime.now(UTC) - timedelta(minutes=16))
    data = await client.data(LOGIN, {"email": "patient@example.com", "password": PASSWORD})
    assert data["login"]["accessToken"]


async def test_successful_login_is_not_counted_as_a_failure(anon, db):
    await make_user(password=PASSWORD, email="often@example.com")
    client = await anon()
    for _ in range(7):
        data = await client.data(LOGIN, {"email": "often@example.com", "password": PASSWORD})
        assert data["login"]["accessToken"]
    assert await LoginAttempt.all().count() == 0


async def test_login_ignores_stale_credentials_in_the_headers(client_factory, db):
    # GraphiQL keeps the last token in its headers; signing in again must still work.
    await make_user(password=PASSWORD, email="back@example.com")
    client = await client_factory(headers={"Authorization": "Bearer expired.or.garbage"})
    data = await client.data(LOGIN, {"email": "back@example.com", "password": PASSWORD})
    assert data["login"]["accessToken"]


async def test_outdated_hash_parameters_are_upgraded_on_login(anon, db):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    user = await make_user(email="old@example.com", password_hash=weak)
    client = await anon()
    await client.data(LOGIN, {"email": "old@example.com", "password": PASSWORD})
    upgraded = (await User.get(pk=user.pk)).password_hash
    assert upgraded != weak and upgraded.startswith("$argon2id$")
    assert await client.data(LOGIN, {"email": "old@example.com", "password": PASSWORD})
