"""Customer statistics: counts by lifecycle stage and by source, new customers per period."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import strawberry
from tortoise.expressions import Q

from crm_graphql.api.aggregation.arguments import local_range
from crm_graphql.api.aggregation.cache import cached_view
from crm_graphql.api.aggregation.core import Dimension, Measure, aggregate
from crm_graphql.api.aggregation.periods import (
    Granularity,
    local_midnight,
    offset_shifts,
    period_label,
    period_start,
    period_starts,
    time_zone,
)
from crm_graphql.api.context import Info
from crm_graphql.api.filters import filter_q
from crm_graphql.api.json import plain
from crm_graphql.domains.customers.enums import CustomerSource, LifecycleStage
from crm_graphql.domains.customers.filters import CustomerFilter
from crm_graphql.domains.customers.models import Customer as CustomerModel

#: Soft-deleted customers are not counted, as they are not listed.
_VISIBLE = Q(deleted_at__isnull=True)
#: Periods shown when no range is given: the current one and the ones before it.
DEFAULT_PERIODS = 12


@strawberry.type(description="Customers in one lifecycle stage.")
class LifecycleStageCount:
    stage: LifecycleStage = strawberry.field(description="The stage.")
    count: int = strawberry.field(description="Number of customers.")


@strawberry.type(description="Customers who came from one source.")
class CustomerSourceCount:
    source: CustomerSource = strawberry.field(description="The source.")
    count: int = strawberry.field(description="Number of customers.")


@strawberry.type(description="A count of one local period.")
class PeriodCount:
    period: str = strawberry.field(
        description="Name of the period: 2026-03-29, 2026-W13, 2026-03, 2026-Q1 or 2026."
    )
    start: datetime = strawberry.field(description="When the period begins, local time.")
    count: int = strawberry.field(description="The count (zero for an empty period).")


@strawberry.type(description="Statistics of the customers matching the filter.")
class CustomerStats:
    total: int = strawberry.field(description="Number of customers.")
    by_lifecycle_stage: list[LifecycleStageCount] = strawberry.field(
        description="Every lifecycle stage, zero when empty."
    )
    by_source: list[CustomerSourceCount] = strawberry.field(
        description="Every source, zero when empty."
    )
    new_customers: list[PeriodCount] = strawberry.field(
        description="Customers created in each period of the range, oldest first."
    )


def default_range(zone_name: str, granularity: Granularity) -> tuple[date, date]:
    """The last ``DEFAULT_PERIODS`` periods up to today in the zone."""
    today = datetime.now(UTC).astimezone(time_zone(zone_name)).date()
    first = period_start(today, granularity)
    for _ in range(DEFAULT_PERIODS - 1):
        first = period_start(first - timedelta(days=1), granularity)
    return first, today


async def customer_stats(
    info: Info,
    filter: CustomerFilter | None,
    granularity: Granularity,
    first: date | None,
    last: date | None,
    zone_name: str,
) -> CustomerStats:
    """Two statements: counts by stage and source, and new customers per period."""
    if first is None or last is None:
        default_first, default_last = default_range(zone_name, granularity)
        first, last = first or default_first, last or default_last
    span = local_range(first, last, zone_name)
    starts = period_starts(first, last, granularity, info.context.settings.analytics_max_periods)
    where = _VISIBLE & filter_q(filter, info)
    created = Q(created_at__gte=span.start, created_at__lt=span.end)
    period = Dimension(
        "period", "created_at", granularity, tuple(offset_shifts(span.zone, span.start, span.end))
    )

    async def compute() -> dict[str, Any]:
        count = [Measure("count", "count")]
        breakdown = await aggregate(
            CustomerModel,
            where,
            [Dimension("stage", "lifecycle_stage"), Dimension("source", "source")],
            count,
        )
        new = await aggregate(CustomerModel, where & created, [period], count)
        return {"breakdown": breakdown, "new": new}

    arguments = {
        "filter": plain(filter),
        "granularity": granularity.name,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "timeZone": zone_name,
    }
    result = await cached_view(info, "customerStats", arguments, compute)
    stages = dict.fromkeys(LifecycleStage, 0)
    sources = dict.fromkeys(CustomerSource, 0)
    for row in result["breakdown"]:
        stages[LifecycleStage(row["stage"])] += row["count"]
        sources[CustomerSource(row["source"])] += row["count"]
    new = {row["period"]: row["count"] for row in result["new"]}
    return CustomerStats(
        total=sum(stages.values()),
        by_lifecycle_stage=[LifecycleStageCount(stage=s, count=n) for s, n in stages.items()],
        by_source=[CustomerSourceCount(source=s, count=n) for s, n in sources.items()],
        new_customers=[
            PeriodCount(
                period=period_label(start, granularity),
                start=local_midnight(start, span.zone),
                count=new.get(start, 0),
            )
            for start in starts
        ],
    )
