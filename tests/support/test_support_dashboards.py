"""Support dashboards: percentiles computed by the database, checked against values this
test computes itself; volumes per local period; backlog; SLA attainment; satisfaction."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from crm_graphql.api.roles import Role
from crm_graphql.domains.support.models import (
    TicketChannel,
    TicketPriority,
    TicketStatus,
)
from tests.factories import (
    make_calendar,
    make_customer,
    make_sla_policy,
    make_survey,
    make_ticket,
    make_user,
)
from tests.helpers import count_statements

PERIOD = '{from: "2026-03-01", to: "2026-03-31"}'
OVERVIEW = f"""{{ supportOverview(period: {PERIOD}, timeZone: "Europe/Berlin", granularity: DAY) {{
  created solved backlogTotal backlog {{ status age count }}
  periods {{ period start created solved }}
  firstResponse {{ count medianMinutes p90Minutes }}
  resolution {{ count medianMinutes p90Minutes }}
  slaAttainment satisfaction {{ surveysSent responses responseRate averageScore }}
  byChannel {{ channel created solved firstResponse {{ count medianMinutes p90Minutes }}
               resolution {{ count medianMinutes p90Minutes }} slaAttainment }}
  byPriority {{ priority created solved resolution {{ count medianMinutes p90Minutes }} }} }} }}"""
LEADERBOARD = f"""{{ supportLeaderboard(period: {PERIOD}, timeZone: "Europe/Berlin", by: SOLVED) {{
  rank solved openTickets assignee {{ name }}
  firstResponse {{ count medianMinutes p90Minutes }} resolution {{ count medianMinutes p90Minutes }}
  slaAttainment satisfaction {{ surveysSent responses averageScore }} }} }}"""


def percentile(values: list[int], p: int) -> float | None:
    """Nearest rank: the value at rank ceil(p/100 * n) of the sorted values, in minutes."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[math.ceil(p / 100 * len(ordered)) - 1] / 60, 2)


def times(values: list[int]) -> dict:
    return {
        "count": len(values),
        "medianMinutes": percentile(values, 50),
        "p90Minutes": percentile(values, 90),
    }


async def _tickets(count: int, seed: int = 1) -> list[dict]:
    """Tickets answered and solved in March 2026 (and a few outside), with their facts."""
    rng = random.Random(seed)
    policy = await make_sla_policy(await make_calendar())
    agents = [await make_user(Role.SUPPORT, name=f"Agent {n}") for n in range(3)]
    customer = await make_customer()
    facts = []
    for n in range(count):
        inside = n % 7 != 0
        start = datetime(2026, 3, 2, tzinfo=UTC) if inside else datetime(2026, 2, 1, tzinfo=UTC)
        created = start + timedelta(hours=rng.randrange(0, 600))
        first = rng.randrange(60, 20_000)
        resolution = rng.randrange(600, 90_000)
        fact = {
            "channel": rng.choice(list(TicketChannel)),
            "priority": rng.choice(list(TicketPriority)),
            "assignee": rng.choice(agents),
            "first": first,
            "resolution": resolution,
            "first_late": rng.random() < 0.2,
            "resolution_late": rng.random() < 0.2,
            "policy": policy if rng.random() < 0.8 else None,
            "inside": inside,
            "answered": rng.random() < 0.5,
            "score": rng.randint(1, 5),
        }
        ticket = await make_ticket(
            customer,
            channel=fact["channel"],
            priority=fact["priority"],
            assignee=fact["assignee"],
            status=TicketStatus.SOLVED,
            created_at=created,
            first_responded_at=created + timedelta(hours=1),
            first_response_seconds=first,
            first_response_breached=fact["first_late"],
            solved_at=created + timedelta(hours=30),
            resolution_seconds=resolution,
            resolution_clock_seconds=resolution,
            resolution_breached=fact["resolution_late"],
            sla_policy=fact["policy"],
        )
        await make_survey(
            ticket,
            answered_at=ticket.solved_at if fact["answered"] else None,
            score=fact["score"] if fact["answered"] else None,
        )
        fact["solved_at"] = ticket.solved_at
        fact["solved_in_march"] = (
            datetime(2026, 2, 28, 23, tzinfo=UTC)
            <= ticket.solved_at
            < (datetime(2026, 3, 31, 22, tzinfo=UTC))
        )
        fact["answered_in_march"] = (
            datetime(2026, 2, 28, 23, tzinfo=UTC)
            <= (ticket.first_responded_at)
            < datetime(2026, 3, 31, 22, tzinfo=UTC)
        )
        facts.append(fact)
    return facts


def _attainment(facts: list[dict]) -> float | None:
    with_policy = [f for f in facts if f["policy"] is not None]
    if not with_policy:
        return None
    met = [f for f in with_policy if not f["first_late"] and not f["resolution_late"]]
    return round(100 * len(met) / len(with_policy), 2)


