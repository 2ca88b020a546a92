"""salesPipeline: counts and amounts per stage, weighted amounts, win rate, time to close."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from crm_graphql.api.roles import Role
from crm_graphql.domains.sales.models import Opportunity, OpportunityStage
from tests.analytics.documents import PIPELINE
from tests.factories import gid, make_customer, make_opportunity, make_user, rebuild_rollups

#: (stage, amount, currency, probability, days from creation to closing)
DEALS = [
    (OpportunityStage.PROSPECTING, "100.00", "USD", 10, None),
    (OpportunityStage.PROSPECTING, "250.50", "USD", 10, None),
    (OpportunityStage.PROPOSAL, "1000.00", "USD", 50, None),
    (OpportunityStage.PROPOSAL, "9999.99", "EUR", 50, None),
    (OpportunityStage.NEGOTIATION, "333.33", "USD", 75, None),
    (OpportunityStage.CLOSED_WON, "500.00", "USD", 100, 10),
    (OpportunityStage.CLOSED_WON, "700.00", "USD", 100, 30),
    (OpportunityStage.CLOSED_LOST, "80.00", "USD", 0, 5),
]


async def _insert(owner=None) -> list[Opportunity]:
    customer = await make_customer()
    created = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for stage, amount, currency, probability, days in DEALS:
        deal = await make_opportunity(
            customer,
            stage=stage,
            amount=Decimal(amount),
            currency=currency,
            probability=probability,
            owner=owner,
        )
        closed = None if days is None else datetime(2026, 1, 1 + days, tzinfo=UTC)
        await Opportunity.filter(pk=deal.pk).update(created_at=created, closed_at=closed)
        rows.append(deal)
    await rebuild_rollups()  # the times were set behind the API's back
    return rows


def _in(stage: OpportunityStage, currency: str = "USD") -> list[tuple[Decimal, int]]:
    return [
        (Decimal(amount), probability)
        for s, amount, code, probability, _ in DEALS
        if s == stage and code == currency
    ]


async def test_pipeline_counts_and_sums_every_stage_in_one_currency(gql, db):
    await _insert()
    pipeline = (await gql.data(PIPELINE))["salesPipeline"]
    assert pipeline["currency"] == "USD"
    stages = {s["stage"]: s for s in pipeline["stages"]}
    assert list(stages) == [stage.value for stage in OpportunityStage]
    cent = Decimal("0.01")
    for stage in OpportunityStage:
        deals = _in(stage)
        weighted = sum((a * p / 100 for a, p in deals), Decimal(0)).quantize(cent)
        assert stages[stage.value]["count"] == sum(1 for d in DEALS if d[0] == stage)
        assert Decimal(stages[stage.value]["amount"]) == sum((a for a, _ in deals), Decimal(0))
        assert Decimal(stages[stage.value]["weightedAmount"]) == weighted
    assert stages["QUALIFICATION"] == {
        "stage": "QUALIFICATION",
        "count": 0,
        "amount": "0.00",
        "weightedAmount": "0.00",
    }
    open_stages = ("PROSPECTING", "QUALIFICATION", "PROPOSAL", "NEGOTIATION")
    assert Decimal(pipeline["totalAmount"]) == sum(
        Decimal(stages[s]["amount"]) for s in open_stages
    )
    assert Decimal(pipeline["weightedTotal"]) == sum(
        Decimal(stages[s]["weightedAmount"]) for s in open_stages
    )
    assert pipeline["count"] == len(DEALS)
    assert (pipeline["wonCount"], pipeline["lostCount"]) == (2, 1)
    assert pipeline["winRate"] == 2 / 3
    assert pipeline["averageDaysToClose"] == (10 + 30) / 2


async def test_pipeline_in_another_currency_leaves_the_counts_alone(gql, db):
    await _insert()
    pipeline = (await gql.data(PIPELINE, {"currency": "EUR"}))["salesPipeline"]
    stages = {s["stage"]: s for s in pipeline["stages"]}
    assert (stages["PROPOSAL"]["count"], stages["PROPOSAL"]["amount"]) == (2, "9999.99")
    assert stages["PROSPECTING"]["amount"] == "0.00"
    assert pipeline["totalAmount"] == "9999.99"


async def test_pipeline_filter_by_owner_and_stage_groups_only_matching_deals(gql, db):
    alice = await make_user(Role.SALES, name="Alice")
    await _insert(owner=alice)
    await _insert(owner=None)
    mine = (await gql.data(PIPELINE, {"filter": {"owner": {"eq": gid(alice)}}}))["salesPipeline"]
    assert mine["count"] == len(DEALS)
    closed = (
        await gql.data(
            PIPELINE,
            {
                "filter": {
                    "owner": {"eq": gid(alice)},
                    "stage": {"in": ["CLOSED_WON", "CLOSED_LOST"]},
                }
            },
        )
    )["salesPipeline"]
    counts = {s["stage"]: s["count"] for s in closed["stages"]}
    assert counts == {
        "PROSPECTING": 0,
        "QUALIFICATION": 0,
        "PROPOSAL": 0,
        "NEGOTIATION": 0,
        "CLOSED_WON": 2,
        "CLOSED_LOST": 1,
    }
    assert closed["totalAmount"] == "0.00"


async def test_win_rate_over_a_period_filters_on_the_closing_time(gql, db):
    await _insert()
    # Closed on January 11 and 31 (won) and January 6 (lost): the first ten days hold the loss.
    early = (await gql.data(PIPELINE, {"filter": {"closedAt": {"lt": "2026-01-11T00:00:00Z"}}}))[
        "salesPipeline"
    ]
    assert (early["wonCount"], early["lostCount"], early["winRate"]) == (0, 1, 0.0)
    assert early["averageDaysToClose"] is None
    nothing_closed = (await gql.data(PIPELINE, {"filter": {"stage": {"eq": "PROPOSAL"}}}))[
        "salesPipeline"
    ]
    assert nothing_closed["winRate"] is None
