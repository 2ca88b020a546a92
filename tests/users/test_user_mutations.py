"""User mutations: ADMIN only, unique e-mails, deactivation instead of deletion."""

from __future__ import annotations

import pytest

from crm_graphql.api import audit
from crm_graphql.api.roles import Role
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.auth.passwords import verify_password
from crm_graphql.domains.users.models import User
from tests.factories import gid, make_customer, make_user

FIELDS = "id name email role isActive version"
CREATE = f"""mutation($input: CreateUserInput!) {{ createUser(input: $input) {{
  user {{ {FIELDS} }} userErrors {{ field message code }} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: UpdateUserInput!) {{ updateUser(id: $id, input: $input) {{
  user {{ {FIELDS} }} userErrors {{ field code currentVersion }} }} }}"""


async def test_admin_creates_a_user_who_can_sign_in(gql, db):
    payload = (
        await gql.data(
            CREATE,
            {
                "input": {
                    "email": "New.Person@Example.COM",
                    "name": " New Person ",
                    "role": "SUPPORT",
                    "password": "correct horse battery",
                }
            },
        )
    )["createUser"]
    assert payload["userErrors"] == []
    created = payload["user"]
    assert (created["email"], created["name"], created["role"], created["isActive"]) == (
        "new.person@example.com",
        "New Person",
        "SUPPORT",
        True,
    )
    row = await User.get(email="new.person@example.com")
    assert await verify_password(row.password_hash, "correct horse battery")
    assert not await verify_password(row.password_hash, "wrong horse battery")
    event = await AuditEvent.get(action="user.create")
    assert event.changes["email"] == "[redacted]"
    assert event.changes["password"] == "[redacted]"


async def test_existing_email_is_a_duplicate_in_any_case(gql, db):
    await make_user(email="taken@example.com")
    payload = (
        await gql.data(
            CREATE, {"input": {"email": "TAKEN@example.com", "name": "Twin", "role": "SALES"}}
        )
    )["createUser"]
    assert payload["user"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "email"], "DUPLICATE")
    ]
    assert await User.filter(email="taken@example.com").count() == 1


async def test_every_problem_is_reported_at_once(gql, db):
    payload = (
        await gql.data(
            CREATE,
            {"input": {"email": "nope", "name": "", "role": "SALES", "password": "short"}},
        )
    )["createUser"]
    problems = {tuple(e["field"]): e["code"] for e in payload["userErrors"]}
    assert problems == {
        ("input", "email"): "INVALID",
        ("input", "name"): "REQUIRED",
        ("input", "password"): "OUT_OF_RANGE",
    }
    assert await User.filter(name="").count() == 0


async def test_deactivation_ends_access_and_versions_are_checked(gql, gql_as, db):
    member = await gql_as(Role.SALES)
    payload = (
        await gql.data(
            UPDATE,
            {"id": gid(member.user), "input": {"version": 1, "isActive": False, "name": "Gone"}},
        )
    )["updateUser"]
    assert payload["userErrors"] == []
    assert (payload["user"]["isActive"], payload["user"]["name"]) == (False, "Gone")
    assert payload["user"]["version"] == 2
    refused = await member.error("{ me { name } }")
    assert refused["extensions"]["code"] == "UNAUTHENTICATED"
    stale = (
        await gql.data(UPDATE, {"id": gid(member.user), "input": {"version": 1, "role": "ADMIN"}})
    )["updateUser"]
    assert stale["userErrors"] == [{"field": ["version"], "code": "CONFLICT", "currentVersion": 2}]
    assert (await User.get(pk=member.user.pk)).role == Role.SALES


async def test_admin_cannot_lock_themselves_out(gql, db):
    payload = (
        await gql.data(
            UPDATE,
            {"id": gid(gql.user), "input": {"version": 1, "isActive": False, "role": "SALES"}},
        )
    )["updateUser"]
    assert {tuple(e["field"]) for e in payload["userErrors"]} == {
        ("input", "isActive"),
        ("input", "role"),
    }
    row = await User.get(pk=gql.user.pk)
    assert (row.is_active, row.role, row.version) == (True, Role.ADMIN, 1)


async def test_not_found_and_wrong_id_type(gql, db):
    wrong = (await gql.data(UPDATE, {"id": gid(await make_customer()), "input": {"version": 1}}))[
        "updateUser"
    ]
    assert wrong["userErrors"] == [{"field": ["id"], "code": "INVALID_ID", "currentVersion": None}]
    gone = await make_user()
    await gone.delete()
    missing = (await gql.data(UPDATE, {"id": gid(gone), "input": {"version": 1}}))["updateUser"]
    assert missing["userErrors"] == [{"field": ["id"], "code": "NOT_FOUND", "currentVersion": None}]


async def test_failure_in_the_last_step_rolls_everything_back(gql, db, monkeypatch):
    async def fail_after_writing(*args, **kwargs):
        raise RuntimeError("audit storage unavailable")

    monkeypatch.setattr(audit, "record", fail_after_writing)
    body = await gql.execute(
        CREATE, {"input": {"email": "half@example.com", "name": "Half", "role": "SALES"}}
    )
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert await User.filter(email="half@example.com").count() == 0


@pytest.mark.parametrize("role", [Role.MANAGER, Role.SALES, Role.ANALYST])
async def test_only_admins_may_create_or_change_users(gql_as, db, role):
    client = await gql_as(role)
    created = (
        await client.data(
            CREATE, {"input": {"email": "x@example.com", "name": "X", "role": "ADMIN"}}
        )
    )["createUser"]
    assert created["userErrors"][0]["code"] == "FORBIDDEN"
    assert await User.filter(email="x@example.com").count() == 0
    promoted = (
        await client.data(
            UPDATE, {"id": gid(client.user), "input": {"version": 1, "role": "ADMIN"}}
        )
    )["updateUser"]
    assert promoted["userErrors"][0]["code"] == "FORBIDDEN"
    assert (await User.get(pk=client.user.pk)).role == role
