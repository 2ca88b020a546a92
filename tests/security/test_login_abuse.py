"""Login abuse: locking an account out, posing as other addresses, burning the
server's CPU with password checks, and filling the audit log with refusals."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from crm_graphql.api.auth import address_bucket
from crm_graphql.api.roles import Role
from crm_graphql.app import create_app
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.auth import services
from crm_graphql.domains.auth.models import LoginAttempt, LoginRefusal
from crm_graphql.domains.auth.services import flush_refusals, report_refusals
from tests.auth.documents import LOGIN
from tests.factories import make_user
from tests.server import running_server

PASSWORD = "correct horse battery staple"


async def _code(client, email: str, password: str = "wrong password") -> str | None:
    body = await client.execute(LOGIN, {"email": email, "password": password})
    errors = body.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


async def test_an_attacker_cannot_lock_the_admin_out(anon, db):
    await make_user(Role.ADMIN, password=PASSWORD, email="root@example.com")
    attacker = await anon(client_address="203.0.113.7")
    codes = [await _code(attacker, "root@example.com") for _ in range(8)]
    assert codes[:5] == ["INVALID_CREDENTIALS"] * 5
    assert set(codes[5:]) == {"TOO_MANY_ATTEMPTS"}  # the attacker waits...
    # ...but the owner, from anywhere else, signs in at once.
    owner = await anon(client_address="198.51.100.20")
    assert await _code(owner, "root@example.com", PASSWORD) is None


async def test_the_wait_of_one_address_grows_with_each_further_failure(anon, db):
    await make_user(password=PASSWORD, email="slow@example.com")
    attacker = await anon(client_address="203.0.113.8")
    for _ in range(5):
        await _code(attacker, "slow@example.com")
    # 40 seconds later the first wait (30 s) is over: one more guess is checked...
    await LoginAttempt.all().update(attempted_at=datetime.now(UTC) - timedelta(seconds=40))
    assert await _code(attacker, "slow@example.com") == "INVALID_CREDENTIALS"
    # ...and after it the wait doubles: 40 seconds are not enough any more.
    await LoginAttempt.all().update(attempted_at=datetime.now(UTC) - timedelta(seconds=40))
    assert await _code(attacker, "slow@example.com", PASSWORD) == "TOO_MANY_ATTEMPTS"
    await LoginAttempt.all().update(attempted_at=datetime.now(UTC) - timedelta(seconds=70))
    assert await _code(attacker, "slow@example.com", PASSWORD) is None


async def test_ipv6_addresses_of_one_network_count_as_one_client(anon, db):
    await make_user(password=PASSWORD, email="six@example.com")
    for n in range(5):
        attacker = await anon(client_address=f"2001:db8:1:2::{n + 1:x}")
        assert await _code(attacker, "six@example.com") == "INVALID_CREDENTIALS"
    same_64 = await anon(client_address="2001:db8:1:2:ffff::9")
    assert await _code(same_64, "six@example.com", PASSWORD) == "TOO_MANY_ATTEMPTS"
    other_64 = await anon(client_address="2001:db8:1:3::1")
    assert await _code(other_64, "six@example.com", PASSWORD) is None
    assert address_bucket("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert address_bucket("::ffff:192.0.2.1") == "192.0.2.1"


async def _login_from(app, peer: str, forwarded: str, email: str) -> str | None:
    transport = httpx.ASGITransport(app=app, client=(peer, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://crm.test") as http:
        body = (
            await http.post(
                "/graphql",
                json={"query": LOGIN, "variables": {"email": email, "password": "nope-nope"}},
                headers={"X-Forwarded-For": forwarded},
            )
        ).json()
    return body["errors"][0]["extensions"]["code"]


async def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(db):
    settings = db.settings.model_copy(update={"login_max_failures_per_address": 3})
    app = create_app(settings)
    codes = [
        await _login_from(app, "127.0.0.1", f"198.51.100.{n}", f"a{n}@example.com")
        for n in range(4)
    ]
    # Four "different" clients are one: the address a same-host client sent is ignored.
    assert codes == ["INVALID_CREDENTIALS"] * 3 + ["TOO_MANY_ATTEMPTS"]
    addresses = await AuditEvent.filter(action="auth.login_failed").values_list(
        "client_address", flat=True
    )
    assert set(addresses) == {"127.0.0.1"}

    trusted = create_app(settings.model_copy(update={"trusted_proxies": ["10.0.0.0/8"]}))
    code = await _login_from(trusted, "10.1.2.3", "192.0.2.50", "b@example.com")
    assert code == "INVALID_CREDENTIALS"
    last = await AuditEvent.filter(action="auth.login_failed").order_by("-id").first()
    assert last is not None and last.client_address == "192.0.2.50"


def test_serve_does_not_trust_forwarded_for_from_loopback(tmp_path):
    # uvicorn alone would trust X-Forwarded-For from 127.0.0.1 (and FORWARDED_ALLOW_IPS).
    with running_server(
        tmp_path,
        "--demo",
        CRM_LOGIN_MAX_FAILURES_PER_ADDRESS="3",
        FORWARDED_ALLOW_IPS="*",
    ) as base:
        codes = []
        for n in range(4):
            body = httpx.post(
                f"{base}/graphql",
                json={
                    "query": LOGIN,
                    "variables": {"email": f"x{n}@example.com", "password": "nope-nope"},
                },
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
                timeout=30,
            ).json()
            codes.append(body["errors"][0]["extensions"]["code"])
    assert codes == ["INVALID_CREDENTIALS"] * 3 + ["TOO_MANY_ATTEMPTS"]


async def test_parallel_logins_beyond_the_cap_are_throttled_without_hashing(db, monkeypatch):
    # No wait for a turn: whoever finds the one slot taken is refused at once.
    monkeypatch.setattr(services, "BUSY_WAIT_SECONDS", 0)
    await make_user(password=PASSWORD, email="busy@example.com")
    settings = db.settings.model_copy(update={"login_max_password_checks": 1})
    app = create_app(settings)

    async def attempt(n: int) -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(f"192.0.2.{n}", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://crm.test") as http:
            return await http.post(
                "/graphql",
                json={
                    "query": LOGIN,
                    "variables": {"email": "busy@example.com", "password": "wrong password"},
                },
            )

    responses = await asyncio.gather(*(attempt(n) for n in range(6)))
    codes = [r.json()["errors"][0]["extensions"]["code"] for r in responses]
    throttled = [r for r, code in zip(responses, codes, strict=True) if code == "THROTTLED"]
    assert throttled, codes
    assert set(codes) == {"THROTTLED", "INVALID_CREDENTIALS"}
    assert all(r.headers["Retry-After"] == "1" for r in throttled)
    # A throttled login checked no password and counts as no failure.
    assert await LoginAttempt.all().count() == codes.count("INVALID_CREDENTIALS")
    # Once the others are done, the next one is served.
    assert (await attempt(99)).json()["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS"


async def test_a_flood_of_refused_logins_writes_one_audit_event_per_window(anon, db):
    await flush_refusals()  # counts another test left in this process
    await LoginRefusal.all().delete()
    await make_user(password=PASSWORD, email="flood@example.com")
    attacker = await anon(client_address="203.0.113.99")
    for _ in range(5):
        await _code(attacker, "flood@example.com")
    refused = [await _code(attacker, "flood@example.com") for _ in range(30)]
    assert set(refused) == {"TOO_MANY_ATTEMPTS"}
    assert await AuditEvent.filter(action="auth.login_failed").count() == 5
    assert await AuditEvent.filter(action="auth.login_throttled").count() == 0
    # Counted in the process (no database write per refusal), then written per window.
    assert await LoginRefusal.all().count() <= 1
    await flush_refusals()
    (window,) = await LoginRefusal.filter(client_address="203.0.113.99")
    assert (window.client_address, window.count) == ("203.0.113.99", 30)
    # When the window is over, its one event says how many were refused.
    await LoginRefusal.all().update(window_start=window.window_start - timedelta(minutes=30))
    assert await report_refusals(db.settings.login_window_minutes) == 1
    assert await report_refusals(db.settings.login_window_minutes) == 0
    (event,) = await AuditEvent.filter(action="auth.login_throttled")
    assert event.client_address == "203.0.113.99"
    assert event.changes["refused"] == 30


@pytest.mark.parametrize("typed", ["myädmin@example.com", "MYÄDMIN@example.com"])
async def test_an_accented_email_does_not_sign_in_as_the_plain_one(anon, db, typed):
    await make_user(Role.ADMIN, password=PASSWORD, email="myadmin@example.com")
    client = await anon()
    assert await _code(client, typed, PASSWORD) == "INVALID_CREDENTIALS"
    assert await _code(client, "MyAdmin@example.com", PASSWORD) is None


async def test_a_short_burst_of_logins_waits_its_turn_instead_of_failing(db, monkeypatch):
    monkeypatch.setattr(services, "BUSY_WAIT_SECONDS", 60)
    await make_user(password=PASSWORD, email="burst@example.com")
    app = create_app(db.settings.model_copy(update={"login_max_password_checks": 1}))

    async def attempt(n: int) -> dict:
        transport = httpx.ASGITransport(app=app, client=(f"192.0.2.{n}", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://crm.test") as http:
            variables = {"email": "burst@example.com", "password": PASSWORD}
            response = await http.post("/graphql", json={"query": LOGIN, "variables": variables})
            return response.json()

    bodies = await asyncio.gather(*(attempt(n) for n in range(3)))
    assert all(body["data"]["login"]["accessToken"] for body in bodies), bodies