async def test_percentiles_attainment_and_satisfaction_match_the_tickets(gql, db):
    facts = await _tickets(40)
    overview = (await gql.data(OVERVIEW))["supportOverview"]
    solved = [f for f in facts if f["solved_in_march"]]
    answered = [f for f in facts if f["answered_in_march"]]
    assert overview["firstResponse"] == times([f["first"] for f in answered])
    assert overview["resolution"] == times([f["resolution"] for f in solved])
    assert overview["slaAttainment"] == _attainment(solved)
    responses = [f for f in solved if f["answered"]]
    assert overview["satisfaction"] == {
        "surveysSent": len(solved),
        "responses": len(responses),
        "responseRate": round(100 * len(responses) / len(solved), 2),
        "averageScore": round(sum(f["score"] for f in responses) / len(responses), 2),
    }
    for entry in overview["byChannel"]:
        mine = [f for f in solved if f["channel"].value == entry["channel"]]
        first = [f["first"] for f in answered if f["channel"].value == entry["channel"]]
        assert entry["resolution"] == times([f["resolution"] for f in mine]), entry["channel"]
        assert entry["firstResponse"] == times(first)
        assert entry["solved"] == len(mine) and entry["slaAttainment"] == _attainment(mine)
    for entry in overview["byPriority"]:
        mine = [f for f in solved if f["priority"].value == entry["priority"]]
        assert entry["resolution"] == times([f["resolution"] for f in mine]), entry["priority"]


WEEKLY = f"""{{ supportOverview(period: {PERIOD}, timeZone: "Europe/Berlin", granularity: WEEK) {{
  solved slaAttainment satisfaction {{ surveysSent responses averageScore }}
  periods {{ period solved slaAttainment
             satisfaction {{ surveysSent responses responseRate averageScore }} }} }} }}"""

WEEKLY_SLA_ONLY = f"""{{ supportOverview(period: {PERIOD}, timeZone: "Europe/Berlin",
  granularity: WEEK) {{ solved slaAttainment satisfaction {{ surveysSent responses averageScore }}
  periods {{ period solved slaAttainment }} }} }}"""


def _week(moment: datetime) -> str:
    year, week, _ = moment.astimezone(ZoneInfo("Europe/Berlin")).date().isocalendar()
    return f"{year}-W{week:02d}"


async def test_sla_attainment_and_satisfaction_per_period_match_the_tickets(gql, db):
    facts = await _tickets(40, seed=6)
    overview = (await gql.data(WEEKLY))["supportOverview"]
    solved = [f for f in facts if f["solved_in_march"]]
    assert sum(p["solved"] for p in overview["periods"]) == overview["solved"] == len(solved)
    assert sum(p["satisfaction"]["surveysSent"] for p in overview["periods"]) == len(solved)
    for entry in overview["periods"]:
        mine = [f for f in solved if _week(f["solved_at"]) == entry["period"]]
        answers = [f["score"] for f in mine if f["answered"]]
        assert entry["solved"] == len(mine), entry["period"]
        assert entry["slaAttainment"] == _attainment(mine), entry["period"]
        assert entry["satisfaction"] == {
            "surveysSent": len(mine),
            "responses": len(answers),
            "responseRate": round(100 * len(answers) / len(mine), 2) if mine else None,
            "averageScore": round(sum(answers) / len(answers), 2) if answers else None,
        }, entry["period"]
    assert any(entry["satisfaction"]["averageScore"] for entry in overview["periods"])


async def test_satisfaction_per_period_costs_one_statement_whatever_the_periods(gql, db):
    await _tickets(10, seed=7)
    with count_statements() as without:
        await gql.data(WEEKLY_SLA_ONLY)
    with count_statements() as weekly:
        await gql.data(WEEKLY)
    with count_statements() as daily:
        await gql.data(WEEKLY.replace("granularity: WEEK", "granularity: DAY"))
    assert len(weekly) == len(without) + 1
    assert len(daily) == len(weekly)


async def test_leaderboard_ranks_agents_with_their_own_percentiles(gql, db):
    facts = await _tickets(30, seed=2)
    board = (await gql.data(LEADERBOARD))["supportLeaderboard"]
    expected = {}
    for fact in facts:
        if fact["solved_in_march"]:
            expected.setdefault(fact["assignee"].name, []).append(fact)
    assert [e["assignee"]["name"] for e in board] == sorted(
        expected, key=lambda name: (-len(expected[name]), name)
    )
    for entry in board:
        mine = expected[entry["assignee"]["name"]]
        assert entry["rank"] == board.index(entry) + 1
        assert entry["solved"] == len(mine)
        assert entry["resolution"] == times([f["resolution"] for f in mine])
        assert entry["slaAttainment"] == _attainment(mine)
        assert entry["satisfaction"]["surveysSent"] == len(mine)


