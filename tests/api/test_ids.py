"""Global IDs: opaque, stable, typed; bad ones get clear errors."""

from __future__ import annotations

import pytest

from crm_graphql.api.ids import to_global_id
from tests.factories import gid, make_company, make_customer, make_product, make_user


async def test_node_resolves_every_type_by_its_global_id(gql, db):
    company = await make_company(name="Acme")
    customer = await make_customer(first_name="Ann", company=company)
    product = await make_product(name="Widget")
    user = await make_user(name="Sam")
    for row, typename in [
        (company, "Company"),
        (customer, "Customer"),
        (product, "Product"),
        (user, "User"),
    ]:
        data = await gql.data(
            "query($id: ID!) { node(id: $id) { __typename id } }", {"id": gid(row)}
        )
        assert data["node"] == {"__typename": typename, "id": gid(row)}


async def test_ids_are_stable_and_opaque(gql, db):
    customer = await make_customer()
    first = await gql.data("{ customers { nodes { id } } }")
    second = await gql.data("{ customers { nodes { id } } }")
    assert first == second
    assert first["customers"]["nodes"][0]["id"] == to_global_id("Customer", customer.pk)
    assert str(customer.pk) != first["customers"]["nodes"][0]["id"]


async def test_unknown_id_of_the_right_type_is_null(gql, db):
    data = await gql.data(
        "query($id: ID!) { customer(id: $id) { id } node(id: $id) { id } }",
        {"id": to_global_id("Customer", 999999)},
    )
    assert data == {"customer": None, "node": None}


@pytest.mark.parametrize("bad_id", ["", "garbage!", "Q3VzdG9tZXI6YWJj", "Tm9jb2xvbg"])
async def test_malformed_id_is_invalid_id(gql, db, bad_id):
    error = await gql.error("query($id: ID!) { customer(id: $id) { id } }", {"id": bad_id})
    assert error["extensions"]["code"] == "INVALID_ID"
    assert error["path"] == ["customer"]


async def test_id_of_another_type_is_rejected(gql, db):
    product = await make_product()
    error = await gql.error("query($id: ID!) { customer(id: $id) { id } }", {"id": gid(product)})
    assert error["extensions"]["code"] == "INVALID_ID"
    assert "Customer" in error["message"]
