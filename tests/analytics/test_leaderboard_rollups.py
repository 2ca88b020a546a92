"""`salesLeaderboard` from pre-aggregated data: the won deals' rollup by closing time, the
open pipeline's tally per owner and currency, the interactions' rollup by author.

Random periods (in zones at :30 and :45 offsets and across both daylight-saving
changes), every ranking and both currencies go to two apps over the same database, one
that reads rollups and one that never does; the answers must be identical, before and
after a burst of concurrent changes through the API (deals won, lost, reopened, given
another owner, amount or currency, deleted, created), and verify must find no cell or
tally row that differs from the records.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from crm_graphql.api.ids import to_global_id
from crm_graphql.domains.sales.enums import OpportunityStage
from crm_graphql.domains.sales.models import Opportunity
from tests.analytics.documents import LEADERBOARD
from tests.analytics.rollup_helpers import live_client, verify_clean
from tests.analytics.test_sales_rollups import (
    CURRENCIES,
    DST_CHANGES,
    UPDATE_OPPORTUNITY,
    ZONES,
    _burst,
    _moment,
    _sender,
    _world,
)
from tests.factories import gid, make_interaction, rebuild_rollups
from tests.helpers import GraphQLClient, count_statements

BYS = ["WON_AMOUNT", "WON_COUNT", "OPEN_PIPELINE", "INTERACTIONS_LOGGED"]
#: The leaderboard with `first`: the first few are read ranked first, then completed.
BOARD = """
query Board($period: DateRangeInput!, $by: LeaderboardBy!, $currency: String,
            $timeZone: String!, $first: Int) {
  salesLeaderboard(period: $period, by: $by, currency: $currency, timeZone: $timeZone,
                   first: $first) {
    rank owner { name } wonAmount wonCount openPipeline openCount interactionsLogged
  }
}
"""


async def _leaderboard_world(rng: random.Random) -> dict[str, Any]:
    world = await _world(rng)
    for _ in range(40):
        await make_interaction(
            rng.choice(world["customers"]),
            author=rng.choice([*world["owners"], None]),
            occurred_at=_moment(rng),
        )
    await rebuild_rollups()
    return world


def _period(rng: random.Random) -> dict[str, str]:
    """Local days: often starting or ending at a clock change, sometimes up to today
    (deals moved to won by the API close now)."""
    today = datetime.now(UTC).date()
    kind = rng.random()
    if kind < 0.3:
        edge = rng.choice(DST_CHANGES).date()
        if rng.random() < 0.5:  # starting at the change, or the day before or after
            first = edge + timedelta(days=rng.choice([-1, 0, 1]))
            last = first + timedelta(days=rng.randint(0, 60))
        else:  # ending there
            last = edge + timedelta(days=rng.choice([-1, 0, 1]))
            first = last - timedelta(days=rng.randint(0, 60))
    elif kind < 0.5:
        first, last = today - timedelta(days=rng.randint(0, 40)), today + timedelta(days=1)
    elif kind < 0.7:
        first, last = date(2026, 1, 1), date(2026, 12, 31)  # the benchmark's year
    else:
        first = date(2026, 1, 1) + timedelta(days=rng.randint(-30, 330))
        last = first + timedelta(days=rng.randint(0, 200))
    return {"from": first.isoformat(), "to": last.isoformat()}


def _question(rng: random.Random) -> dict[str, Any]:
    return {
        "period": _period(rng),
        "by": rng.choice(BYS),
        "currency": rng.choice(CURRENCIES),
        "timeZone": rng.choice(ZONES),
        "first": rng.choice([None, 0, 1, 2, 3]),
    }


async def _compare(rng: random.Random, fast: GraphQLClient, live: GraphQLClient, count: int) -> int:
    """Ask ``count`` random questions of both apps; how many the rollups served whole."""
    served = 0
    for _ in range(count):
        variables = _question(rng)
        from_rollups = await fast.execute(BOARD, variables)
        from_rows = await live.execute(BOARD, variables)
        assert "errors" not in from_rollups, (variables, from_rollups)
        assert from_rollups["data"] == from_rows["data"], variables
        assert set(from_rows["extensions"]["aggregation"]) == {"live"}
        served += set(from_rollups["extensions"]["aggregation"]) == {"rollup"}
    return served


async def _owner_changes(rng: random.Random, client: GraphQLClient, world: dict[str, Any]) -> None:
    """Deals given another owner (or none), some with a new amount or currency, at once."""
    send = _sender(client)
    deals = await Opportunity.all().values_list("id", "version")
    work = []
    for pk, version in rng.sample(deals, 10):
        owner = rng.choice([*world["owners"], None])
        changes: dict[str, Any] = {"version": version, "owner": owner and gid(owner)}
        if rng.random() < 0.4:
            changes["currency"] = rng.choice(CURRENCIES)
        if rng.random() < 0.4:
            changes["amount"] = f"{rng.randint(0, 9999)}.{rng.randint(0, 99):02d}"
        node = to_global_id("Opportunity", pk)
        work.append(send(UPDATE_OPPORTUNITY, {"id": node, "input": changes}))
    await asyncio.gather(*work)


async def test_the_leaderboard_from_rollups_equals_the_rows_before_and_after_a_burst(gql, db):
    rng = random.Random(1931)
    world = await _leaderboard_world(rng)
    async with live_client(db, gql) as live:
        await verify_clean()
        assert await _compare(rng, gql, live, 40) == 40
        await _burst(rng, gql, world)
        await _owner_changes(rng, gql, world)
        await verify_clean()
        assert await _compare(rng, gql, live, 40) == 40


async def test_a_deal_won_lost_and_reopened_moves_between_won_and_open(gql, db):
    rng = random.Random(7)
    world = await _leaderboard_world(rng)
    owner = world["owners"][0]
    deal = await Opportunity.filter(owner_id=owner.pk, stage=OpportunityStage.PROPOSAL).first()
    if deal is None:
        deal = await Opportunity.filter(stage=OpportunityStage.PROPOSAL).first()
        assert deal is not None
        await Opportunity.filter(pk=deal.pk).update(owner_id=owner.pk)
        await rebuild_rollups()
    # Today in the zone asked: from 18:15 UTC on, the UTC date is over in Kathmandu.
    today = datetime.now(ZoneInfo("Asia/Kathmandu")).date()
    variables = {
        "period": {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()},
        "by": "WON_AMOUNT",
        "currency": "USD",
        "timeZone": "Asia/Kathmandu",
    }
    send = _sender(gql)
    move = """mutation($id: ID!, $stage: OpportunityStage!, $version: Int!) {
      moveOpportunityStage(id: $id, stage: $stage, version: $version) { userErrors { code } } }"""
    async with live_client(db, gql) as live:

        async def won_by_owner() -> int:
            from_rollups = await gql.execute(LEADERBOARD, variables)
            assert from_rollups["extensions"]["aggregation"] == ["rollup"] * 3
            assert from_rollups["data"] == (await live.execute(LEADERBOARD, variables))["data"]
            board = from_rollups["data"]["salesLeaderboard"]
            return sum(e["wonCount"] for e in board if e["owner"]["name"] == owner.name)

        before = await won_by_owner()
        for stage, won in (("CLOSED_WON", 1), ("NEGOTIATION", 0), ("CLOSED_WON", 1)):
            version = (await Opportunity.get(pk=deal.pk)).version
            await send(move, {"id": gid(deal), "stage": stage, "version": version})
            assert await won_by_owner() == before + won
        await verify_clean()


async def test_the_leaderboard_from_rollups_reads_as_many_statements_at_any_size(gql, db):
    variables = {"period": {"from": "2026-01-01", "to": "2026-12-31"}, "by": "WON_AMOUNT"}
    variables |= {"currency": "USD", "timeZone": "Asia/Kolkata"}

    async def count() -> int:
        with count_statements() as statements:
            body = await gql.execute(LEADERBOARD, variables)
        assert body["extensions"]["aggregation"] == ["rollup"] * 3
        assert body["data"]["salesLeaderboard"]
        return len([sql for sql in statements if " FROM " in sql.upper()])

    rng = random.Random(11)
    await _leaderboard_world(rng)
    small = await count()
    await _leaderboard_world(rng)  # more owners, deals and interactions
    await _leaderboard_world(rng)
    assert await count() == small
