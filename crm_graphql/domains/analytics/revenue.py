"""Revenue over time: PAID and SHIPPED orders per local period, empty periods as zero."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from tortoise.expressions import Q

from crm_graphql.api.aggregation.arguments import currency_code, local_range, may_read
from crm_graphql.api.aggregation.cache import cached_view
from crm_graphql.api.aggregation.core import Dimension, Measure, aggregate
from crm_graphql.api.aggregation.periods import (
    Granularity,
    local_midnight,
    next_period,
    offset_shifts,
    period_label,
    period_starts,
)
from crm_graphql.api.context import Info
from crm_graphql.api.filters import filter_q
from crm_graphql.api.json import plain
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.roles import FINANCIAL
from crm_graphql.domains.orders.filters import OrderFilter
from crm_graphql.domains.orders.models import REVENUE_STATUSES
from crm_graphql.domains.orders.models import Order as OrderModel

ZERO = Decimal("0.00")


@strawberry.type(description="Revenue of one local period.")
class RevenuePeriod:
    period: str = strawberry.field(
        description="Name of the period: 2026-03-29, 2026-W13, 2026-03, 2026-Q1 or 2026."
    )
    start: datetime = strawberry.field(
        description="When the period begins, local time with the zone's offset."
    )
    end: datetime = strawberry.field(description="When the next period begins.")
    amount: Decimal | None = guarded_field(
        FINANCIAL, "Sum of the order totals (zero for a period without orders).", attr="amount"
    )
    order_count: int = strawberry.field(description="Number of orders.")


@strawberry.type(description="Revenue per period of PAID and SHIPPED orders in one currency.")
class RevenueSeries:
    currency: str = strawberry.field(description="ISO 4217 currency of the orders counted.")
    time_zone: str = strawberry.field(description="The time zone of the periods.")
    granularity: Granularity = strawberry.field(description="The length of the periods.")
    periods: list[RevenuePeriod] = strawberry.field(
        description="Every period from the one containing `from` to the one containing `to`, "
        "oldest first; only orders placed from `from` to `to` count."
    )
    total_amount: Decimal | None = guarded_field(
        FINANCIAL, "Sum over every period.", attr="total_amount"
    )
    order_count: int = strawberry.field(description="Orders over every period.")


async def revenue(
    info: Info,
    granularity: Granularity,
    first: date,
    last: date,
    zone_name: str,
    currency: str | None,
    filter: OrderFilter | None,
) -> RevenueSeries:
    """Orders by local period of ``placed_at``: one statement."""
    span = local_range(first, last, zone_name)
    starts = period_starts(first, last, granularity, info.context.settings.analytics_max_periods)
    code = currency_code(info, currency)
    money = may_read(info, FINANCIAL)
    where = filter_q(filter, info) & Q(
        status__in=REVENUE_STATUSES,
        currency=code,
        placed_at__gte=span.start,
        placed_at__lt=span.end,
    )
    shifts = tuple(offset_shifts(span.zone, span.start, span.end))

    async def compute() -> list[dict[str, Any]]:
        measures = [Measure("orders", "count")]
        if money:
            measures.append(Measure("amount", "sum", "total", money=True))
        period = Dimension("period", "placed_at", granularity, shifts)
        return await aggregate(OrderModel, where, [period], measures)

    arguments = {
        "granularity": granularity.name,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "timeZone": zone_name,
        "currency": code,
        "filter": plain(filter),
        "money": money,
    }
    rows = await cached_view(info, "revenue", arguments, compute)
    found = {row["period"]: row for row in rows}
    periods = []
    for start in starts:
        row = found.get(start, {})
        periods.append(
            RevenuePeriod(
                period=period_label(start, granularity),
                start=local_midnight(start, span.zone),
                end=local_midnight(next_period(start, granularity), span.zone),
                amount=(row.get("amount") or ZERO) if money else None,
                order_count=row.get("orders", 0),
            )
        )
    return RevenueSeries(
        currency=code,
        time_zone=zone_name,
        granularity=granularity,
        periods=periods,
        total_amount=sum((p.amount or ZERO for p in periods), ZERO) if money else None,
        order_count=sum(p.order_count for p in periods),
    )
