"""A soft-deleted customer (e-mail included) is gone for every role but ADMIN, on
every path that leads to it: lists, ``node``, and references from other records."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from crm_graphql.api.roles import Role
from tests.factories import (
    gid,
    make_customer,
    make_interaction,
    make_opportunity,
    make_order,
    make_product,
)

THROUGH_REFERENCES = """{
  interactions { nodes { subject customer { firstName email } } }
  orders { nodes { number customer { email } } }
  opportunities { nodes { name customer { email } } }
}"""


async def _deleted_customer(owner):
    customer = await make_customer(email="gone.person@example.com", owner=owner)
    await make_interaction(customer, author=owner, subject="Call")
    await make_order(customer, [(await make_product(unit_price=Decimal("5.00")), 1)])
    await make_opportunity(customer, owner=owner, name="Deal")
    customer.deleted_at = datetime.now(UTC)
    await customer.save()
    return customer


@pytest.mark.parametrize("role", [Role.MANAGER, Role.SALES, Role.SUPPORT, Role.MARKETING])
async def test_a_deleted_customer_is_null_through_every_reference(gql_as, db, role):
    client = await gql_as(role)
    customer = await _deleted_customer(client.user)
    body = await client.execute(THROUGH_REFERENCES)
    text = str(body)
    assert "gone.person@example.com" not in text
    data = body["data"]
    assert data["interactions"]["nodes"] == [{"subject": "Call", "customer": None}]
    assert [node["customer"] for node in data["orders"]["nodes"]] == [None]
    assert [node["customer"] for node in data["opportunities"]["nodes"]] == [None]
    node = await client.data("query($id: ID!) { node(id: $id) { id } }", {"id": gid(customer)})
    assert node == {"node": None}


async def test_admin_still_sees_a_deleted_customer_through_references(gql_as, db):
    admin = await gql_as(Role.ADMIN)
    await _deleted_customer(admin.user)
    data = await admin.data(THROUGH_REFERENCES)
    assert data["interactions"]["nodes"][0]["customer"]["email"] == "gone.person@example.com"
