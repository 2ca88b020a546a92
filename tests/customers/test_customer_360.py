"""The headline customer-360 query: correct, and a constant number of SQL statements."""

from __future__ import annotations

from decimal import Decimal

from crm_graphql.domains.orders.models import OrderStatus
from crm_graphql.domains.sales.models import OpportunityStage
from tests.factories import (
    make_company,
    make_customer,
    make_interaction,
    make_opportunity,
    make_order,
    make_product,
    make_user,
)
from tests.helpers import count_statements

HEADLINE = """
query Customer360($first: Int!) {
  customers(first: $first, orderBy: [{field: CREATED_AT, direction: DESC}]) {
    totalCount
    nodes { id firstName lastName email company { name } lifetimeValue
      interactions(first: 10) { nodes { channel subject occurredAt author { name } } }
      orders(first: 10) {
        nodes { number status total currency items { quantity product { name } } } }
      opportunities(first: 5) { nodes { name stage amount } } } } }
"""


async def _build_customers(count: int, *, interactions: int = 12, orders: int = 11) -> None:
    author = await make_user(name="Ada Author")
    products = [await make_product(unit_price=Decimal("12.50")) for _ in range(3)]
    for index in range(count):
        company = await make_company(name=f"Acme {index}")
        customer = await make_customer(company=company)
        for _ in range(interactions):
            await make_interaction(customer, author=author)
        for _ in range(orders):
            await make_order(customer, [(products[0], 2), (products[1], 1)])
        for _ in range(6):
            await make_opportunity(customer)


async def test_headline_query_statement_count_does_not_grow_with_page_size(gql, db):
    await _build_customers(6, interactions=12, orders=11)
    with count_statements() as small:
        page5 = await gql.data(HEADLINE, {"first": 5})
    with count_statements() as large:
        page50 = await gql.data(HEADLINE, {"first": 50})
    assert len(page5["customers"]["nodes"]) == 5
    assert len(page50["customers"]["nodes"]) == 6
    assert page5["customers"]["totalCount"] == page50["customers"]["totalCount"] == 6
    # customers with their companies, count, lifetime values, interactions with their
    # authors, orders, items with their products, opportunities: one statement each;
    # the larger page holds every customer, so its totalCount needs no statement.
    assert len(small) == 7, small
    assert len(large) == 6, large


async def test_headline_query_pages_each_customer_separately(gql, db):
    await _build_customers(3, interactions=12, orders=11)
    data = await gql.data(HEADLINE, {"first": 50})
    customers = data["customers"]
    assert customers["totalCount"] == 3
    for node in customers["nodes"]:
        assert len(node["interactions"]["nodes"]) == 10
        assert len(node["orders"]["nodes"]) == 10
        assert len(node["opportunities"]["nodes"]) == 5
        assert node["company"]["name"].startswith("Acme ")
        # 11 PAID orders of 2 x 12.50 + 1 x 12.50
        assert node["lifetimeValue"] == "412.50"
        order = node["orders"]["nodes"][0]
        assert order["total"] == "37.50"
        assert [item["quantity"] for item in order["items"]] == [2, 1]
        times = [i["occurredAt"] for i in node["interactions"]["nodes"]]
        assert times == sorted(times, reverse=True)
        assert node["interactions"]["nodes"][0]["author"]["name"] == "Ada Author"


async def test_headline_query_newest_customer_first(gql, db):
    first = await make_customer(first_name="Old")
    second = await make_customer(first_name="New")
    assert second.created_at >= first.created_at
    data = await gql.data(HEADLINE, {"first": 2})
    names = [n["firstName"] for n in data["customers"]["nodes"]]
    assert names == ["New", "Old"]


async def test_lifetime_value_counts_only_paid_and_shipped_orders(gql, db):
    customer = await make_customer()
    product = await make_product(unit_price=Decimal("100.00"))
    await make_order(customer, [(product, 1)], status=OrderStatus.PAID)
    await make_order(customer, [(product, 2)], status=OrderStatus.SHIPPED)
    await make_order(customer, [(product, 4)], status=OrderStatus.CANCELLED)
    await make_order(customer, [(product, 8)], status=OrderStatus.DRAFT)
    await make_order(customer, [(product, 16)], status=OrderStatus.PAID, currency="EUR")
    await make_opportunity(customer, amount=Decimal("250.10"), stage=OpportunityStage.PROPOSAL)
    await make_opportunity(customer, amount=Decimal("0.90"), stage=OpportunityStage.NEGOTIATION)
    await make_opportunity(customer, amount=Decimal("999.00"), stage=OpportunityStage.CLOSED_WON)
    await make_interaction(customer)
    latest = await make_interaction(customer)
    data = await gql.data(
        """{ customers { nodes { lifetimeValue lifetimeValueByCurrency { amount currency }
             openPipelineAmount lastInteractionAt } } }"""
    )
    node = data["customers"]["nodes"][0]
    assert node["lifetimeValue"] == "300.00"
    assert node["lifetimeValueByCurrency"] == [
        {"amount": "1600.00", "currency": "EUR"},
        {"amount": "300.00", "currency": "USD"},
    ]
    assert node["openPipelineAmount"] == "251.00"
    assert node["lastInteractionAt"] == latest.occurred_at.isoformat()
