"""API keys: ADMIN-only management, shown once, stored hashed, both headers, revocation."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from crm_graphql.api.ids import to_global_id
from crm_graphql.api.roles import Role
from crm_graphql.domains.auth.models import ApiKey
from tests.auth.documents import API_KEYS, CREATE_API_KEY, ME, REVOKE_API_KEY, UNAUTHENTICATED
from tests.factories import make_api_key
from tests.helpers import count_statements


async def test_admin_creates_a_key_shown_once_and_stored_hashed(gql, db):
    data = await gql.data(CREATE_API_KEY, {"name": " Shop sync ", "role": "SALES"})
    created = data["createApiKey"]
    key = created["key"]
    assert key.startswith("crm_") and len(key) > 40
    record = created["apiKey"]
    assert record["name"] == "Shop sync"
    assert record["role"] == "SALES"
    assert key.startswith(record["prefix"]) and len(record["prefix"]) == 12
    assert record["createdBy"] == {"name": gql.user.name}
    assert record["lastUsedAt"] is None and record["revokedAt"] is None
    row = await ApiKey.get()
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    # The list never shows the key again.
    listed = await gql.execute(API_KEYS)
    assert key not in str(listed)
    assert listed["data"]["apiKeys"]["nodes"] == [
        {
            "id": record["id"],
            "name": "Shop sync",
            "prefix": record["prefix"],
            "role": "SALES",
            "lastUsedAt": None,
            "revokedAt": None,
        }
    ]


@pytest.mark.parametrize("header", ["Authorization", "X-API-Key"])
async def test_key_authenticates_with_either_header(header, gql, client_factory, db):
    created = (await gql.data(CREATE_API_KEY, {"name": "Books", "role": "ANALYST"}))["createApiKey"]
    value = f"Bearer {created['key']}" if header == "Authorization" else created["key"]
    client = await client_factory(headers={header: value})
    me = (await client.data(ME))["me"]
    assert me == {
        "id": created["apiKey"]["id"],
        "name": "Books",
        "role": "ANALYST",
        "kind": "API_KEY",
        "user": None,
    }


async def test_last_used_time_is_recorded_at_most_once_a_minute(client_factory, db):
    row, key = await make_api_key(Role.ANALYST)
    client = await client_factory(headers={"X-API-Key": key})
    before = datetime.now(UTC) - timedelta(seconds=1)
    await client.data(ME)
    first_use = (await ApiKey.get(pk=row.pk)).last_used_at
    assert first_use is not None and first_use >= before
    # Further requests within the minute do not write.
    with count_statements(include_authentication=True) as statements:
        await client.data(ME)
    assert [s for s in statements if s.upper().startswith("UPDATE")] == []
    assert (await ApiKey.get(pk=row.pk)).last_used_at == first_use
    # A minute later the next request records the new time.
    await ApiKey.filter(pk=row.pk).update(last_used_at=first_use - timedelta(minutes=2))
    await client.data(ME)
    assert (await ApiKey.get(pk=row.pk)).last_used_at >= before


async def test_revoked_key_stops_working_at_once(gql, client_factory, db):
    created = (await gql.data(CREATE_API_KEY, {"name": "Old", "role": "ADMIN"}))["createApiKey"]
    client = await client_factory(headers={"Authorization": f"Bearer {created['key']}"})
    assert (await client.data(ME))["me"]["kind"] == "API_KEY"
    revoked = await gql.data(REVOKE_API_KEY, {"id": created["apiKey"]["id"]})
    assert revoked["revokeApiKey"]["revokedAt"] is not None
    assert await client.execute(ME) == UNAUTHENTICATED
    # Revoked keys are listed only on request.
    assert (await gql.data(API_KEYS))["apiKeys"]["totalCount"] == 0
    listed = await gql.data(API_KEYS, {"includeRevoked": True})
    assert [n["name"] for n in listed["apiKeys"]["nodes"]] == ["Old"]


async def test_revoking_an_unknown_key_is_not_found(gql, db):
    error = await gql.error(REVOKE_API_KEY, {"id": to_global_id("ApiKey", 999)})
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = await gql.error(REVOKE_API_KEY, {"id": to_global_id("User", 1)})
    assert error["extensions"]["code"] == "INVALID_ID"


@pytest.mark.parametrize(
    "role", [Role.MANAGER, Role.SALES, Role.SUPPORT, Role.MARKETING, Role.ANALYST]
)
async def test_only_admins_manage_api_keys(role, gql_as, db):
    existing, _ = await make_api_key(Role.ANALYST, name="Existing")
    client = await gql_as(role)
    body = await client.execute(CREATE_API_KEY, {"name": "Mine", "role": "ADMIN"})
    assert body["data"] == {"createApiKey": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert body["errors"][0]["path"] == ["createApiKey"]
    assert await ApiKey.filter(name="Mine").count() == 0

    body = await client.execute(REVOKE_API_KEY, {"id": to_global_id("ApiKey", existing.pk)})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await ApiKey.get(pk=existing.pk)).revoked_at is None

    body = await client.execute(API_KEYS)
    assert body["data"] is None or body["data"]["apiKeys"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_key_with_a_non_admin_role_cannot_make_keys(client_factory, db):
    _, key = await make_api_key(Role.MANAGER)
    client = await client_factory(headers={"X-API-Key": key})
    body = await client.execute(CREATE_API_KEY, {"name": "Escalate", "role": "ADMIN"})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await ApiKey.all().count() == 1


async def test_an_admin_key_can_make_keys(client_factory, db):
    _, key = await make_api_key(Role.ADMIN)
    client = await client_factory(headers={"X-API-Key": key})
    created = (await client.data(CREATE_API_KEY, {"name": "Child", "role": "SALES"}))[
        "createApiKey"
    ]
    assert created["apiKey"]["createdBy"] is None


async def test_empty_key_name_is_refused(gql, db):
    error = await gql.error(CREATE_API_KEY, {"name": "  ", "role": "SALES"})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "name"
