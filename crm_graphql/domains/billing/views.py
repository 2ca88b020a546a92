"""Receivables ageing and cash flow: aggregated in the database, one statement per part.

Both views read only what the caller may read (SALES: its own customers); their root
fields are guarded for the FINANCIAL roles (every number in them is money).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import strawberry
from tortoise.expressions import Q
from tortoise.functions import Sum

from crm_graphql.api.aggregation import rollups
from crm_graphql.api.aggregation.arguments import currency_code, local_range
from crm_graphql.api.aggregation.core import Dimension, Measure, aggregate, aggregate_rows
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
from crm_graphql.api.loaders import load_by_id
from crm_graphql.domains.analytics.models import ReceivableCustomerTally, ReceivableDueTally
from crm_graphql.domains.billing.models import (
    ISSUED_STATUSES,
    OPEN_STATUSES,
    Invoice,
    Payment,
)
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.customers.types import Customer as CustomerType

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
#: The ageing buckets: (name, first day past due, last day past due or None).
BUCKETS = (("days1to30", 1, 30), ("days31to60", 31, 60), ("days61to90", 61, 90))
MAX_CUSTOMERS = 1000


@strawberry.type(description="Open balances by how long they are past due.")
class AgeingBuckets:
    current: Decimal = strawberry.field(description="Not yet due (due on or after `asOf`).")
    days1to30: Decimal = strawberry.field(description="1-30 days past due.")
    days31to60: Decimal = strawberry.field(description="31-60 days past due.")
    days61to90: Decimal = strawberry.field(description="61-90 days past due.")
    over90: Decimal = strawberry.field(description="More than 90 days past due.")
    total: Decimal = strawberry.field(description="Sum of the buckets.")
    invoice_count: int = strawberry.field(description="Open invoices (and credit notes).")


@strawberry.type(description="One customer's open balance by age.")
class CustomerAgeing:
    customer_id: strawberry.Private[int]
    buckets: AgeingBuckets = strawberry.field(description="The customer's buckets.")

    @strawberry.field(description="The customer.", graphql_type=CustomerType | None)
    async def customer(self, info: Info) -> Customer | None:
        return await load_by_id(info, Customer, self.customer_id)


@strawberry.type(description="Receivables ageing in one currency as of a day.")
class ReceivablesAgeing:
    as_of: date = strawberry.field(description="The day balances are aged at.")
    currency: str = strawberry.field(description="ISO 4217 currency of every amount.")
    total: AgeingBuckets = strawberry.field(description="Every customer together.")
    customers: list[CustomerAgeing] = strawberry.field(
        description="Customers with an open balance, largest total first (at most `first`)."
    )
    has_more: bool = strawberry.field(description="Whether customers were left out.")


def _age_windows(as_of: date) -> dict[str, Q]:
    """The due dates of each bucket on ``as_of`` (``total``: every open balance)."""
    windows = {
        "current": Q(due_date__gte=as_of),
        "over90": Q(due_date__lt=as_of - timedelta(90)),
    }
    for name, low, high in BUCKETS:
        windows[name] = Q(
            due_date__lte=as_of - timedelta(low), due_date__gte=as_of - timedelta(high)
        )
    return windows


def _age_measures(as_of: date) -> list[Measure]:
    measures = [
        Measure(name, "sum", "balance", money=True, where=window)
        for name, window in _age_windows(as_of).items()
    ]
    return [*measures, Measure("total", "sum", "balance", money=True), Measure("invoices", "count")]


def _buckets(row: dict[str, Any]) -> AgeingBuckets:
    return AgeingBuckets(
        current=row.get("current") or ZERO,
        days1to30=row.get("days1to30") or ZERO,
        days31to60=row.get("days31to60") or ZERO,
        days61to90=row.get("days61to90") or ZERO,
        over90=row.get("over90") or ZERO,
        total=row.get("total") or ZERO,
        invoice_count=row.get("invoices", 0),
    )


async def receivables_ageing(
    info: Info, as_of: date | None, currency: str | None, first: int | None
) -> ReceivablesAgeing:
    """Open balances (as they stand) of issued invoices and credit notes in one currency,
    aged by days past their due date on ``as_of``.

    Balances are counted as they stand now, so the tallies of open invoices kept by every
    change answer exactly (see :func:`_ageing_from_tallies`) for a caller who may read
    every invoice; otherwise two grouped statements over the open invoices (totals,
    customers)."""
    day = as_of or datetime.now().date()
    code = currency_code(info, currency)
    limit = MAX_CUSTOMERS if first is None else first
    if not 0 <= limit <= MAX_CUSTOMERS:
        raise CrmError(
            f"`first` is 0 to {MAX_CUSTOMERS}.", ErrorCode.BAD_USER_INPUT, argument="first"
        )
    readable = readable_q(Invoice, info.context.principal)
    if rollups.rollup_reads.get() and not readable.filters and not readable.children:
        rollups.note_path("rollup")
        totals, rows = await _ageing_from_tallies(day, code, limit)
    else:
        rollups.note_path("live")
        where = readable & Q(status__in=OPEN_STATUSES, currency=code)
        measures = _age_measures(day)
        (totals,) = await aggregate_rows(Invoice, where, [], measures)
        rows = await aggregate_rows(
            Invoice,
            where,
            [Dimension("customer", "customer_id")],
            measures,
            order_by=["-total"],
            limit=limit + 1,
        )
    return ReceivablesAgeing(
        as_of=day,
        currency=code,
        total=_buckets(totals),
        customers=[
            CustomerAgeing(customer_id=row["customer"], buckets=_buckets(row))
            for row in rows[:limit]
        ],
        has_more=len(rows) > limit,
    )


def _cents(value: Any) -> Decimal:
    return (Decimal(int(value or 0)) / 100).quantize(CENT)


async def _ageing_from_tallies(
    day: date, code: str, limit: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ageing from the tallies of open invoices: the totals from the balances per
    due date (one row per day, whatever the number of invoices), and the ``limit + 1``
    customers with the largest open balances read top down from the ranking index (the
    order of the rows': largest total first, then the lower customer ID), whose buckets
    are summed from their own open invoices."""
    sums = {
        name: Sum("balance_cents", _filter=Q(condition))
        for name, condition in _age_windows(day).items()
    }
    found = (
        await ReceivableDueTally.filter(currency=code)
        .annotate(**sums, total=Sum("balance_cents"), invoices=Sum("invoices"))
        .values(*sums, "total", "invoices")
    )
    row = found[0] if found else {}
    totals: dict[str, Any] = {name: _cents(row.get(name)) for name in (*sums, "total")}
    totals["invoices"] = int(row.get("invoices") or 0)
    ranked = (
        await ReceivableCustomerTally.filter(currency=code, invoices__gt=0)
        .order_by("-balance_cents", "customer_id")
        .limit(limit + 1)
        .values_list("customer_id", flat=True)
    )
    if not ranked:
        return totals, []
    rows = await aggregate_rows(
        Invoice,
        Q(status__in=OPEN_STATUSES, currency=code, customer_id__in=list(ranked)),
        [Dimension("customer", "customer_id")],
        _age_measures(day),
        order_by=["-total"],
    )
    return totals, rows


