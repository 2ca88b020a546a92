"""salesLeaderboard: per owner, deals won in a period, open pipeline, interactions logged."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from crm_graphql.api.roles import Role
from crm_graphql.domains.sales.models import Opportunity, OpportunityStage
from tests.analytics.documents import LEADERBOARD
from tests.factories import (
    make_customer,
    make_interaction,
    make_opportunity,
    make_user,
    rebuild_rollups,
)

JANUARY = {"from": "2026-01-01", "to": "2026-01-31"}


async def _deal(customer, owner, stage, amount, closed=None, currency="USD"):
    deal = await make_opportunity(
        customer, owner=owner, stage=stage, amount=Decimal(amount), currency=currency
    )
    if closed is not None:
        await Opportunity.filter(pk=deal.pk).update(closed_at=closed)
    return deal


async def _insert():
    customer = await make_customer()
    ann = await make_user(Role.SALES, name="Ann")
    bo = await make_user(Role.SALES, name="Bo")
    cy = await make_user(Role.SUPPORT, name="Cy")
    won = OpportunityStage.CLOSED_WON
    in_january = datetime(2026, 1, 15, tzinfo=UTC)
    await _deal(customer, ann, won, "1000.00", in_january)
    await _deal(customer, ann, won, "50.00", datetime(2025, 12, 31, 23, tzinfo=UTC))  # before
    await _deal(customer, ann, OpportunityStage.PROPOSAL, "300.00")
    await _deal(customer, bo, won, "400.00", in_january)
    await _deal(customer, bo, won, "200.00", datetime(2026, 1, 31, 22, tzinfo=UTC))
    await _deal(customer, bo, won, "999.00", in_january, currency="EUR")
    await _deal(customer, bo, OpportunityStage.CLOSED_LOST, "70.00", in_january)
    await _deal(customer, bo, OpportunityStage.NEGOTIATION, "10.00")
    for moment in (datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC)):
        await make_interaction(customer, author=cy, occurred_at=moment)
    await make_interaction(customer, author=ann, occurred_at=datetime(2026, 1, 9, tzinfo=UTC))
    await make_interaction(customer, author=ann, occurred_at=datetime(2026, 2, 9, tzinfo=UTC))
    await rebuild_rollups()  # the closing times were set behind the API's back


async def test_leaderboard_by_won_amount(gql, db):
    await _insert()
    board = (await gql.data(LEADERBOARD, {"period": JANUARY, "by": "WON_AMOUNT"}))[
        "salesLeaderboard"
    ]
    assert [
        (
            e["rank"],
            e["owner"]["name"],
            e["wonAmount"],
            e["wonCount"],
            e["openPipeline"],
            e["openCount"],
            e["interactionsLogged"],
        )
        for e in board
    ] == [
        (1, "Ann", "1000.00", 1, "300.00", 1, 1),
        # Bo won three deals in January; the EUR one is counted, not added to USD.
        (2, "Bo", "600.00", 3, "10.00", 1, 0),
        (3, "Cy", "0.00", 0, "0.00", 0, 2),
    ]


async def test_leaderboard_by_won_count_and_by_interactions(gql, db):
    await _insert()
    by_count = (await gql.data(LEADERBOARD, {"period": JANUARY}))["salesLeaderboard"]
    assert [e["owner"]["name"] for e in by_count] == ["Bo", "Ann", "Cy"]
    by_touches = (await gql.data(LEADERBOARD, {"period": JANUARY, "by": "INTERACTIONS_LOGGED"}))[
        "salesLeaderboard"
    ]
    assert [(e["owner"]["name"], e["interactionsLogged"]) for e in by_touches] == [
        ("Cy", 2),
        ("Ann", 1),
        ("Bo", 0),
    ]


async def test_the_period_is_made_of_local_days(gql, db):
    await _insert()
    # In Berlin, 23:00 UTC on December 31 is January 1 and 22:00 UTC on January 31 is
    # 23:00 the same day: Ann's December deal joins January.
    board = (
        await gql.data(
            LEADERBOARD, {"period": JANUARY, "by": "WON_AMOUNT", "timeZone": "Europe/Berlin"}
        )
    )["salesLeaderboard"]
    assert {e["owner"]["name"]: (e["wonAmount"], e["wonCount"]) for e in board} == {
        "Ann": ("1050.00", 2),
        "Bo": ("600.00", 3),
        "Cy": ("0.00", 0),
    }
