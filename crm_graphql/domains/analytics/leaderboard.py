"""The sales leaderboard: per owner, deals won in a period, open pipeline, interactions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import strawberry
from tortoise.expressions import Q

from crm_graphql.api.aggregation import rollups
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
from crm_graphql.domains.analytics.models import OwnerPipelineTally
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


async def _logged(
    span_start: Any,
    span_end: Any,
    authors: list[int] | None = None,
    ranked: int | None = None,
) -> list[dict[str, Any]]:
    where = Q(author_id__isnull=False, occurred_at__gte=span_start, occurred_at__lt=span_end)
    if authors is not None:
        where &= Q(author_id__in=authors)
    author = [Dimension("user", "author_id")]
    order = ["-interactions"] if ranked is not None else []
    return await aggregate(
        InteractionModel,
        where,
        author,
        [Measure("interactions", "count")],
        order_by=order,
        limit=ranked,
    )


async def _won(
    span_start: Any,
    span_end: Any,
    code: str,
    money: bool,
    owners: list[int] | None = None,
    ranked: tuple[str, int] | None = None,
) -> list[dict[str, Any]]:
    """The deals won in the period per owner, from the won deals' rollup (by closing time);
    ``ranked``: only the first so many by that measure (``won_count``, ``won_amount``)."""
    measures = [Measure("won_count", "count")]
    if money:
        measures.append(Measure("won_amount", "sum", "amount", money=True, where=Q(currency=code)))
    where = Q(owner_id__isnull=False, closed_at__gte=span_start, closed_at__lt=span_end)
    if owners is not None:
        where &= Q(owner_id__in=owners)
    won = Q(Q(stage=OpportunityStage.CLOSED_WON), where)
    order, limit = ([f"-{ranked[0]}"], ranked[1]) if ranked is not None else ([], None)
    return await aggregate(
        OpportunityModel,
        won,
        [Dimension("user", "owner_id")],
        measures,
        order_by=order,
        limit=limit,
    )


async def _open_leaders(code: str, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` owners by open amount in ``code`` (a positive one; ties by id),
    from the tally: their ``open_amount`` only."""
    rows = (
        await OwnerPipelineTally.filter(owner_id__isnull=False, currency=code, open_cents__gt=0)
        .order_by("-open_cents", "owner_id")
        .limit(limit)
        .values("owner_id", "open_cents")
    )
    return [
        {"user": row["owner_id"], "open_amount": (Decimal(row["open_cents"]) / 100).quantize(ZERO)}
        for row in rows
    ]


async def _open_pipeline(
    code: str, money: bool, owners: list[int] | None = None
) -> list[dict[str, Any]]:
    """Each owner's open deals now, from the per owner and currency tally (a row per
    owner and currency, however many deals)."""
    query = OwnerPipelineTally.filter(owner_id__isnull=False, open_count__gt=0)
    if owners is not None:
        query = query.filter(owner_id__in=owners)
    rows = await query.values("owner_id", "currency", "open_count", "open_cents")
    found: dict[int, dict[str, Any]] = {}
    for row in rows:
        owner = found.setdefault(row["owner_id"], {"user": row["owner_id"], "open_count": 0})
        owner["open_count"] += row["open_count"]
        if money and row["currency"] == code:
            owner["open_amount"] = (Decimal(row["open_cents"]) / 100).quantize(ZERO)
    return list(found.values())


async def _from_rollups(
    span_start: Any, span_end: Any, code: str, money: bool, by: LeaderboardBy, limit: int
) -> dict[str, Any]:
    """The same results from the won deals' rollup, the open pipeline's tally and the
    interactions' rollup by author. The database ranks every staff member by the ranked
    measure and returns the first ``limit`` (ORDER BY ... LIMIT: Python sees the board,
    not every owner); when all of them have a positive value they are the board (everyone
    else ranks after them), and the other measures are read for them alone. Otherwise
    every measure is read for everyone."""
    key = _SORT_KEY[by]
    reads = {
        "won": lambda people: _won(span_start, span_end, code, money, people),
        "open": lambda people: _open_pipeline(code, money, people),
        "logged": lambda people: _logged(span_start, span_end, people),
    }
    first = {"won_amount": "won", "won_count": "won", "open_amount": "open"}.get(key, "logged")
    if limit == 0:
        return {"deals": [], "logged": []}
    if first == "won":
        leaders = await _won(span_start, span_end, code, money, None, (key, limit))
    elif first == "open":
        leaders = await _open_leaders(code, limit)
    else:
        leaders = await _logged(span_start, span_end, None, limit)
    found: dict[str, list[dict[str, Any]]] = {}
    people: list[int] | None = None
    if len(leaders) == limit and all((row.get(key) or 0) > 0 for row in leaders):
        people = [row["user"] for row in leaders]
        if first != "open":  # the tally's ranked rows hold the amount in one currency only
            found[first] = leaders
    elif len(leaders) < limit and first != "open":
        found[first] = leaders  # every staff member with a row
    for name, read in reads.items():
        if name not in found:
            found[name] = await read(people) if people != [] else []
    return {"deals": [*found["won"], *found["open"]], "logged": found["logged"]}


async def _results(
    span_start: Any, span_end: Any, code: str, money: bool, by: LeaderboardBy, limit: int
) -> dict[str, Any]:
    if rollups.rollup_reads.get():
        rollups.note_path("rollup")
        return await _from_rollups(span_start, span_end, code, money, by, limit)
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
    return {"deals": deals, "logged": await _logged(span_start, span_end)}


async def sales_leaderboard(
    info: Info,
    period: DateRangeInput,
    zone_name: str,
    currency: str | None,
    by: LeaderboardBy,
    first: int | None,
) -> list[LeaderboardEntry]:
    """Grouped by staff member: from the rollups and a tally when rollups are on (three or
    four statements, see :func:`_from_rollups`), otherwise from the rows (two:
    opportunities, interactions)."""
    if by in (LeaderboardBy.WON_AMOUNT, LeaderboardBy.OPEN_PIPELINE):
        require_role(info, FINANCIAL, "by", "amounts")
    span = local_range(period.from_, period.to, zone_name, argument="period")
    code = currency_code(info, currency)
    money = may_read(info, FINANCIAL)
    limit = group_limit(info, first)

    async def compute() -> dict[str, Any]:
        return await _results(span.start, span.end, code, money, by, limit)

    arguments = {
        "from": period.from_.isoformat(),
        "to": period.to.isoformat(),
        "timeZone": zone_name,
        "currency": code,
        "money": money,
        "by": by.name,
        "first": limit,
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
