"""The general aggregates: the lists' filters, any grouping, sums of numeric fields."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

from crm_graphql.api.roles import Role
from crm_graphql.domains.interactions.models import Channel, Direction
from crm_graphql.domains.orders.models import OrderStatus
from crm_graphql.domains.sales.models import OpportunityStage
from tests.analytics.documents import (
    CUSTOMERS_AGGREGATE,
    INTERACTIONS_AGGREGATE,
    OPPORTUNITIES_AGGREGATE,
    ORDERS_AGGREGATE,
    ORDERS_COUNTS,
)
from tests.factories import (
    gid,
    make_company,
    make_customer,
    make_interaction,
    make_opportunity,
    make_order_with_total,
    make_user,
)

#: (total, status, currency, placed at)
ORDERS = [
    ("10.00", OrderStatus.PAID, "USD", datetime(2026, 1, 5, tzinfo=UTC)),
    ("20.50", OrderStatus.PAID, "USD", datetime(2026, 1, 6, tzinfo=UTC)),
    ("5.25", OrderStatus.PAID, "USD", datetime(2026, 2, 6, tzinfo=UTC)),
    ("7.00", OrderStatus.SHIPPED, "USD", datetime(2026, 1, 9, tzinfo=UTC)),
    ("100.00", OrderStatus.PAID, "EUR", datetime(2026, 1, 7, tzinfo=UTC)),
    ("1.00", OrderStatus.CANCELLED, "USD", datetime(2026, 1, 8, tzinfo=UTC)),
]


async def _orders():
    customer = await make_customer(last_name="Ames")
    for total, status, currency, placed in ORDERS:
        await make_order_with_total(
            customer, total, status=status, currency=currency, placed_at=placed
        )
    return customer


def _groups(body, field):
    return body[field]["groups"]


async def test_orders_grouped_by_status_and_currency_with_sums(gql, db):
    await _orders()
    groups = _groups(
        await gql.data(ORDERS_AGGREGATE, {"groupBy": [{"field": "STATUS"}, {"field": "CURRENCY"}]}),
        "ordersAggregate",
    )
    expected = defaultdict(list)
    for total, status, currency, _ in ORDERS:
        expected[(status.value, currency)].append(Decimal(total))
    got = {(g["key"]["status"], g["key"]["currency"]): g for g in groups}
    assert list(got) == sorted(expected)
    for key, totals in expected.items():
        group = got[key]
        assert group["count"] == len(totals)
        assert Decimal(group["sum"]["total"]) == sum(totals)
        assert Decimal(group["min"]["total"]) == min(totals)
        assert Decimal(group["max"]["total"]) == max(totals)
        average = (sum(totals) / len(totals)).quantize(Decimal("0.01"))
        assert Decimal(group["avg"]["total"]) == average
        assert group["key"]["placedAt"] is None and group["key"]["customer"] is None


async def test_filter_of_the_list_combines_with_grouping_by_month(gql, db):
    await _orders()
    other = await make_customer(last_name="Baker")
    await make_order_with_total(other, "999.00", placed_at=datetime(2026, 1, 5, tzinfo=UTC))
    body = await gql.data(
        ORDERS_AGGREGATE,
        {
            "filter": {"status": {"eq": "PAID"}, "currency": {"eq": "USD"}, "total": {"lt": "500"}},
            "groupBy": [{"field": "PLACED_AT", "granularity": "MONTH"}, {"field": "CUSTOMER"}],
        },
    )
    expected = defaultdict(Decimal)
    for total, status, currency, placed in ORDERS:
        if status == OrderStatus.PAID and currency == "USD":
            expected[placed.month] += Decimal(total)
    groups = _groups(body, "ordersAggregate")
    assert [
        (g["key"]["placedAt"], g["key"]["customer"]["lastName"], Decimal(g["sum"]["total"]))
        for g in groups
    ] == [
        (f"2026-{month:02d}-01T00:00:00+00:00", "Ames", amount)
        for month, amount in sorted(expected.items())
    ]


async def test_money_needs_one_currency_per_group(gql, db):
    await _orders()
    error = await gql.error(ORDERS_AGGREGATE, {"groupBy": [{"field": "STATUS"}]})
    assert (error["extensions"]["code"], error["extensions"]["argument"]) == (
        "BAD_USER_INPUT",
        "groupBy",
    )
    # Counts alone need no currency; a filter on one currency allows sums.
    counts = await gql.data(ORDERS_COUNTS, {"groupBy": [{"field": "STATUS"}]})
    assert sum(g["count"] for g in counts["ordersAggregate"]["groups"]) == len(ORDERS)
    euro = await gql.data(ORDERS_AGGREGATE, {"filter": {"currency": {"eq": "EUR"}}})
    assert _groups(euro, "ordersAggregate")[0]["sum"]["total"] == "100.00"


async def test_first_cuts_the_groups_and_has_more_says_so(gql, db):
    customer = await make_customer()
    for day in range(1, 6):
        await make_order_with_total(customer, "1.00", placed_at=datetime(2026, 1, day, tzinfo=UTC))
    body = await gql.data(
        ORDERS_COUNTS,
        {"groupBy": [{"field": "PLACED_AT", "granularity": "DAY"}], "first": 3},
    )
    result = body["ordersAggregate"]
    assert [g["key"]["placedAt"][:10] for g in result["groups"]] == [
        "2026-01-01",
        "2026-01-02",
        "2026-01-03",
    ]
    assert result["hasMore"] is True


async def test_opportunities_by_owner_and_stage_sum_amount_and_probability(gql, db):
    customer = await make_customer()
    ann = await make_user(Role.SALES, name="Ann")
    deals = [
        (ann, OpportunityStage.PROPOSAL, "100.00", 50, date(2026, 2, 10)),
        (ann, OpportunityStage.PROPOSAL, "300.00", 40, date(2026, 2, 20)),
        (None, OpportunityStage.PROPOSAL, "7.00", 50, date(2026, 3, 1)),
        (ann, OpportunityStage.NEGOTIATION, "50.00", 75, date(2026, 3, 2)),
    ]
    for owner, stage, amount, probability, close in deals:
        await make_opportunity(
            customer,
            owner=owner,
            stage=stage,
            amount=Decimal(amount),
            probability=probability,
            expected_close_date=close,
        )
    body = await gql.data(
        OPPORTUNITIES_AGGREGATE,
        {
            "filter": {"owner": {"eq": gid(ann)}},
            "groupBy": [
                {"field": "STAGE"},
                {"field": "CURRENCY"},
                {"field": "EXPECTED_CLOSE_DATE", "granularity": "MONTH"},
                {"field": "OWNER"},
            ],
        },
    )
    groups = _groups(body, "opportunitiesAggregate")
    assert [
        (
            g["key"]["stage"],
            g["key"]["expectedCloseDate"],
            g["key"]["owner"]["name"],
            g["count"],
            g["sum"]["amount"],
            g["sum"]["probability"],
            g["avg"]["probability"],
            g["min"]["probability"],
            g["max"]["probability"],
        )
        for g in groups
    ] == [  # ordered by the keys: stage names alphabetically
        ("NEGOTIATION", "2026-03-01", "Ann", 1, "50.00", 75, 75.0, 75, 75),
        ("PROPOSAL", "2026-02-01", "Ann", 2, "400.00", 90, 45.0, 40, 50),
    ]


async def test_interactions_by_day_in_a_zone_with_durations(gql, db):
    customer = await make_customer()
    touches = [
        (Channel.CALL, datetime(2026, 3, 28, 22, 30, tzinfo=UTC), 60),  # March 28 local
        (Channel.CALL, datetime(2026, 3, 28, 23, 30, tzinfo=UTC), 120),  # March 29 local
        (Channel.CALL, datetime(2026, 3, 29, 21, 30, tzinfo=UTC), None),  # March 29 local
        (Channel.EMAIL, datetime(2026, 3, 29, 12, tzinfo=UTC), 30),
    ]
    for channel, moment, seconds in touches:
        await make_interaction(
            customer, channel=channel, occurred_at=moment, duration_seconds=seconds
        )
    body = await gql.data(
        INTERACTIONS_AGGREGATE,
        {
            "filter": {"channel": {"eq": "CALL"}, "direction": {"eq": Direction.OUTBOUND.value}},
            "groupBy": [{"field": "OCCURRED_AT", "granularity": "DAY"}],
            "timeZone": "Europe/Berlin",
        },
    )
    assert [
        (
            g["key"]["occurredAt"],
            g["count"],
            g["sum"]["durationSeconds"],
            g["avg"]["durationSeconds"],
            g["min"]["durationSeconds"],
            g["max"]["durationSeconds"],
        )
        for g in _groups(body, "interactionsAggregate")
    ] == [
        ("2026-03-28T00:00:00+01:00", 1, 60, 60.0, 60, 60),
        # Averages, minimums and maximums skip interactions without a duration.
        ("2026-03-29T00:00:00+01:00", 2, 120, 120.0, 120, 120),
    ]


async def test_customers_grouped_by_company_and_stage_leave_deleted_ones_out(gql, db):
    acme = await make_company(name="Acme")
    await make_customer(company=acme, lifecycle_stage="LEAD", source="EVENT")
    await make_customer(company=acme, lifecycle_stage="LEAD", source="EVENT")
    gone = await make_customer(company=acme, lifecycle_stage="LEAD", source="EVENT")
    gone.deleted_at = datetime(2026, 1, 1, tzinfo=UTC)
    await gone.save()
    await make_customer(lifecycle_stage="CUSTOMER", source="EVENT", marketing_consent=True)
    body = await gql.data(
        CUSTOMERS_AGGREGATE,
        {
            "filter": {"source": {"eq": "EVENT"}},
            "groupBy": [
                {"field": "COMPANY"},
                {"field": "LIFECYCLE_STAGE"},
                {"field": "MARKETING_CONSENT"},
            ],
        },
    )
    assert [
        (
            (g["key"]["company"] or {}).get("name"),
            g["key"]["lifecycleStage"],
            g["key"]["marketingConsent"],
            g["key"]["source"],
            g["count"],
        )
        for g in _groups(body, "customersAggregate")
    ] == [(None, "CUSTOMER", True, None, 1), ("Acme", "LEAD", False, None, 2)]
