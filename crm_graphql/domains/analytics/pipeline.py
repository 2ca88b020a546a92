"""The sales pipeline: opportunities per stage, amounts, win rate, time to close."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry
from tortoise.expressions import Q

from crm_graphql.api.aggregation.arguments import currency_code, may_read
from crm_graphql.api.aggregation.cache import cached_view
from crm_graphql.api.aggregation.core import Dimension, Measure, aggregate
from crm_graphql.api.context import Info
from crm_graphql.api.filters import filter_q
from crm_graphql.api.json import plain
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.roles import FINANCIAL
from crm_graphql.domains.sales.enums import OpportunityStage
from crm_graphql.domains.sales.filters import OpportunityFilter
from crm_graphql.domains.sales.models import OPEN_STAGES
from crm_graphql.domains.sales.models import Opportunity as OpportunityModel

ZERO = Decimal("0.00")


@strawberry.type(description="The opportunities in one pipeline stage.")
class PipelineStage:
    stage: OpportunityStage = strawberry.field(description="The stage.")
    count: int = strawberry.field(description="Opportunities in the stage (every currency).")
    amount: Decimal | None = guarded_field(
        FINANCIAL, "Sum of their amounts in `currency`.", attr="amount"
    )
    weighted_amount: Decimal | None = guarded_field(
        FINANCIAL,
        "Sum of amount x probability / 100 over those in `currency`.",
        attr="weighted_amount",
    )


@strawberry.type(
    description="The sales pipeline of the opportunities matching the filter (filter on "
    "`closedAt` for the win rate of a period)."
)
class SalesPipeline:
    currency: str = strawberry.field(description="ISO 4217 currency of every amount.")
    stages: list[PipelineStage] = strawberry.field(
        description="Every stage in pipeline order, zero when empty."
    )
    count: int = strawberry.field(description="Opportunities in every stage.")
    total_amount: Decimal | None = guarded_field(
        FINANCIAL, "Sum of the amounts of the open stages in `currency`.", attr="total_amount"
    )
    weighted_total: Decimal | None = guarded_field(
        FINANCIAL, "Sum of the weighted amounts of the open stages.", attr="weighted_total"
    )
    won_count: int = strawberry.field(description="Opportunities won (CLOSED_WON).")
    lost_count: int = strawberry.field(description="Opportunities lost (CLOSED_LOST).")
    win_rate: float | None = strawberry.field(
        description="Won / (won + lost), from 0 to 1; null when none is closed."
    )
    average_days_to_close: float | None = strawberry.field(
        description="Average days from creation to closing of the won ones; null when none."
    )


async def sales_pipeline(
    info: Info, filter: OpportunityFilter | None, currency: str | None
) -> SalesPipeline:
    """Per stage: count, amount, weighted amount; one statement."""
    where = filter_q(filter, info)
    code = currency_code(info, currency)
    money = may_read(info, FINANCIAL)

    async def compute() -> list[dict[str, Any]]:
        measures = [
            Measure("count", "count"),
            Measure("days", "avg_days", "created_at", until="closed_at"),
        ]
        if money:  # no SQL for amounts a role may not read
            in_currency = Q(currency=code)
            measures += [
                Measure("amount", "sum", "amount", money=True, where=in_currency),
                Measure(
                    "weighted",
                    "sum",
                    "amount",
                    money=True,
                    weight="probability",
                    where=in_currency,
                ),
            ]
        return await aggregate(OpportunityModel, where, [Dimension("stage", "stage")], measures)

    arguments = {"filter": plain(filter), "currency": code, "money": money}
    rows = await cached_view(info, "salesPipeline", arguments, compute)
    by_stage = {row["stage"]: row for row in rows}
    stages = []
    for stage in OpportunityStage:
        row = by_stage.get(stage.value, {})
        stages.append(
            PipelineStage(
                stage=stage,
                count=row.get("count", 0),
                amount=(row.get("amount") or ZERO) if money else None,
                weighted_amount=(row.get("weighted") or ZERO) if money else None,
            )
        )
    open_stages = [s for s in stages if s.stage in OPEN_STAGES]
    won = by_stage.get(OpportunityStage.CLOSED_WON.value, {})
    won_count = won.get("count", 0)
    lost_count = by_stage.get(OpportunityStage.CLOSED_LOST.value, {}).get("count", 0)
    closed = won_count + lost_count
    days = won.get("days")
    return SalesPipeline(
        currency=code,
        stages=stages,
        count=sum(s.count for s in stages),
        total_amount=sum((s.amount or ZERO for s in open_stages), ZERO) if money else None,
        weighted_total=sum((s.weighted_amount or ZERO for s in open_stages), ZERO)
        if money
        else None,
        won_count=won_count,
        lost_count=lost_count,
        win_rate=won_count / closed if closed else None,
        average_days_to_close=round(days, 2) if days is not None else None,
    )
