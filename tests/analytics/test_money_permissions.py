"""Money in dashboards: only roles that may read amounts see them; counts for everyone."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from crm_graphql.api.permissions import field_rules
from crm_graphql.api.roles import FINANCIAL, Role
from crm_graphql.domains.sales.models import OpportunityStage
from crm_graphql.schema import build_schema
from tests.analytics.documents import (
    LEADERBOARD,
    ORDERS_AGGREGATE,
    PIPELINE,
    REVENUE,
    TOP_CUSTOMERS,
)
from tests.factories import make_customer, make_opportunity, make_order_with_total
from tests.helpers import count_statements

NO_MONEY = [Role.SUPPORT, Role.MARKETING]
MONEY = [Role.ADMIN, Role.MANAGER, Role.SALES, Role.ANALYST]
IDS = [role.value for role in Role]

#: Every amount of the dashboards, each readable by the roles that may read money.
MONEY_FIELDS = {
    ("PipelineStage", "amount"),
    ("PipelineStage", "weightedAmount"),
    ("SalesPipeline", "totalAmount"),
    ("SalesPipeline", "weightedTotal"),
    ("RevenuePeriod", "amount"),
    ("RevenueSeries", "totalAmount"),
    ("TopCustomer", "lifetimeValue"),
    ("LeaderboardEntry", "wonAmount"),
    ("LeaderboardEntry", "openPipeline"),
    *{
        (type_name, field)
        for type_name in ("OrderNumbers", "OrderAverages")
        for field in ("total", "subtotal", "taxTotal")
    },
    ("OpportunityNumbers", "amount"),
    ("OpportunityAverages", "amount"),
}
DASHBOARD_TYPES = {type_name for type_name, _ in MONEY_FIELDS} | {
    "InteractionNumbers",
    "InteractionAverages",
    "InteractionStats",
    "CustomerStats",
}


async def _orders():
    customer = await make_customer()
    await make_order_with_total(customer, "40.00", placed_at=datetime(2026, 1, 2, tzinfo=UTC))
    await make_order_with_total(customer, "2.50", placed_at=datetime(2026, 1, 3, tzinfo=UTC))
    await make_opportunity(customer, stage=OpportunityStage.PROPOSAL, amount=Decimal("9.00"))


TOP_BY_ORDERS = "{ topCustomers(by: ORDER_COUNT) { orderCount customer { lastName } } }"


def _forbidden(body) -> set[str]:
    return {
        e["extensions"]["field"]
        for e in body.get("errors", [])
        if e["extensions"]["code"] == "FORBIDDEN"
    }


def test_every_dashboard_amount_is_guarded_like_money():
    rules = field_rules(build_schema())
    dashboard = {key: roles for key, roles in rules.items() if key[0] in DASHBOARD_TYPES}
    assert dashboard == dict.fromkeys(MONEY_FIELDS, FINANCIAL)


@pytest.mark.parametrize("role", NO_MONEY, ids=[r.value for r in NO_MONEY])
async def test_support_and_marketing_get_counts_but_not_revenue_amounts(gql_as, db, role):
    await _orders()
    client = await gql_as(role)
    with count_statements() as statements:
        body = await client.execute(REVENUE, {"from": "2026-01-01", "to": "2026-01-31"})
    series = body["data"]["revenue"]
    assert series["orderCount"] == 2 and series["periods"][0]["orderCount"] == 2
    assert series["totalAmount"] is None and series["periods"][0]["amount"] is None
    assert _forbidden(body) == {"RevenueSeries.totalAmount", "RevenuePeriod.amount"}
    # The amounts were not even computed (from the orders or from their rollup).
    reads = [sql for sql in statements if "crm_order" in sql or "rollup_order" in sql]
    assert len(reads) == 1 and "total" not in reads[0].lower()


@pytest.mark.parametrize("role", MONEY, ids=[r.value for r in MONEY])
async def test_roles_that_may_read_money_get_revenue_amounts(gql_as, db, role):
    await _orders()
    client = await gql_as(role)
    series = (await client.data(REVENUE, {"from": "2026-01-01", "to": "2026-01-31"}))["revenue"]
    assert series["totalAmount"] == "42.50"


async def test_support_sees_the_pipeline_counts_without_amounts(gql_as, db):
    await _orders()
    client = await gql_as(Role.SUPPORT)
    body = await client.execute(PIPELINE)
    stages = {s["stage"]: s for s in body["data"]["salesPipeline"]["stages"]}
    assert stages["PROPOSAL"]["count"] == 1 and stages["PROPOSAL"]["amount"] is None
    assert _forbidden(body) == {
        "SalesPipeline.totalAmount",
        "SalesPipeline.weightedTotal",
        "PipelineStage.amount",
        "PipelineStage.weightedAmount",
    }


async def test_marketing_asking_for_a_sum_of_totals_gets_forbidden_and_no_sum_runs(gql_as, db):
    await _orders()
    client = await gql_as(Role.MARKETING)
    with count_statements() as statements:
        body = await client.execute(ORDERS_AGGREGATE, {"groupBy": [{"field": "CURRENCY"}]})
    group = body["data"]["ordersAggregate"]["groups"][0]
    assert group["count"] == 2 and group["sum"]["total"] is None
    assert _forbidden(body) == {
        "OrderNumbers.total",
        "OrderNumbers.subtotal",
        "OrderAverages.total",
    }
    assert not any("total" in sql for sql in statements)


async def test_filtering_an_aggregate_on_money_is_refused_like_the_list(gql_as, db):
    client = await gql_as(Role.SUPPORT)
    error = await client.error(ORDERS_AGGREGATE, {"filter": {"total": {"gt": "10"}}})
    assert (error["extensions"]["code"], error["extensions"]["argument"]) == (
        "FORBIDDEN",
        "filter.total",
    )


async def test_ranking_by_money_is_refused_to_support_but_counts_are_served(gql_as, db):
    await _orders()
    client = await gql_as(Role.SUPPORT)
    with count_statements() as statements:
        error = await client.error(TOP_CUSTOMERS, {"by": "LIFETIME_VALUE"})
    assert (error["extensions"]["code"], error["extensions"]["argument"]) == ("FORBIDDEN", "by")
    assert not [sql for sql in statements if "crm_order" in sql]
    top = (await client.data(TOP_BY_ORDERS))["topCustomers"]
    assert top[0]["orderCount"] == 2
    period = {"from": "2026-01-01", "to": "2026-01-31"}
    error = await client.error(LEADERBOARD, {"period": period, "by": "WON_AMOUNT"})
    assert error["extensions"]["code"] == "FORBIDDEN"
