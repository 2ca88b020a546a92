"""API keys act for the ADMIN who created them: deactivating that ADMIN stops them."""

from __future__ import annotations

from crm_graphql.api.roles import Role
from tests.auth.documents import CREATE_API_KEY
from tests.factories import gid

UPDATE_USER = """mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) {
  user { isActive } userErrors { field code } } }"""
CUSTOMERS = "{ customers(first: 1) { totalCount } }"


async def test_keys_stop_working_when_their_creator_is_deactivated(gql_as, client_factory, db):
    leaver = await gql_as(Role.ADMIN, email="leaver@example.com")
    other_admin = await gql_as(Role.ADMIN, email="stays@example.com")
    created = (await leaver.data(CREATE_API_KEY, {"name": "Shop sync", "role": "MANAGER"}))[
        "createApiKey"
    ]
    kept = (await other_admin.data(CREATE_API_KEY, {"name": "Books", "role": "ANALYST"}))[
        "createApiKey"
    ]
    integration = await client_factory(headers={"X-API-Key": created["key"]})
    assert (await integration.data(CUSTOMERS))["customers"]["totalCount"] == 0

    payload = (
        await other_admin.data(
            UPDATE_USER,
            {"id": gid(leaver.user), "input": {"isActive": False, "version": leaver.user.version}},
        )
    )["updateUser"]
    assert payload == {"user": {"isActive": False}, "userErrors": []}

    error = await integration.error(CUSTOMERS)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    # Keys of other administrators are not affected.
    books = await client_factory(headers={"X-API-Key": kept["key"]})
    assert (await books.data(CUSTOMERS))["customers"]["totalCount"] == 0
