"""customerStats: counts by lifecycle stage and source, new customers per period."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from crm_graphql.domains.customers.models import Customer, CustomerSource, LifecycleStage
from tests.analytics.documents import CUSTOMER_STATS
from tests.factories import make_customer, rebuild_rollups

#: (stage, source, created at)
PEOPLE = [
    (LifecycleStage.LEAD, CustomerSource.WEB_FORM, datetime(2026, 1, 10, tzinfo=UTC)),
    (LifecycleStage.LEAD, CustomerSource.WEB_FORM, datetime(2026, 1, 31, 23, 30, tzinfo=UTC)),
    (LifecycleStage.PROSPECT, CustomerSource.EVENT, datetime(2026, 3, 2, tzinfo=UTC)),
    (LifecycleStage.CUSTOMER, CustomerSource.REFERRAL, datetime(2026, 3, 20, tzinfo=UTC)),
    (LifecycleStage.CUSTOMER, CustomerSource.WEB_FORM, datetime(2025, 12, 31, tzinfo=UTC)),
]


async def _insert() -> list[Customer]:
    rows = []
    for stage, source, created in PEOPLE:
        row = await make_customer(lifecycle_stage=stage, source=source, marketing_consent=True)
        await Customer.filter(pk=row.pk).update(created_at=created)
        rows.append(row)
    await rebuild_rollups()  # the times were set behind the API's back
    return rows


async def test_counts_by_stage_and_source_and_new_customers_per_month(gql, db):
    rows = await _insert()
    rows[0].deleted_at = datetime(2026, 2, 1, tzinfo=UTC)  # deleted: not counted
    await rows[0].save()
    await rebuild_rollups()
    counted = PEOPLE[1:]
    stats = (await gql.data(CUSTOMER_STATS, {"from": "2026-01-01", "to": "2026-03-31"}))[
        "customerStats"
    ]
    assert stats["total"] == len(counted)
    stages = Counter(stage.value for stage, _, _ in counted)
    sources = Counter(source.value for _, source, _ in counted)
    assert {s["stage"]: s["count"] for s in stats["byLifecycleStage"]} == {
        stage.value: stages[stage.value] for stage in LifecycleStage
    }
    assert {s["source"]: s["count"] for s in stats["bySource"]} == {
        source.value: sources[source.value] for source in CustomerSource
    }
    months = Counter(created.month for _, _, created in counted if created.year == 2026)
    assert [(p["period"], p["count"]) for p in stats["newCustomers"]] == [
        ("2026-01", months[1]),
        ("2026-02", 0),
        ("2026-03", months[3]),
    ]


async def test_new_customers_per_month_in_a_time_zone(gql, db):
    await _insert()
    stats = (
        await gql.data(
            CUSTOMER_STATS,
            {"from": "2026-01-01", "to": "2026-02-28", "timeZone": "Europe/Berlin"},
        )
    )["customerStats"]
    # 23:30 UTC on January 31 is February 1 in Berlin.
    assert [(p["period"], p["start"], p["count"]) for p in stats["newCustomers"]] == [
        ("2026-01", "2026-01-01T00:00:00+01:00", 1),
        ("2026-02", "2026-02-01T00:00:00+01:00", 1),
    ]


async def test_filter_applies_to_every_count(gql, db):
    await _insert()
    stats = (
        await gql.data(
            CUSTOMER_STATS,
            {
                "filter": {"source": {"eq": "WEB_FORM"}},
                "from": "2026-01-01",
                "to": "2026-01-31",
            },
        )
    )["customerStats"]
    web = [p for p in PEOPLE if p[1] == CustomerSource.WEB_FORM]
    assert stats["total"] == len(web)
    assert {s["source"]: s["count"] for s in stats["bySource"] if s["count"]} == {
        "WEB_FORM": len(web)
    }
    assert stats["newCustomers"] == [
        {"period": "2026-01", "start": "2026-01-01T00:00:00+00:00", "count": 2}
    ]


async def test_without_a_range_the_last_twelve_months_up_to_today(gql, db):
    await make_customer()  # created now
    stats = (await gql.data(CUSTOMER_STATS))["customerStats"]
    periods = stats["newCustomers"]
    today = datetime.now(UTC)
    assert len(periods) == 12
    assert periods[-1] == {
        "period": f"{today.year}-{today.month:02d}",
        "start": f"{today.year}-{today.month:02d}-01T00:00:00+00:00",
        "count": 1,
    }
