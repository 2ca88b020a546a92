"""revenue: PAID and SHIPPED orders per local period, empty periods, time zones."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from crm_graphql.domains.orders.models import OrderStatus
from tests.analytics.documents import REVENUE
from tests.factories import gid, make_customer, make_order_with_total

#: (placed at, total, status, currency) of the orders of the main scenario.
ORDERS = [
    (datetime(2026, 1, 5, 10, tzinfo=UTC), "100.10", OrderStatus.PAID, "USD"),
    (datetime(2026, 1, 31, 23, 59, tzinfo=UTC), "0.20", OrderStatus.SHIPPED, "USD"),
    (datetime(2026, 1, 20, tzinfo=UTC), "999.00", OrderStatus.PLACED, "USD"),  # not paid
    (datetime(2026, 1, 21, tzinfo=UTC), "50.00", OrderStatus.REFUNDED, "USD"),  # refunded
    (datetime(2026, 1, 22, tzinfo=UTC), "70.00", OrderStatus.PAID, "EUR"),  # other currency
    (datetime(2026, 3, 1, tzinfo=UTC), "33.33", OrderStatus.PAID, "USD"),
    (datetime(2026, 3, 31, 12, tzinfo=UTC), "66.67", OrderStatus.SHIPPED, "USD"),
    (datetime(2026, 4, 1, tzinfo=UTC), "5.00", OrderStatus.PAID, "USD"),  # after the range
]


def _expected(currency: str, month: int) -> tuple[Decimal, int]:
    """Sum and count of the paid or shipped orders of a month, from the rows above."""
    rows = [
        Decimal(total)
        for placed, total, status, code in ORDERS
        if code == currency
        and placed.month == month
        and status in (OrderStatus.PAID, OrderStatus.SHIPPED)
    ]
    return sum(rows, Decimal("0.00")), len(rows)


async def _insert() -> None:
    customer = await make_customer()
    for placed, total, status, currency in ORDERS:
        await make_order_with_total(
            customer, total, status=status, currency=currency, placed_at=placed
        )


async def test_revenue_per_month_sums_paid_and_shipped_orders_with_empty_months_as_zero(gql, db):
    await _insert()
    series = (await gql.data(REVENUE, {"from": "2026-01-01", "to": "2026-03-31"}))["revenue"]
    assert (series["currency"], series["timeZone"], series["granularity"]) == (
        "USD",
        "UTC",
        "MONTH",
    )
    periods = series["periods"]
    assert [p["period"] for p in periods] == ["2026-01", "2026-02", "2026-03"]
    for period, month in zip(periods, (1, 2, 3), strict=True):
        amount, count = _expected("USD", month)
        assert (Decimal(period["amount"]), period["orderCount"]) == (amount, count)
    assert periods[1] == {
        "period": "2026-02",
        "start": "2026-02-01T00:00:00+00:00",
        "end": "2026-03-01T00:00:00+00:00",
        "amount": "0.00",
        "orderCount": 0,
    }
    assert Decimal(series["totalAmount"]) == sum(Decimal(p["amount"]) for p in periods)
    assert series["orderCount"] == 4


async def test_revenue_adds_only_the_currency_asked_for(gql, db):
    await _insert()
    series = (
        await gql.data(REVENUE, {"from": "2026-01-01", "to": "2026-01-31", "currency": "eur"})
    )["revenue"]
    amount, count = _expected("EUR", 1)
    assert series["currency"] == "EUR"
    assert (Decimal(series["totalAmount"]), series["orderCount"]) == (amount, count)


async def test_revenue_per_day_in_berlin_follows_the_daylight_saving_changes(gql, db):
    customer = await make_customer()
    placed = {
        # 23:30 UTC on March 28 is 00:30 on March 29 in Berlin (UTC+1 until 02:00 local).
        datetime(2026, 3, 28, 23, 30, tzinfo=UTC): "10.00",
        datetime(2026, 3, 28, 22, 30, tzinfo=UTC): "1.00",  # 23:30 on March 28
        # From 01:00 UTC on March 29 Berlin is UTC+2: 22:30 UTC is 00:30 on March 30.
        datetime(2026, 3, 29, 22, 30, tzinfo=UTC): "2.00",
        # On October 24 still UTC+2: 22:30 UTC is 00:30 on October 25.
        datetime(2026, 10, 24, 22, 30, tzinfo=UTC): "4.00",
        # After 01:00 UTC on October 25 UTC+1 again: 22:30 UTC is 23:30 on October 25.
        datetime(2026, 10, 25, 22, 30, tzinfo=UTC): "8.00",
    }
    for moment, total in placed.items():
        await make_order_with_total(customer, total, placed_at=moment)
    march = (
        await gql.data(
            REVENUE,
            {
                "from": "2026-03-28",
                "to": "2026-03-30",
                "granularity": "DAY",
                "timeZone": "Europe/Berlin",
            },
        )
    )["revenue"]["periods"]
    assert [(p["period"], p["start"], p["amount"]) for p in march] == [
        ("2026-03-28", "2026-03-28T00:00:00+01:00", "1.00"),
        ("2026-03-29", "2026-03-29T00:00:00+01:00", "10.00"),
        ("2026-03-30", "2026-03-30T00:00:00+02:00", "2.00"),
    ]
    assert march[1]["end"] == "2026-03-30T00:00:00+02:00"  # a day of 23 hours
    october = (
        await gql.data(
            REVENUE,
            {
                "from": "2026-10-24",
                "to": "2026-10-25",
                "granularity": "DAY",
                "timeZone": "Europe/Berlin",
            },
        )
    )["revenue"]["periods"]
    assert [(p["period"], p["orderCount"], p["amount"]) for p in october] == [
        ("2026-10-24", 0, "0.00"),
        ("2026-10-25", 2, "12.00"),
    ]
    # In UTC the same orders fall on other days.
    utc = (
        await gql.data(REVENUE, {"from": "2026-03-28", "to": "2026-03-29", "granularity": "DAY"})
    )["revenue"]["periods"]
    assert [(p["period"], p["amount"]) for p in utc] == [
        ("2026-03-28", "11.00"),
        ("2026-03-29", "2.00"),
    ]


async def test_weeks_start_on_monday_and_the_range_bounds_are_local_days(gql, db):
    customer = await make_customer()
    # Sunday March 29 and Monday March 30, 2026 (local Berlin days).
    await make_order_with_total(customer, "3.00", placed_at=datetime(2026, 3, 29, 12, tzinfo=UTC))
    await make_order_with_total(customer, "5.00", placed_at=datetime(2026, 3, 30, 12, tzinfo=UTC))
    # Before the range in Berlin (23:30 on March 22), although March 23 in UTC+2 terms.
    await make_order_with_total(
        customer, "7.00", placed_at=datetime(2026, 3, 22, 22, 30, tzinfo=UTC)
    )
    weeks = (
        await gql.data(
            REVENUE,
            {
                "from": "2026-03-23",
                "to": "2026-04-05",
                "granularity": "WEEK",
                "timeZone": "Europe/Berlin",
            },
        )
    )["revenue"]["periods"]
    assert [(w["period"], w["start"], w["amount"]) for w in weeks] == [
        ("2026-W13", "2026-03-23T00:00:00+01:00", "3.00"),
        ("2026-W14", "2026-03-30T00:00:00+02:00", "5.00"),
    ]


async def test_quarters_and_years_sum_the_same_orders(gql, db):
    await _insert()
    variables = {"from": "2026-01-01", "to": "2026-12-31"}
    quarters = (await gql.data(REVENUE, {**variables, "granularity": "QUARTER"}))["revenue"]
    years = (await gql.data(REVENUE, {**variables, "granularity": "YEAR"}))["revenue"]
    first_quarter = sum((_expected("USD", m)[0] for m in (1, 2, 3)), Decimal("0.00"))
    assert [(q["period"], Decimal(q["amount"])) for q in quarters["periods"]] == [
        ("2026-Q1", first_quarter),
        ("2026-Q2", Decimal("5.00")),
        ("2026-Q3", Decimal("0.00")),
        ("2026-Q4", Decimal("0.00")),
    ]
    assert [(y["period"], Decimal(y["amount"])) for y in years["periods"]] == [
        ("2026", first_quarter + Decimal("5.00"))
    ]


async def test_revenue_filter_combines_with_the_periods(gql, db):
    await _insert()
    other = await make_customer()
    await make_order_with_total(other, "1000.00", placed_at=datetime(2026, 1, 10, tzinfo=UTC))
    everyone = (await gql.data(REVENUE, {"from": "2026-01-01", "to": "2026-01-31"}))["revenue"]
    only_other = (
        await gql.data(
            REVENUE,
            {
                "from": "2026-01-01",
                "to": "2026-01-31",
                "filter": {"customer": {"eq": gid(other)}},
            },
        )
    )["revenue"]
    assert Decimal(everyone["totalAmount"]) == _expected("USD", 1)[0] + Decimal("1000.00")
    assert (only_other["totalAmount"], only_other["orderCount"]) == ("1000.00", 1)