@strawberry.type(description="Invoiced and collected in one local period.")
class CashflowPeriod:
    period: str = strawberry.field(
        description="Name of the period: 2026-03-29, 2026-W13, 2026-03, 2026-Q1 or 2026."
    )
    start: datetime = strawberry.field(description="When the period begins, local time.")
    end: datetime = strawberry.field(description="When the next period begins.")
    invoiced: Decimal = strawberry.field(
        description="Totals of invoices dated (issue date) in the period, less its credit notes."
    )
    collected: Decimal = strawberry.field(
        description="Payments received in the period, less refunds."
    )
    invoice_count: int = strawberry.field(description="Invoices and credit notes issued.")
    payment_count: int = strawberry.field(description="Payments and refunds received.")


@strawberry.type(description="Invoiced vs collected per period in one currency, and DSO.")
class Cashflow:
    currency: str = strawberry.field(description="ISO 4217 currency of every amount.")
    time_zone: str = strawberry.field(description="The time zone of the periods.")
    granularity: Granularity = strawberry.field(description="The length of the periods.")
    periods: list[CashflowPeriod] = strawberry.field(
        description="Every period from the one containing `from` to the one containing `to`."
    )
    invoiced: Decimal = strawberry.field(description="Invoiced over the whole range.")
    collected: Decimal = strawberry.field(description="Collected over the whole range.")
    receivables: Decimal = strawberry.field(
        description="What is still owed today on the invoices issued in the range."
    )
    days_sales_outstanding: float | None = strawberry.field(
        description="DSO: receivables / invoiced x days in the range; null when nothing "
        "was invoiced."
    )


async def cashflow(
    info: Info,
    granularity: Granularity,
    first: date,
    last: date,
    zone_name: str,
    currency: str | None,
) -> Cashflow:
    """Invoices by period of their issue date and payments by local period of
    ``received_at``: two
    statements (the receivables are a measure of the first)."""
    span = local_range(first, last, zone_name)
    starts = period_starts(first, last, granularity, info.context.settings.analytics_max_periods)
    code = currency_code(info, currency)
    principal = info.context.principal
    shifts = tuple(offset_shifts(span.zone, span.start, span.end))
    invoices = await aggregate(
        Invoice,
        readable_q(Invoice, principal)
        & Q(
            status__in=ISSUED_STATUSES,
            currency=code,
            issue_date__gte=first,
            issue_date__lte=last,
        ),
        # The issue date is a calendar day, the same in every zone.
        [Dimension("period", "issue_date", granularity)],
        [
            Measure("count", "count"),
            Measure("amount", "sum", "total", money=True),
            Measure("open", "sum", "balance", money=True),
        ],
    )
    payments = await aggregate(
        Payment,
        readable_q(Payment, principal)
        & Q(currency=code, received_at__gte=span.start, received_at__lt=span.end),
        [Dimension("period", "received_at", granularity, shifts)],
        [Measure("count", "count"), Measure("amount", "sum", "amount", money=True)],
    )
    billed = {row["period"]: row for row in invoices}
    paid = {row["period"]: row for row in payments}
    periods = []
    for start in starts:
        i, p = billed.get(start, {}), paid.get(start, {})
        periods.append(
            CashflowPeriod(
                period=period_label(start, granularity),
                start=local_midnight(start, span.zone),
                end=local_midnight(next_period(start, granularity), span.zone),
                invoiced=i.get("amount") or ZERO,
                collected=p.get("amount") or ZERO,
                invoice_count=i.get("count", 0),
                payment_count=p.get("count", 0),
            )
        )
    invoiced = sum((p.invoiced for p in periods), ZERO)
    receivables = sum((row.get("open") or ZERO for row in invoices), ZERO)
    days = (last - first).days + 1
    return Cashflow(
        currency=code,
        time_zone=zone_name,
        granularity=granularity,
        periods=periods,
        invoiced=invoiced,
        collected=sum((p.collected for p in periods), ZERO),
        receivables=receivables,
        days_sales_outstanding=(
            round(float(receivables / invoiced) * days, 1) if invoiced > 0 else None
        ),
    )
