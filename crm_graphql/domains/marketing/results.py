"""Campaign results, computed in the database: one statement for every campaign of a
response (``campaignResults(id)`` and ``Campaign.results`` on a page of ``campaigns``).

Members are counted per status reached (a member who clicked also opened and was sent
the message); opportunities whose ``campaign`` is the campaign are attributed to it.
Amounts are summed exactly (DECIMAL on MySQL, whole cents on SQLite) over the
opportunities in the campaign's currency, so that cost and revenue compare.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.roles import CAMPAIGN_FINANCE, CAMPAIGN_PLANNERS, FINANCIAL
from crm_graphql.domains.marketing.members import STATUS_RANK
from crm_graphql.domains.marketing.models import Campaign, MemberStatus
from crm_graphql.domains.sales.models import OPEN_STAGES, OpportunityStage

CENT = Decimal("0.01")

#: Statuses that mean the member got at least as far as each step.
SENT = [s for s in MemberStatus if s != MemberStatus.TARGETED]
OPENED = [s for s in MemberStatus if STATUS_RANK[s] >= STATUS_RANK[MemberStatus.OPENED]]
OPENED = [s for s in OPENED if s != MemberStatus.UNSUBSCRIBED]
CLICKED = [s for s in OPENED if s != MemberStatus.OPENED]
RESPONDED = [MemberStatus.RESPONDED, MemberStatus.CONVERTED]
CONVERTED = [MemberStatus.CONVERTED]


@strawberry.type(
    description="What a campaign achieved: members by how far they went, the rates, and "
    "the opportunities and money attributed to it (opportunities whose `campaign` it is), "
    "in the campaign's currency."
)
class CampaignResults:
    members: int = strawberry.field(description="Members.")
    sent: int = strawberry.field(
        description="Members the message was sent to (every status but TARGETED)."
    )
    opened: int = strawberry.field(
        description="Members who opened it (OPENED or further, not UNSUBSCRIBED)."
    )
    clicked: int = strawberry.field(description="Members who clicked (CLICKED or further).")
    responded: int = strawberry.field(description="Members who responded (RESPONDED, CONVERTED).")
    converted: int = strawberry.field(description="Members who CONVERTED.")
    bounced: int = strawberry.field(description="Members whose message BOUNCED.")
    unsubscribed: int = strawberry.field(description="Members who UNSUBSCRIBED.")
    open_rate: float | None = strawberry.field(
        description="opened / sent, from 0 to 1; null when nothing was sent."
    )
    click_rate: float | None = strawberry.field(
        description="clicked / sent, from 0 to 1; null when nothing was sent."
    )
    response_rate: float | None = strawberry.field(
        description="responded / members, from 0 to 1; null without members."
    )
    conversion_rate: float | None = strawberry.field(
        description="converted / members, from 0 to 1; null without members."
    )
    leads: int = strawberry.field(
        description="Leads attributed: members who CONVERTED (became a lead or bought)."
    )
    opportunities: int = strawberry.field(description="Opportunities attributed (every stage).")
    won_opportunities: int = strawberry.field(description="Of those, CLOSED_WON.")
    currency: str = strawberry.field(description="ISO 4217 currency of every amount.")
    pipeline_amount: Decimal | None = guarded_field(
        FINANCIAL,
        "Sum of the amounts of the open opportunities attributed (in `currency`).",
        attr="pipeline_amount",
    )
    won_amount: Decimal | None = guarded_field(
        FINANCIAL,
        "Sum of the amounts of the won opportunities attributed (in `currency`).",
        attr="won_amount",
    )
    cost: Decimal | None = guarded_field(
        CAMPAIGN_PLANNERS, "The campaign's actual cost (null when not recorded).", attr="cost"
    )
    cost_per_lead: Decimal | None = guarded_field(
        CAMPAIGN_PLANNERS, "cost / leads; null without cost or leads.", attr="cost_per_lead"
    )
    roi: float | None = guarded_field(
        CAMPAIGN_FINANCE,
        "Return on investment: (won amount - cost) / cost; null without a cost.",
        attr="roi",
    )


@dataclass(frozen=True)
class Figures:
    """The sums one statement returns for one campaign."""

    campaign_id: int
    currency: str
    cost: Decimal | None
    counts: dict[str, int]
    pipeline: Decimal
    won: Decimal


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def results_of(figures: Figures) -> CampaignResults:
    """The results type from a campaign's sums (ratios from the exact sums)."""
    c = figures.counts
    cost = figures.cost
    leads = c["converted"]
    return CampaignResults(
        members=c["members"],
        sent=c["sent"],
        opened=c["opened"],
        clicked=c["clicked"],
        responded=c["responded"],
        converted=c["converted"],
        bounced=c["bounced"],
        unsubscribed=c["unsubscribed"],
        open_rate=_rate(c["opened"], c["sent"]),
        click_rate=_rate(c["clicked"], c["sent"]),
        response_rate=_rate(c["responded"], c["members"]),
        conversion_rate=_rate(c["converted"], c["members"]),
        leads=leads,
        opportunities=c["opportunities"],
        won_opportunities=c["won_opportunities"],
        currency=figures.currency,
        pipeline_amount=figures.pipeline,
        won_amount=figures.won,
        cost=cost,
        cost_per_lead=(cost / leads).quantize(CENT, ROUND_HALF_UP) if cost and leads else None,
        roi=float((figures.won - cost) / cost) if cost else None,
    )


