"""``leadFunnel``: the leads created in a period, per status and source, how many were
converted and how long conversion took."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import strawberry
from tortoise.functions import Count

from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.domains.leads.enums import LeadSource, LeadStatus
from crm_graphql.domains.leads.models import Lead


@strawberry.input(description="A range of days (UTC), both included.")
class LeadPeriodInput:
    from_: date = strawberry.field(name="from", description="The first day.")
    to: date = strawberry.field(description="The last day (not before `from`).")


@strawberry.type(description="Leads of one status (or source) created in the period.")
class LeadFunnelCount:
    status: LeadStatus | None = strawberry.field(description="The status (for `byStatus`).")
    source: LeadSource | None = strawberry.field(description="The source (for `bySource`).")
    count: int = strawberry.field(description="Leads created in the period.")
    converted: int = strawberry.field(description="Of these, how many are CONVERTED now.")


@strawberry.type(description="The leads created in a period and what became of them.")
class LeadFunnel:
    total: int = strawberry.field(description="Leads created in the period.")
    converted: int = strawberry.field(description="Of these, how many are CONVERTED now.")
    conversion_rate: float | None = strawberry.field(
        description="converted / total (0-1); null when no lead was created."
    )
    median_days_to_convert: float | None = strawberry.field(
        description="Median days from creation to conversion of the converted ones; null "
        "when none was converted."
    )
    by_status: list[LeadFunnelCount] = strawberry.field(
        description="Counts per current status, in the order of the status machine."
    )
    by_source: list[LeadFunnelCount] = strawberry.field(
        description="Counts per source (sources without leads are left out)."
    )


async def lead_funnel(period: LeadPeriodInput) -> LeadFunnel:
    """Two statements: counts grouped by status and source, and the conversion times."""
    if period.to < period.from_:
        raise CrmError("`to` is before `from`.", ErrorCode.BAD_USER_INPUT, argument="period")
    start = datetime.combine(period.from_, time(), UTC)
    end = datetime.combine(period.to + timedelta(days=1), time(), UTC)
    rows = await (
        Lead.filter(created_at__gte=start, created_at__lt=end)
        .annotate(n=Count("id"))
        .group_by("status", "source")
        .values_list("status", "source", "n")
    )
    by_status: Counter[LeadStatus] = Counter()
    by_source: Counter[LeadSource] = Counter()
    converted_by_source: Counter[LeadSource] = Counter()
    for status, source, n in rows:
        by_status[LeadStatus(status)] += n
        by_source[LeadSource(source)] += n
        if status == LeadStatus.CONVERTED:
            converted_by_source[LeadSource(source)] += n
    times = await Lead.filter(
        created_at__gte=start, created_at__lt=end, converted_at__isnull=False
    ).values_list("created_at", "converted_at")
    days = [(converted - created).total_seconds() / 86400 for created, converted in times]
    total = sum(by_status.values())
    converted = by_status[LeadStatus.CONVERTED]
    return LeadFunnel(
        total=total,
        converted=converted,
        conversion_rate=converted / total if total else None,
        median_days_to_convert=round(statistics.median(days), 2) if days else None,
        by_status=[
            LeadFunnelCount(
                status=status,
                source=None,
                count=by_status[status],
                converted=by_status[status] if status == LeadStatus.CONVERTED else 0,
            )
            for status in LeadStatus
        ],
        by_source=[
            LeadFunnelCount(
                status=None, source=source, count=n, converted=converted_by_source[source]
            )
            for source, n in sorted(by_source.items())
        ],
    )