async def test_volumes_fall_in_local_days_across_the_daylight_saving_change(gql, db):
    customer = await make_customer()
    # Berlin moves to summer time on March 29 2026: 22:30 UTC is already March 30 there.
    await make_ticket(customer, created_at=datetime(2026, 3, 29, 22, 30, tzinfo=UTC))
    await make_ticket(customer, created_at=datetime(2026, 3, 28, 22, 30, tzinfo=UTC))
    await make_ticket(
        customer,
        created_at=datetime(2026, 3, 1, 8, tzinfo=UTC),
        status=TicketStatus.SOLVED,
        solved_at=datetime(2026, 3, 31, 21, 59, tzinfo=UTC),
    )
    await make_ticket(customer, created_at=datetime(2026, 2, 28, 22, 59, tzinfo=UTC))
    overview = (await gql.data(OVERVIEW))["supportOverview"]
    created = {p["period"]: p["created"] for p in overview["periods"] if p["created"]}
    solved = {p["period"]: p["solved"] for p in overview["periods"] if p["solved"]}
    assert created == {"2026-03-01": 1, "2026-03-28": 1, "2026-03-30": 1}
    assert solved == {"2026-03-31": 1}
    assert len(overview["periods"]) == 31
    assert overview["periods"][29]["start"] == "2026-03-30T00:00:00+02:00"


async def test_backlog_counts_unsolved_tickets_by_status_and_age(gql, db):
    customer = await make_customer()
    now = datetime.now(UTC)
    for status, age in (
        (TicketStatus.NEW, timedelta(hours=2)),
        (TicketStatus.NEW, timedelta(days=2)),
        (TicketStatus.OPEN, timedelta(days=5)),
        (TicketStatus.PENDING, timedelta(days=10)),
        (TicketStatus.ON_HOLD, timedelta(days=45)),
        (TicketStatus.SOLVED, timedelta(days=45)),
    ):
        await make_ticket(customer, status=status, created_at=now - age)
    overview = (await gql.data(OVERVIEW))["supportOverview"]
    assert overview["backlogTotal"] == 5
    assert overview["backlog"] == [
        {"status": "NEW", "age": "UNDER_1_DAY", "count": 1},
        {"status": "NEW", "age": "DAYS_1_TO_3", "count": 1},
        {"status": "OPEN", "age": "DAYS_3_TO_7", "count": 1},
        {"status": "PENDING", "age": "DAYS_7_TO_30", "count": 1},
        {"status": "ON_HOLD", "age": "OVER_30_DAYS", "count": 1},
    ]


async def test_dashboards_cost_the_same_statements_for_few_or_many_tickets(gql, db):
    await _tickets(4, seed=3)
    with count_statements() as few:
        await gql.data(OVERVIEW)
        await gql.data(LEADERBOARD)
    await _tickets(30, seed=4)
    with count_statements() as many:
        await gql.data(OVERVIEW)
        await gql.data(LEADERBOARD)
    assert len(few) == len(many)


async def test_a_short_leaderboard_costs_the_same_statements_for_few_or_many_agents(gql, db):
    """The ranked measure is read for every agent, the rest for the agents shown."""
    short = LEADERBOARD.replace("by: SOLVED)", "by: SOLVED, first: 2)")
    board = LEADERBOARD.replace("by: SOLVED)", "by: SOLVED, first: 100)")
    await _tickets(8, seed=6)
    with count_statements() as few:
        assert len((await gql.data(short))["supportLeaderboard"]) == 2
    await _tickets(40, seed=7)  # three more agents, more tickets
    with count_statements() as many:
        many_board = (await gql.data(short))["supportLeaderboard"]
    assert len(few) == len(many)
    assert [entry["rank"] for entry in many_board] == [1, 2]
    # The first two of the whole board, with the same numbers.
    assert many_board == (await gql.data(board))["supportLeaderboard"][:2]


async def test_every_role_reads_the_dashboards(gql_as, db):
    await _tickets(5, seed=5)
    for role in Role:
        client = await gql_as(role)
        overview = (await client.data(OVERVIEW))["supportOverview"]
        assert overview["solved"] >= 1
        assert (await client.data(LEADERBOARD))["supportLeaderboard"]


async def test_a_period_ending_before_it_starts_is_refused(gql, db):
    error = await gql.error(
        '{ supportOverview(period: {from: "2026-03-02", to: "2026-03-01"}) { created } }'
    )
    assert (error["extensions"]["code"], error["extensions"]["argument"]) == (
        "BAD_USER_INPUT",
        "period",
    )
    error = await gql.error(
        '{ supportOverview(period: {from: "2026-03-01", to: "2026-03-02"}, timeZone: "Mars/Base")'
        " { created } }"
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
