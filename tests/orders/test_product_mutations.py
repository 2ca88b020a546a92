"""Product mutations: validation, unique SKU, versioned updates, delete or deactivate."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm_graphql.api.roles import Role
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.orders.models import Product
from tests.factories import gid, make_customer, make_order, make_product

FIELDS = "id sku name description unitPrice currency active version"
ERRORS = "userErrors { field message code currentVersion }"
CREATE = f"""mutation($input: CreateProductInput!) {{ createProduct(input: $input) {{
  product {{ {FIELDS} }} {ERRORS} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: UpdateProductInput!) {{
  updateProduct(id: $id, input: $input) {{ product {{ {FIELDS} }} {ERRORS} }} }}"""
DELETE = f"""mutation($id: ID!) {{ deleteProduct(id: $id) {{ product {{ id sku }} {ERRORS} }} }}"""


def codes(payload: dict) -> dict[tuple[str, ...], str]:
    return {tuple(e["field"]): e["code"] for e in payload["userErrors"]}


async def test_create_product_cleans_values_and_records_audit(gql, db):
    payload = (
        await gql.data(
            CREATE,
            {
                "input": {
                    "sku": " WID-1 ",
                    "name": "Widget <b>",
                    "unitPrice": "12.5",
                    "currency": "eur",
                }
            },
        )
    )["createProduct"]
    assert payload["userErrors"] == []
    product = payload["product"]
    assert (product["sku"], product["name"], product["currency"]) == ("WID-1", "Widget <b>", "EUR")
    assert Decimal(product["unitPrice"]) == Decimal("12.50")
    assert (product["active"], product["version"]) == (True, 1)
    event = await AuditEvent.get(action="product.create")
    assert event.changes["sku"] == "WID-1"


async def test_create_product_reports_every_problem_at_once(gql, db):
    payload = (
        await gql.data(
            CREATE,
            {
                "input": {
                    "sku": "",
                    "name": "x" * 201,
                    "description": "d" * 10_001,
                    "unitPrice": "-1.999",
                    "currency": "XXX1",
                }
            },
        )
    )["createProduct"]
    assert payload["product"] is None
    assert codes(payload) == {
        ("input", "sku"): "REQUIRED",
        ("input", "name"): "TOO_LONG",
        ("input", "description"): "TOO_LONG",
        ("input", "unitPrice"): "INVALID",
        ("input", "currency"): "INVALID",
    }
    negative = (
        await gql.data(
            CREATE, {"input": {"sku": "N", "name": "N", "unitPrice": "-1", "currency": "USD"}}
        )
    )["createProduct"]
    assert codes(negative) == {("input", "unitPrice"): "OUT_OF_RANGE"}
    assert await Product.all().count() == 0


async def test_duplicate_sku_is_a_user_error_on_create_and_update(gql, db):
    await make_product(sku="TAKEN")
    other = await make_product(sku="FREE")
    created = (
        await gql.data(
            CREATE, {"input": {"sku": "TAKEN", "name": "N", "unitPrice": "1", "currency": "USD"}}
        )
    )["createProduct"]
    assert codes(created) == {("input", "sku"): "DUPLICATE"}
    updated = (await gql.data(UPDATE, {"id": gid(other), "input": {"version": 1, "sku": "TAKEN"}}))[
        "updateProduct"
    ]
    assert codes(updated) == {("input", "sku"): "DUPLICATE"}
    assert (await Product.get(pk=other.pk)).sku == "FREE"


async def test_race_on_the_sku_becomes_duplicate(gql, db, monkeypatch):
    """The lookup misses a SKU a concurrent transaction commits: the unique key answers."""
    from crm_graphql.domains.orders import services

    await make_product(sku="RACE")
    original = services.product_fields

    async def blind(change):
        values = await original(change)
        change.problems.errors.clear()  # as if the other transaction had not committed yet
        return values

    monkeypatch.setattr(services, "product_fields", blind)
    payload = (
        await gql.data(
            CREATE, {"input": {"sku": "RACE", "name": "N", "unitPrice": "1", "currency": "USD"}}
        )
    )["createProduct"]
    assert codes(payload) == {("input", "sku"): "DUPLICATE"}
    assert await Product.all().count() == 1


async def test_update_product_changes_given_fields_and_checks_version(gql, db):
    product = await make_product(name="Old", description="Keep")
    payload = (
        await gql.data(
            UPDATE, {"id": gid(product), "input": {"version": 1, "name": "New", "active": False}}
        )
    )["updateProduct"]
    assert payload["userErrors"] == []
    assert (payload["product"]["name"], payload["product"]["active"]) == ("New", False)
    assert payload["product"]["description"] == "Keep"
    assert payload["product"]["version"] == 2
    stale = (await gql.data(UPDATE, {"id": gid(product), "input": {"version": 1, "name": "X"}}))[
        "updateProduct"
    ]
    assert stale["userErrors"][0]["code"] == "CONFLICT"
    assert stale["userErrors"][0]["currentVersion"] == 2
    assert (await Product.get(pk=product.pk)).name == "New"


async def test_not_found_and_wrong_id_type(gql, db):
    customer = await make_customer()
    product = await make_product()
    await product.delete()
    missing = (await gql.data(DELETE, {"id": gid(product)}))["deleteProduct"]
    assert codes(missing) == {("id",): "NOT_FOUND"}
    wrong = (await gql.data(UPDATE, {"id": gid(customer), "input": {"version": 1}}))[
        "updateProduct"
    ]
    assert codes(wrong) == {("id",): "INVALID_ID"}
    garbage = (await gql.data(DELETE, {"id": "not-an-id"}))["deleteProduct"]
    assert codes(garbage) == {("id",): "INVALID_ID"}


async def test_product_on_orders_cannot_be_deleted_but_can_be_deactivated(gql, db):
    used = await make_product()
    await make_order(await make_customer(), [(used, 2)])
    refused = (await gql.data(DELETE, {"id": gid(used)}))["deleteProduct"]
    assert codes(refused) == {("id",): "IN_USE"}
    assert await Product.filter(pk=used.pk).exists()
    unused = await make_product(sku="GONE")
    deleted = (await gql.data(DELETE, {"id": gid(unused)}))["deleteProduct"]
    assert deleted["userErrors"] == []
    assert deleted["product"]["sku"] == "GONE"
    assert not await Product.filter(pk=unused.pk).exists()
    assert await AuditEvent.filter(action="product.delete").count() == 1


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.MANAGER, True), (Role.SALES, False), (Role.ANALYST, False), (Role.SUPPORT, False)],
)
async def test_who_may_change_products(gql_as, db, role, allowed):
    client = await gql_as(role)
    payload = (
        await client.data(
            CREATE, {"input": {"sku": "R", "name": "N", "unitPrice": "1", "currency": "USD"}}
        )
    )["createProduct"]
    if allowed:
        assert payload["userErrors"] == []
    else:
        assert codes(payload) == {("input",): "FORBIDDEN"}
        assert await Product.all().count() == 0