def _in(values: list[Any], mark: str) -> str:
    return ", ".join(mark for _ in values)


def results_sql(ids: list[int], mysql: bool) -> tuple[str, list[Any]]:
    """The one statement of the results of campaigns ``ids``, and its parameters."""
    mark = "%s" if mysql else "?"
    # Exact sums: DECIMAL on MySQL, whole cents on SQLite (REAL there).
    money = "o.amount" if mysql else "CAST(ROUND(o.amount * 100) AS INTEGER)"
    member_sums = []
    params: list[Any] = []
    for alias, statuses in (
        ("sent", SENT),
        ("opened", OPENED),
        ("clicked", CLICKED),
        ("responded", RESPONDED),
        ("converted", CONVERTED),
        ("bounced", [MemberStatus.BOUNCED]),
        ("unsubscribed", [MemberStatus.UNSUBSCRIBED]),
    ):
        member_sums.append(
            f"SUM(CASE WHEN m.status IN ({_in(statuses, mark)}) THEN 1 ELSE 0 END) AS {alias}"
        )
        params.extend(s.value for s in statuses)
    params.extend(ids)
    open_stages = [s.value for s in OPEN_STAGES]
    won = OpportunityStage.CLOSED_WON.value
    opportunity_params = [won, *open_stages, won, *ids]
    sql = (
        "SELECT c.id AS campaign_id, c.currency AS currency, c.actual_cost AS cost, "
        "COALESCE(mm.members, 0) AS members, "
        + ", ".join(
            f"COALESCE(mm.{a}, 0) AS {a}"
            for a in ("sent", "opened", "clicked", "responded", "converted", "bounced")
        )
        + ", COALESCE(mm.unsubscribed, 0) AS unsubscribed, "
        "COALESCE(oo.opportunities, 0) AS opportunities, "
        "COALESCE(oo.won_opportunities, 0) AS won_opportunities, "
        "COALESCE(oo.pipeline, 0) AS pipeline, COALESCE(oo.won, 0) AS won "
        "FROM campaign c "
        "LEFT JOIN (SELECT m.campaign_id, COUNT(*) AS members, "
        + ", ".join(member_sums)
        + f" FROM campaign_member m WHERE m.campaign_id IN ({_in(ids, mark)}) "
        "GROUP BY m.campaign_id) mm ON mm.campaign_id = c.id "
        "LEFT JOIN (SELECT o.campaign_id, COUNT(*) AS opportunities, "
        f"SUM(CASE WHEN o.stage = {mark} THEN 1 ELSE 0 END) AS won_opportunities, "
        f"SUM(CASE WHEN o.stage IN ({_in(open_stages, mark)}) AND o.currency = oc.currency "
        f"THEN {money} ELSE 0 END) AS pipeline, "
        f"SUM(CASE WHEN o.stage = {mark} AND o.currency = oc.currency "
        f"THEN {money} ELSE 0 END) AS won "
        "FROM opportunity o JOIN campaign oc ON oc.id = o.campaign_id "
        f"WHERE o.campaign_id IN ({_in(ids, mark)}) "
        "GROUP BY o.campaign_id) oo ON oo.campaign_id = c.id "
        f"WHERE c.id IN ({_in(ids, mark)})"
    )
    return sql, [*params, *opportunity_params, *ids]


def _amount(value: Any, mysql: bool) -> Decimal:
    if mysql:
        return Decimal(value or 0).quantize(CENT)
    return (Decimal(int(value or 0)) / 100).quantize(CENT)


async def load_figures(ids: list[int]) -> dict[int, Figures]:
    """The sums of campaigns ``ids`` (one statement)."""
    if not ids:
        return {}
    db = Campaign._meta.db
    mysql = db.capabilities.dialect == "mysql"
    sql, params = results_sql(ids, mysql)
    rows = await db.execute_query_dict(sql, params)
    found: dict[int, Figures] = {}
    for row in rows:
        cost = row["cost"]
        found[int(row["campaign_id"])] = Figures(
            campaign_id=int(row["campaign_id"]),
            currency=row["currency"],
            cost=None
            if cost is None
            else Decimal(repr(cost) if isinstance(cost, float) else cost).quantize(CENT),
            counts={
                name: int(row[name] or 0)
                for name in (
                    "members",
                    "sent",
                    "opened",
                    "clicked",
                    "responded",
                    "converted",
                    "bounced",
                    "unsubscribed",
                    "opportunities",
                    "won_opportunities",
                )
            },
            pipeline=_amount(row["pipeline"], mysql),
            won=_amount(row["won"], mysql),
        )
    return found


async def load_results(info: Info, campaign_id: int) -> CampaignResults | None:
    """The results of one campaign; every campaign of the response shares one statement."""

    async def batch(ids: list[int]) -> list[CampaignResults | None]:
        figures = await load_figures(list(ids))
        return [results_of(figures[pk]) if pk in figures else None for pk in ids]

    return await info.context.loader("campaign-results", batch).load(campaign_id)
