"""Issue 12, finding 15: IDs and amounts are read only in their canonical ASCII form
(an Arabic-Indic one after ``Customer:``, ``:+1``, ``:1_0``; ``1_000``, an Arabic-Indic
five, ``-0`` were accepted)."""

from __future__ import annotations

import base64

import pytest

from crm_graphql.domains.orders.models import Product
from tests.factories import gid, make_customer
from tests.limits.conftest import LimitedFactory

CUSTOMER = "query($id: ID!) { customer(id: $id) { id } }"
CREATE_PRODUCT = (
    'mutation($price: Decimal!) { createProduct(input: {sku: "SKU-CANON", name: "Canon",'
    ' unitPrice: $price, currency: "USD"}) { product { unitPrice } userErrors { field code } } }'
)


def encoded(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "number",
    ["\u0661", "+1", "1_0", "01", " 1", "1 ", "\uff11", "-1", "0"],
    ids=[
        "arabic-indic",
        "plus",
        "underscore",
        "leading-zero",
        "space",
        "trailing",
        "fullwidth",
        "negative",
        "zero",
    ],
)
async def test_odd_forms_of_an_id_number_are_invalid(limited: LimitedFactory, number: str) -> None:
    await make_customer()
    client = await limited()
    body = await client.execute(CUSTOMER, {"id": encoded(f"Customer:{number}")})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ID", body


async def test_an_id_with_stray_characters_is_invalid(limited: LimitedFactory) -> None:
    customer = await make_customer()
    client = await limited()
    canonical = gid(customer)
    body = await client.execute(CUSTOMER, {"id": canonical[:2] + "*" + canonical[2:]})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ID", body
    data = await client.data(CUSTOMER, {"id": canonical})
    assert data["customer"]["id"] == canonical


@pytest.mark.parametrize(
    "price",
    ["1_000", "\u0665", "-0", "-0.00", "+5", "1e3", " 5", "NaN", "Infinity", "05", "5."],
)
async def test_odd_forms_of_an_amount_are_refused(limited: LimitedFactory, price: str) -> None:
    client = await limited()
    body = await client.execute(CREATE_PRODUCT, {"price": price})
    assert body["errors"], body
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "ASCII digits" in body["errors"][0]["message"]
    assert await Product.filter(sku="SKU-CANON").count() == 0


@pytest.mark.parametrize("price, saved", [("1000.00", "1000.00"), ("0", "0.00"), (12, "12.00")])
async def test_canonical_amounts_are_accepted(
    limited: LimitedFactory, price: object, saved: str
) -> None:
    client = await limited()
    data = await client.data(CREATE_PRODUCT, {"price": price})
    assert data["createProduct"] == {"product": {"unitPrice": saved}, "userErrors": []}
