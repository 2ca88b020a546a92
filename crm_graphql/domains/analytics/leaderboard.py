"""The sales leaderboard: per owner, deals won in a period, open pipeline, interactions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import strawberry
from tortoise.expressions import Q

from crm_graphql.api.aggregation.arguments import (
    currency_code,
    group_limit,
    local_range,
    may_read,
    require_role,
)
from crm_graphql.api.aggregation.cache import cached_view
from crm_graphql.api.aggregation.core import Dimension, Measure, aggregate
from crm_graphql.api.context import Info
from crm_graphql.api.loaders import loaded, preload, selected_fields
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.roles import FINANCIAL
from crm_graphql.domains.analytics.enums import LeaderboardBy
from crm_graphql.domains.interactions.models import Interaction as InteractionModel
from crm_graphql.domains.sales.models import OPEN_STAGES, OpportunityStage
from crm_graphql.domains.sales.models import Opportunity as OpportunityModel
from crm_graphql.domains.users.models import User as UserModel
from crm_graphql.domains.users.types import User

ZERO = Decimal("0.00")
_SORT_KEY = {
    LeaderboardBy.WON_AMOUNT: "won_amount",
    LeaderboardBy.WON_COUNT: "won_count",
    LeaderboardBy.OPEN_PIPELINE: "open_amount",
    LeaderboardBy.INTERACTIONS_LOGGED: "interactions",
}


@strawberry.input(description="A range of local days, both included.")
class DateRangeInput:
    from_: date = strawberry.field(name="from", description="The first day.")
    to: date = strawberry.field(description="The last day (not before `from`).")


@strawberry.type(description="One staff member's results.")
class LeaderboardEntry:
    rank: int = strawberry.field(description="Position, from 1.")
    won_amount: Decimal | None = guarded_field(
        FINANCIAL, "Amount won in the period, in `currency`.", attr="won_amount"
    )
    won_count: int = strawberry.field(description="Opportunities won in the period.")
    open_pipeline: Decimal | None = guarded_field(
        FINANCIAL, "Amount of the open opportunities now, in `currency`.", attr="open_pipeline"
    )
    open_count: int = strawberry.field(description="Open opportunities now.")
    interactions_logged: int = strawberry.field(
        description="Interactions the staff member recorded in the period."
    )
    _owner_id: strawberry.Private[int]

    @strawberry.field(description="The staff member.")
    def owner(self, info: Info) -> User | None:
        return loaded(info, UserModel, self._owner_id)


async def _results(span_start: Any, span_end: Any, code: str, money: bool) -> dict[str, Any]:
    won = Q(stage=OpportunityStage.CLOSED_WON, closed_at__gte=span_start, closed_at__lt=span_end)
    open_ = Q(stage__in=OPEN_STAGES)
    measures = [
        Measure("won_count", "count", where=won),
        Measure("open_count", "count", where=open_),
    ]
    if money:
        measures += [
            Measure("won_amount", "sum", "amount", money=True, where=won & Q(currency=code)),
            Measure("open_amount", "sum", "amount", money=True, where=open_ & Q(currency=code)),
        ]
    owner = [Dimension("user", "owner_id")]
    deals = await aggregate(
        OpportunityModel, Q(owner_id__isnull=False) & (won | open_), owner, measures
    )
    logged = await aggregate(
        InteractionModel,
        Q(author_id__isnull=False, occurred_at__gte=span_start, occurred_at__lt=span_end),
        [Dimension("user", "author_id")],
        [Measure("interactions", "count")],
    )
    return {"deals": deals, "logged": logged}


async def sales_leaderboard(
    info: Info,
    period: DateRangeInput,
    zone_name: str,
    currency: str | None,
    by: LeaderboardBy,
    first: int | None,
) -> list[LeaderboardEntry]:
    """Two statements (opportunities and interactions, grouped by staff member)."""
    if by in (LeaderboardBy.WON_AMOUNT, LeaderboardBy.OPEN_PIPELINE):
        require_role(info, FINANCIAL, "by", "amounts")
    span = local_range(period.from_, period.to, zone_name, argument="period")
    code = currency_code(info, currency)
    money = may_read(info, FINANCIAL)
    limit = group_limit(info, first)

    async def compute() -> dict[str, Any]:
        return await _results(span.start, span.end, code, money)

    arguments = {
        "from": period.from_.isoformat(),
        "to": period.to.isoformat(),
        "timeZone": zone_name,
        "currency": code,
        "money": money,
    }
    result = await cached_view(info, "salesLeaderboard", arguments, compute)
    people: dict[int, dict[str, Any]] = {}
    for row in (*result["deals"], *result["logged"]):
        people.setdefault(row["user"], {}).update(row)
    ranked = sorted(people.items(), key=lambda item: (-(item[1].get(_SORT_KEY[by]) or 0), item[0]))
    if "owner" in selected_fields(info):
        await preload(info, UserModel, (user_id for user_id, _ in ranked[:limit]))
    return [
        LeaderboardEntry(
            rank=rank,
            won_amount=(values.get("won_amount") or ZERO) if money else None,
            won_count=values.get("won_count", 0),
            open_pipeline=(values.get("open_amount") or ZERO) if money else None,
            open_count=values.get("open_count", 0),
            interactions_logged=values.get("interactions", 0),
            _owner_id=user_id,
        )
        for rank, (user_id, values) in enumerate(ranked[:limit], start=1)
    ]
