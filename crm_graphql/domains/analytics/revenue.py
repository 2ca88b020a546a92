"""Revenue over time: PAID and SHIPPED orders per local period, empty periods as zero."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
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
from crm_graphql.api.entities import readable_q
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.filters import filter_q
from crm_graphql.api.json import plain
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.roles import FINANCIAL
from crm_graphql.domains.billing.models import ISSUED_STATUSES
from crm_graphql.domains.billing.models import Invoice as InvoiceModel
from crm_graphql.domains.billing.models import Payment as PaymentModel
from crm_graphql.domains.orders.filters import OrderFilter
from crm_graphql.domains.orders.models import REVENUE_STATUSES
from crm_graphql.domains.orders.models import Order as OrderModel

ZERO = Decimal("0.00")


@strawberry.enum(description="What revenue counts.")
class RevenueBasis(Enum):
    ORDERED = strawberry.enum_value(
        "ORDERED", description="Totals of PAID and SHIPPED orders by when they were placed."
    )
    INVOICED = strawberry.enum_value(
        "INVOICED",
        description="Totals of issued invoices less credit notes, by their issue date.",
    )
    PAID = strawberry.enum_value(
        "PAID", description="Payments received less refunds, by when they were received."
    )


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
    basis: RevenueBasis = RevenueBasis.ORDERED,
) -> RevenueSeries:
    """Orders by local period of ``placed_at`` (or invoices by ``issue_date``, payments by
    ``received_at``, see :class:`RevenueBasis`): one statement. ``orderCount`` counts the
    records summed (orders, invoices or payments)."""
    if basis is not RevenueBasis.ORDERED and filter is not None:
        raise CrmError(
            "`filter` applies to orders: only with basis ORDERED.",
            ErrorCode.BAD_USER_INPUT,
            argument="filter",
        )
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
    model: Any = OrderModel
    column, amount = "placed_at", "total"
    if basis is RevenueBasis.INVOICED:
        # The issue date is a calendar day, the same in every zone.
        model, column, shifts = InvoiceModel, "issue_date", ()
        where = readable_q(model, info.context.principal) & Q(
            status__in=ISSUED_STATUSES,
            currency=code,
            issue_date__gte=first,
            issue_date__lte=last,
        )
    elif basis is RevenueBasis.PAID:
        model, column, amount = PaymentModel, "received_at", "amount"
        where = readable_q(model, info.context.principal) & Q(
            currency=code, received_at__gte=span.start, received_at__lt=span.end
        )

    async def compute() -> list[dict[str, Any]]:
        measures = [Measure("orders", "count")]
        if money:
            measures.append(Measure("amount", "sum", amount, money=True))
        period = Dimension("period", column, granularity, shifts)
        return await aggregate(model, where, [period], measures)

    arguments = {
        "granularity": granularity.name,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "timeZone": zone_name,
        "currency": code,
        "filter": plain(filter),
        "money": money,
        "basis": basis.name,
        # Invoices and payments follow row rules: one cache entry per reader.
        "reader": (
            None
            if basis is RevenueBasis.ORDERED or info.context.principal is None
            else info.context.principal.user_id
        ),
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
