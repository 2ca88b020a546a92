"""Campaign results, computed in the database: two statements for every campaign of a
response (``campaignResults(id)`` and ``Campaign.results`` on a page of ``campaigns``):
the members per status (from their tally, kept by the member writes: see
:mod:`.members`), and the
campaigns with the sums of their attributed opportunities and leads.

Members are counted per status reached (a member who clicked also opened and was sent
the message); leads and opportunities whose ``campaign`` is the campaign are attributed
to it.
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
from crm_graphql.domains.leads.models import LeadStatus
from crm_graphql.domains.marketing.members import STATUS_RANK
from crm_graphql.domains.marketing.models import Campaign, MemberStatus
from crm_graphql.domains.sales.models import OPEN_STAGES, OpportunityStage

CENT = Decimal("0.01")

#: Statuses that mean the member got at least as far as each step.
SENT: list[MemberStatus] = [s for s in MemberStatus if s != MemberStatus.TARGETED]
OPENED: list[MemberStatus] = [
    s
    for s in MemberStatus
    if STATUS_RANK[s] >= STATUS_RANK[MemberStatus.OPENED] and s != MemberStatus.UNSUBSCRIBED
]
CLICKED: list[MemberStatus] = [s for s in OPENED if s != MemberStatus.OPENED]
RESPONDED: list[MemberStatus] = [MemberStatus.RESPONDED, MemberStatus.CONVERTED]
CONVERTED: list[MemberStatus] = [MemberStatus.CONVERTED]


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
        description="Leads attributed: leads whose `campaign` is this one (set on capture)."
    )
    converted_leads: int = strawberry.field(
        description="Conversions: of the leads attributed, those converted (`convertLead`)."
    )
    lead_conversion_rate: float | None = strawberry.field(
        description="converted leads / leads, from 0 to 1; null without leads."
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
    leads = c["leads"]
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
        converted_leads=c["converted_leads"],
        lead_conversion_rate=_rate(c["converted_leads"], leads),
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


def members_sql(ids: list[int], mysql: bool) -> tuple[str, list[Any]]:
    """Members of campaigns ``ids`` per status, from their tally (at most one row per
    campaign and status, whatever the number of members)."""
    mark = "%s" if mysql else "?"
    sql = (
        "SELECT campaign_id, status, members FROM campaign_member_tally "
        f"WHERE campaign_id IN ({_in(ids, mark)})"
    )
    return sql, list(ids)


def campaigns_sql(ids: list[int], mysql: bool) -> tuple[str, list[Any]]:
    """Campaigns ``ids`` with their cost, the opportunities attributed to them (joined
    and summed) and their leads (counted from the ``(campaign_id, status)`` index)."""
    mark = "%s" if mysql else "?"
    # Exact sums: DECIMAL on MySQL, whole cents on SQLite (REAL there).
    money = "o.amount" if mysql else "CAST(ROUND(o.amount * 100) AS INTEGER)"
    open_stages = [s.value for s in OPEN_STAGES]
    won = OpportunityStage.CLOSED_WON.value
    sql = (
        "SELECT c.id AS campaign_id, c.currency AS currency, c.actual_cost AS cost, "
        "COUNT(o.id) AS opportunities, "
        f"SUM(CASE WHEN o.stage = {mark} THEN 1 ELSE 0 END) AS won_opportunities, "
        f"SUM(CASE WHEN o.stage IN ({_in(open_stages, mark)}) AND o.currency = c.currency "
        f"THEN {money} ELSE 0 END) AS pipeline, "
        f"SUM(CASE WHEN o.stage = {mark} AND o.currency = c.currency "
        f"THEN {money} ELSE 0 END) AS won, "
        "(SELECT COUNT(*) FROM lead l WHERE l.campaign_id = c.id) AS leads, "
        "(SELECT COUNT(*) FROM lead l "
        f"WHERE l.campaign_id = c.id AND l.status = {mark}) AS converted_leads "
        "FROM campaign c LEFT JOIN opportunity o ON o.campaign_id = c.id "
        f"WHERE c.id IN ({_in(ids, mark)}) GROUP BY c.id, c.currency, c.actual_cost"
    )
    return sql, [won, *open_stages, won, LeadStatus.CONVERTED.value, *ids]


def _amount(value: Any, mysql: bool) -> Decimal:
    if mysql:
        return Decimal(value or 0).quantize(CENT)
    return (Decimal(int(value or 0)) / 100).quantize(CENT)


#: Member figures -> the statuses they count.
REACHED: dict[str, list[MemberStatus]] = {
    "sent": SENT,
    "opened": OPENED,
    "clicked": CLICKED,
    "responded": RESPONDED,
    "converted": CONVERTED,
    "bounced": [MemberStatus.BOUNCED],
    "unsubscribed": [MemberStatus.UNSUBSCRIBED],
}


async def load_figures(ids: list[int]) -> dict[int, Figures]:
    """The sums of campaigns ``ids`` (two statements: members per status from the tally,
    and the campaigns with their attributed opportunities and leads)."""
    if not ids:
        return {}
    db = Campaign._meta.db
    mysql = db.capabilities.dialect == "mysql"
    by_status: dict[int, dict[str, int]] = {}
    for row in await db.execute_query_dict(*members_sql(ids, mysql)):
        by_status.setdefault(int(row["campaign_id"]), {})[str(row["status"])] = int(row["members"])
    found: dict[int, Figures] = {}
    for row in await db.execute_query_dict(*campaigns_sql(ids, mysql)):
        pk = int(row["campaign_id"])
        statuses = by_status.get(pk, {})
        counts = {
            name: sum(statuses.get(status.value, 0) for status in reached)
            for name, reached in REACHED.items()
        }
        counts["members"] = sum(statuses.values())
        counts["opportunities"] = int(row["opportunities"] or 0)
        counts["won_opportunities"] = int(row["won_opportunities"] or 0)
        counts["leads"] = int(row["leads"] or 0)
        counts["converted_leads"] = int(row["converted_leads"] or 0)
        cost = row["cost"]
        found[pk] = Figures(
            campaign_id=pk,
            currency=row["currency"],
            cost=None
            if cost is None
            else Decimal(repr(cost) if isinstance(cost, float) else cost).quantize(CENT),
            counts=counts,
            pipeline=_amount(row["pipeline"], mysql),
            won=_amount(row["won"], mysql),
        )
    return found


async def load_results(info: Info, campaign_id: int) -> CampaignResults | None:
    """The results of one campaign; every campaign of the response shares the same two
    statements."""

    async def batch(ids: list[int]) -> list[CampaignResults | None]:
        figures = await load_figures(list(ids))
        return [results_of(figures[pk]) if pk in figures else None for pk in ids]

    return await info.context.loader("campaign-results", batch).load(campaign_id)
