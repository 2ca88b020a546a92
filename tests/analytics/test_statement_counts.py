"""The statements of a view do not grow with the number of rows or groups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm_graphql.api.roles import Role
from crm_graphql.domains.orders.models import OrderStatus
from crm_graphql.domains.sales.models import OpportunityStage
from tests.analytics.documents import (
    CUSTOMER_STATS,
    INTERACTION_STATS,
    LEADERBOARD,
    ORDERS_AGGREGATE,
    PIPELINE,
    REVENUE,
    TOP_CUSTOMERS,
)
from tests.factories import (
    make_customer,
    make_interaction,
    make_opportunity,
    make_order_with_total,
    make_user,
)
from tests.helpers import count_statements

START = datetime(2026, 1, 1, 12, tzinfo=UTC)
YEAR = {"from": "2026-01-01", "to": "2026-12-31"}

#: (document, variables) of every view, each asking for the records behind its keys.
VIEWS = [
    (REVENUE, {**YEAR, "granularity": "DAY", "timeZone": "Europe/Berlin"}),
    (PIPELINE, {}),
    (INTERACTION_STATS, {"groupBy": ["AUTHOR", "DAY"]}),
    (TOP_CUSTOMERS, {"by": "LIFETIME_VALUE", "first": 100}),
    (TOP_CUSTOMERS, {"by": "INTERACTION_COUNT", "first": 100}),
    (CUSTOMER_STATS, {**YEAR, "granularity": "DAY"}),
    (LEADERBOARD, {"period": YEAR, "by": "WON_AMOUNT"}),
    (
        ORDERS_AGGREGATE,
        {"groupBy": [{"field": "CUSTOMER"}, {"field": "CURRENCY"}, {"field": "STATUS"}]},
    ),
    (
        ORDERS_AGGREGATE,
        {
            "groupBy": [
                {"field": "STATUS"},
                {"field": "CURRENCY"},
                {"field": "PLACED_AT", "granularity": "MONTH"},
            ]
        },
    ),
]


async def _world(size: int) -> None:
    """``size`` customers, owners and days, each with orders, deals and interactions."""
    for n in range(size):
        owner = await make_user(Role.SALES)
        customer = await make_customer(owner=owner)
        moment = START + timedelta(days=n)
        status = OrderStatus.PAID if n % 2 else OrderStatus.SHIPPED
        await make_order_with_total(customer, f"{n + 1}.00", status=status, placed_at=moment)
        await make_opportunity(customer, owner=owner, stage=OpportunityStage.CLOSED_WON)
        await make_opportunity(customer, owner=owner, stage=OpportunityStage.PROPOSAL)
        await make_interaction(customer, author=owner, occurred_at=moment)


async def _counts(gql) -> list[int]:
    counts = []
    for document, variables in VIEWS:
        with count_statements() as statements:
            await gql.data(document, variables)
        counts.append(len([sql for sql in statements if " FROM " in sql.upper()]))
    return counts


async def test_statements_per_view_do_not_grow_with_rows_and_groups(gql, db):
    await _world(2)
    small = await _counts(gql)
    await _world(12)
    large = await _counts(gql)
    assert large == small
    # One grouped statement per view, plus one for the records behind keys; periods of
    # interactionStats without a range also read the first and last day of its rollup,
    # and its grouping led by the author the first authors (one statement); the
    # leaderboard reads its won deals and interactions from rollups and the open
    # pipeline from a tally (three statements). Orders by status, currency and month
    # with their smallest and largest totals: the rollup's cells (and its stored span).
    assert small == [1, 1, 4, 2, 2, 2, 4, 2, 2]
