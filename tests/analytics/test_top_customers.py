"""topCustomers: by lifetime value (one currency), order count, interaction count."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from crm_graphql.domains.orders.models import OrderStatus
from tests.analytics.documents import TOP_CUSTOMERS
from tests.factories import gid, make_customer, make_interaction, make_order_with_total

#: customer -> orders (total, status, currency)
ORDERS = {
    "Ames": [("100.00", OrderStatus.PAID, "USD"), ("50.00", OrderStatus.SHIPPED, "USD")],
    "Baker": [("120.00", OrderStatus.PAID, "USD"), ("900.00", OrderStatus.PAID, "EUR")],
    "Cole": [("999.00", OrderStatus.DRAFT, "USD"), ("10.00", OrderStatus.CANCELLED, "USD")],
    "Dunn": [("149.99", OrderStatus.PAID, "USD"), ("500.00", OrderStatus.REFUNDED, "USD")],
}
INTERACTIONS = {"Ames": 1, "Baker": 3, "Cole": 2, "Dunn": 0}


async def _insert() -> dict[str, object]:
    customers = {}
    for name, orders in ORDERS.items():
        customer = customers[name] = await make_customer(last_name=name)
        for total, status, currency in orders:
            await make_order_with_total(customer, total, status=status, currency=currency)
        for _ in range(INTERACTIONS[name]):
            await make_interaction(customer)
    return customers


def _value(name: str, currency: str) -> Decimal:
    return sum(
        (
            Decimal(total)
            for total, status, code in ORDERS[name]
            if code == currency and status in (OrderStatus.PAID, OrderStatus.SHIPPED)
        ),
        Decimal("0.00"),
    )


async def test_top_customers_by_lifetime_value_in_the_base_currency(gql, db):
    customers = await _insert()
    top = (await gql.data(TOP_CUSTOMERS, {"by": "LIFETIME_VALUE"}))["topCustomers"]
    expected = sorted(
        (name for name in ORDERS if _value(name, "USD") > 0), key=lambda n: -_value(n, "USD")
    )
    assert [(t["rank"], t["customer"]["lastName"], Decimal(t["lifetimeValue"])) for t in top] == [
        (rank, name, _value(name, "USD")) for rank, name in enumerate(expected, start=1)
    ]
    assert top[0]["customer"]["id"] == gid(customers[expected[0]])
    assert top[0]["orderCount"] == 2 and top[0]["interactionCount"] is None


async def test_top_customers_by_lifetime_value_in_euro(gql, db):
    await _insert()
    top = (await gql.data(TOP_CUSTOMERS, {"by": "LIFETIME_VALUE", "currency": "EUR"}))[
        "topCustomers"
    ]
    assert [(t["customer"]["lastName"], t["lifetimeValue"]) for t in top] == [("Baker", "900.00")]


async def test_top_customers_by_orders_and_by_interactions_with_first(gql, db):
    await _insert()
    by_orders = (await gql.data(TOP_CUSTOMERS, {"by": "ORDER_COUNT"}))["topCustomers"]
    placed = {
        name: sum(1 for _, status, _ in orders if status != OrderStatus.DRAFT)
        for name, orders in ORDERS.items()
    }
    assert [(t["customer"]["lastName"], t["orderCount"]) for t in by_orders] == sorted(
        placed.items(), key=lambda item: -item[1]
    )
    by_touches = (await gql.data(TOP_CUSTOMERS, {"by": "INTERACTION_COUNT", "first": 2}))[
        "topCustomers"
    ]
    assert [(t["customer"]["lastName"], t["interactionCount"]) for t in by_touches] == [
        ("Baker", 3),
        ("Cole", 2),
    ]
    assert by_touches[0]["lifetimeValue"] is None


async def test_deleted_customers_are_not_ranked(gql, db):
    customers = await _insert()
    baker = customers["Baker"]
    baker.deleted_at = datetime(2026, 2, 1, tzinfo=UTC)
    await baker.save()
    top = (await gql.data(TOP_CUSTOMERS, {"by": "INTERACTION_COUNT"}))["topCustomers"]
    assert "Baker" not in [t["customer"]["lastName"] for t in top]
