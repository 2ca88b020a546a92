"""Custom fields: declared by ADMIN with a type; customer values are checked against it."""

from __future__ import annotations

from crm_graphql.api.roles import Role
from crm_graphql.domains.customers.models import Customer

DEFINE = """mutation($input: DefineCustomFieldInput!) { defineCustomField(input: $input) {
  definition { key label type } userErrors { field code } } }"""
CREATE = """mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
  customer { customFields } userErrors { field code } } }"""


async def _define(client, key: str, kind: str) -> dict:
    data = await client.data(DEFINE, {"input": {"key": key, "label": key.title(), "type": kind}})
    return data["defineCustomField"]


async def test_values_must_match_the_declared_types(gql, db):
    for key, kind in [
        ("shoe_size", "NUMBER"),
        ("vip", "BOOLEAN"),
        ("since", "DATE"),
        ("nickname", "TEXT"),
    ]:
        assert (await _define(gql, key, kind))["userErrors"] == []
    good = {"shoe_size": 42.5, "vip": True, "since": "2020-02-29", "nickname": "Ace"}
    created = (
        await gql.data(CREATE, {"input": {"firstName": "A", "lastName": "B", "customFields": good}})
    )["createCustomer"]
    assert created["customer"]["customFields"] == good
    bad = {"shoe_size": "big", "vip": "yes", "since": "2020-02-30", "unknown": 1}
    refused = (
        await gql.data(CREATE, {"input": {"firstName": "A", "lastName": "C", "customFields": bad}})
    )["createCustomer"]
    assert {tuple(e["field"]): e["code"] for e in refused["userErrors"]} == {
        ("input", "customFields", "shoe_size"): "INVALID",
        ("input", "customFields", "vip"): "INVALID",
        ("input", "customFields", "since"): "INVALID",
        ("input", "customFields", "unknown"): "NOT_FOUND",
    }
    assert await Customer.filter(last_name="C").count() == 0
    listed = await gql.data("{ customFieldDefinitions { key type } }")
    assert [d["key"] for d in listed["customFieldDefinitions"]] == [
        "nickname",
        "shoe_size",
        "since",
        "vip",
    ]


async def test_only_admin_defines_fields_and_keys_are_unique(gql, gql_as, db):
    assert (await _define(gql, "tier", "TEXT"))["userErrors"] == []
    again = await _define(gql, "tier", "NUMBER")
    assert again["userErrors"] == [{"field": ["input", "key"], "code": "DUPLICATE"}]
    malformed = await _define(gql, "Bad Key", "TEXT")
    assert malformed["userErrors"] == [{"field": ["input", "key"], "code": "INVALID"}]
    manager = await gql_as(Role.MANAGER)
    refused = await _define(manager, "region_code", "TEXT")
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"
