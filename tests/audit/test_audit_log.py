"""The audit log: sign-ins, failures, sign-outs, API keys; in the change's transaction."""

from __future__ import annotations

import pytest

from crm_graphql.api import audit
from crm_graphql.api.audit import AuditMeta, redact
from crm_graphql.api.roles import Role
from crm_graphql.db.audit import AuditEvent, AuditEventImmutable
from crm_graphql.domains.auth import mutations as auth_mutations
from crm_graphql.domains.auth.models import ApiKey
from tests.auth.documents import CREATE_API_KEY, LOGIN, LOGOUT, REVOKE_API_KEY
from tests.factories import make_api_key, make_user

PASSWORD = "a long enough password"
EVENTS = """query($filter: AuditEventFilter) { auditEvents(filter: $filter) {
  totalCount nodes { action actorUserId actorLabel entityType entityId changes
                     clientAddress requestId occurredAt } } }"""


async def _events(action: str) -> list[AuditEvent]:
    return await AuditEvent.filter(action=action).order_by("id")


async def test_login_and_logout_are_recorded_with_request_and_address(anon, gql_as, db):
    user = await make_user(Role.SALES, password=PASSWORD, name="Sam", email="sam@example.com")
    client = await anon(client_address="198.51.100.7")
    body = await client.execute(
        LOGIN,
        {"email": "sam@example.com", "password": PASSWORD},
        **{"X-Request-ID": "req-login-0001"},
    )
    assert body["data"]["login"]["accessToken"]
    (event,) = await _events("auth.login")
    assert (event.actor_user_id, event.actor_label) == (user.pk, "Sam")
    assert (event.entity_type, event.entity_id) == ("User", str(user.pk))
    assert (event.client_address, event.request_id) == ("198.51.100.7", "req-login-0001")

    token = body["data"]["login"]["accessToken"]
    signed_in = await anon(headers={"Authorization": f"Bearer {token}"})
    await signed_in.data(LOGOUT)
    (logout,) = await _events("auth.logout")
    assert logout.actor_user_id == user.pk
    assert logout.changes == {"everywhere": False, "ended_sessions": 1}


async def test_failed_login_is_recorded_without_the_password_or_email(anon, db):
    user = await make_user(Role.SALES, password=PASSWORD, email="kim@example.com")
    client = await anon()
    await client.execute(LOGIN, {"email": "kim@example.com", "password": "wrong guess"})
    await client.execute(LOGIN, {"email": "nobody@example.com", "password": "wrong guess"})
    known, unknown = await _events("auth.login_failed")
    assert (known.entity_type, known.entity_id) == ("User", str(user.pk))
    assert known.changes == {"reason": "INVALID_CREDENTIALS"}
    assert unknown.entity_id is None
    for event in (known, unknown):
        assert event.actor_user_id is None
        text = str(event.changes) + str(event.actor_label)
        assert "wrong guess" not in text and "@example.com" not in text


async def test_api_key_creation_revocation_and_use(gql, client_factory, db):
    created = await gql.data(CREATE_API_KEY, {"name": "Shop sync", "role": "SALES"})
    key = created["createApiKey"]["key"]
    key_id = created["createApiKey"]["apiKey"]["id"]
    (create,) = await _events("api_key.create")
    assert create.actor_user_id == gql.user.pk
    assert create.changes == {"name": "Shop sync", "role": "SALES"}

    integration = await client_factory(headers={"X-API-Key": key})
    for _ in range(3):
        await integration.data("{ me { name } }")
    (use,) = await _events("api_key.use")  # recorded at most once a minute per key
    assert (use.actor_label, use.entity_type) == ("Shop sync", "ApiKey")

    await gql.data(REVOKE_API_KEY, {"id": key_id})
    (revoke,) = await _events("api_key.revoke")
    assert revoke.entity_id == create.entity_id


async def test_audit_event_is_rolled_back_with_its_change(gql, db, monkeypatch):
    async def record_then_fail(*args, **kwargs):
        await audit.record(*args, **kwargs)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(auth_mutations.audit, "record", record_then_fail)
    body = await gql.execute(CREATE_API_KEY, {"name": "Never", "role": "SALES"})
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert await ApiKey.filter(name="Never").count() == 0
    assert await AuditEvent.filter(action="api_key.create").count() == 0


async def test_only_admins_read_the_audit_log(gql, gql_as, db):
    await make_api_key()
    await gql.data(CREATE_API_KEY, {"name": "Visible", "role": "ANALYST"})
    data = await gql.data(EVENTS, {"filter": {"action": {"eq": "api_key.create"}}})
    assert data["auditEvents"]["totalCount"] == 1
    assert data["auditEvents"]["nodes"][0]["actorLabel"] == gql.user.name
    for role in (Role.MANAGER, Role.ANALYST, Role.SALES):
        body = await (await gql_as(role)).execute(EVENTS)
        assert body["data"]["auditEvents"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_audit_events_cannot_be_changed_or_deleted(db):
    event = await audit.record("test.action", AuditMeta(actor_label="tester"))
    event.action = "tampered"
    with pytest.raises(AuditEventImmutable):
        await event.save()
    with pytest.raises(AuditEventImmutable):
        await event.delete()
    assert (await AuditEvent.get(pk=event.pk)).action == "test.action"


def test_personal_data_is_redacted_from_diffs():
    assert redact({"email": "a@b.c", "phone": "+1", "tags": ["vip"], "body": "hi"}) == {
        "email": "[redacted]",
        "phone": "[redacted]",
        "tags": ["vip"],
        "body": "[redacted]",
    }
