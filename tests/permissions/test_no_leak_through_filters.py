"""A role may not learn through filters, sorting or search what it may not read."""

from __future__ import annotations

import pytest

from crm_graphql.api.roles import Role
from tests.factories import make_company, make_customer


@pytest.mark.parametrize(
    ("role", "query"),
    [
        (Role.ANALYST, '{ customers(filter: {email: {contains: "a"}}) { nodes { id } } }'),
        (Role.ANALYST, '{ customers(filter: {or: [{email: {eq: "x"}}]}) { nodes { id } } }'),
        (Role.ANALYST, "{ customers(orderBy: [{field: EMAIL}]) { nodes { id } } }"),
        (Role.SUPPORT, '{ orders(filter: {total: {gt: "100"}}) { nodes { id } } }'),
        (Role.MARKETING, "{ orders(orderBy: [{field: TOTAL}]) { nodes { id } } }"),
        (Role.SUPPORT, '{ opportunities(filter: {amount: {gt: "1"}}) { nodes { id } } }'),
        (Role.SALES, '{ users(filter: {email: {startsWith: "a"}}) { nodes { id } } }'),
        (Role.MANAGER, "{ users(filter: {role: {eq: ADMIN}}) { nodes { id } } }"),
    ],
)
async def test_filtering_or_sorting_on_a_hidden_field_is_forbidden(gql_as, db, role, query):
    client = await gql_as(role)
    error = await client.error(query)
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_search_does_not_match_email_for_roles_that_cannot_read_it(gql_as, db):
    acme = await make_company(name="Acme")
    await make_customer(first_name="Ann", email="secret.person@hidden.example", company=acme)
    query = '{ customers(search: "hidden") { totalCount } }'
    analyst = await gql_as(Role.ANALYST)
    sales = await gql_as(Role.SALES)
    assert (await analyst.data(query))["customers"]["totalCount"] == 0
    assert (await sales.data(query))["customers"]["totalCount"] == 1
    by_company = '{ customers(search: "acme") { totalCount } }'
    assert (await analyst.data(by_company))["customers"]["totalCount"] == 1


async def test_allowed_roles_still_filter_on_guarded_fields(gql_as, db):
    await make_customer(email="anna@alpha.example")
    manager = await gql_as(Role.MANAGER)
    data = await manager.data('{ customers(filter: {email: {contains: "alpha"}}) { totalCount } }')
    assert data["customers"]["totalCount"] == 1
