"""The support times' percentiles from rollups (``support.percentiles.RankedTimes``)
equal those the window over the rows computes, to the second.

Tickets with times at the edges of the duration buckets, many equal times, times of
one possible value and large ones, first answered and solved around daylight-saving
changes and month ends; random periods in zones at :30 and :45 offsets, per channel,
priority and agent; before and after a burst of concurrent first replies, solves,
reopenings, reassignments and changes of channel and priority through the API; and
``rollups verify`` finds every cell equal to the records (the generated bucket column
and the Python bucket agree).
"""

from __future__ import annotations

import asyncio
import random
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from crm_graphql.api.aggregation import rollups, samples
from crm_graphql.api.aggregation.arguments import local_range
from crm_graphql.api.roles import Role
from crm_graphql.domains.support.dashboards import (
    FIRST_RESPONSE_TIMES,
    first_response_times,
    resolution_times,
)
from crm_graphql.domains.support.models import (
    Ticket,
    TicketChannel,
    TicketPriority,
    TicketStatus,
)
from crm_graphql.domains.support.percentiles import (
    BUCKET_STARTS,
    bucket_bounds,
    duration_bucket,
    rank_of,
)
from tests.analytics.rollup_helpers import live_client, verify_clean
from tests.factories import (
    gid,
    make_calendar,
    make_customer,
    make_sla_policy,
    make_survey,
    make_ticket,
    make_user,
)
from tests.helpers import GraphQLClient, count_statements

ZONES = ["UTC", "Europe/Berlin", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Marquesas",
         "Australia/Lord_Howe", "America/New_York"]  # fmt: skip
ANCHORS = [datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC),
           datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)]  # fmt: skip
TIMES = "{ count medianMinutes p90Minutes }"
VIEWS = f"""
query Times($period: SupportPeriodInput!, $timeZone: String!, $by: SupportLeaderboardBy!,
           $first: Int) {{
  supportOverview(period: $period, timeZone: $timeZone, granularity: MONTH) {{
    solved slaAttainment firstResponse {TIMES} resolution {TIMES}
    byChannel {{ channel solved slaAttainment firstResponse {TIMES} resolution {TIMES} }}
    byPriority {{ priority solved slaAttainment firstResponse {TIMES} resolution {TIMES} }}
  }}
  supportLeaderboard(period: $period, timeZone: $timeZone, by: $by, first: $first) {{
    rank solved openTickets slaAttainment assignee {{ id }} firstResponse {TIMES}
    resolution {TIMES} satisfaction {{ surveysSent responses averageScore }}
  }}
}}"""
BY = ["FASTEST_FIRST_RESPONSE", "FASTEST_RESOLUTION", "SLA_ATTAINMENT", "SOLVED",
      "OPEN_TICKETS", "SATISFACTION"]  # fmt: skip
#: The board's length: the whole board, or fewer agents than have a value (the ranked
#: measure first, the rest for the agents shown).
FIRST = [None, 1, 2]


def test_the_buckets_of_durations_are_about_ten_percent_wide_and_cover_every_value():
    assert duration_bucket(None) is None
    assert duration_bucket(0) == 0 and duration_bucket(-5) == 0
    for bucket in range(1, len(BUCKET_STARTS) + 1):
        low, high = bucket_bounds(bucket)
        assert low is not None and duration_bucket(low) == bucket
        if high is not None:
            assert duration_bucket(high - 1) == bucket and duration_bucket(high) == bucket + 1
            assert high - low <= max(1, low // 10)
    assert duration_bucket(2**31 - 1) == len(BUCKET_STARTS)
    # Nearest rank: the median of an even count is the lower middle value.
    assert [rank_of(50, n) for n in (1, 2, 3, 4)] == [1, 1, 2, 2]
    assert [rank_of(90, n) for n in (1, 9, 10, 11)] == [1, 9, 9, 10]


def _moment(rng: random.Random) -> datetime:
    if rng.random() < 0.5:
        return rng.choice(ANCHORS) + timedelta(seconds=rng.randint(-30 * 3600, 30 * 3600))
    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 320 * 86400))


def _seconds(rng: random.Random) -> int:
    """A time at a bucket's edge, a small one, one of a few repeated, or any."""
    draw = rng.random()
    if draw < 0.3:
        return max(0, rng.choice(BUCKET_STARTS[:120]) + rng.choice((-1, 0, 1)))
    if draw < 0.45:
        return rng.randint(0, 12)
    if draw < 0.75:
        return rng.choice((600, 601, 3600, 7200, 86400))
    return rng.randint(0, 3_000_000)


async def _world(rng: random.Random) -> dict[str, Any]:
    agents = [await make_user(Role.SUPPORT) for _ in range(3)]
    customers = [await make_customer() for _ in range(2)]
    calendar = await make_calendar()
    policies = [await make_sla_policy(calendar) for _ in range(2)]
    for _ in range(160):
        status = rng.choice(list(TicketStatus))
        solved = status in (TicketStatus.SOLVED, TicketStatus.CLOSED)
        answered = solved or rng.random() < 0.6
        # Now and then a time without its measure (not counted, as on the rows).
        measured = rng.random() < 0.95
        ticket = await make_ticket(
            rng.choice(customers),
            channel=rng.choice(list(TicketChannel)),
            priority=rng.choice(list(TicketPriority)),
            status=status,
            assignee=rng.choice([*agents, None]),
            sla_policy=rng.choice([*policies, None]),
            first_responded_at=_moment(rng) if answered else None,
            first_response_seconds=_seconds(rng) if answered and measured else None,
            first_response_breached=answered and rng.random() < 0.3,
            solved_at=_moment(rng) if solved else None,
            resolution_seconds=_seconds(rng) if solved and measured else None,
            resolution_breached=solved and rng.random() < 0.3,
        )
        if solved and rng.random() < 0.7:  # its survey, answered or not
            answered_at = ticket.solved_at + timedelta(hours=1) if rng.random() < 0.6 else None
            score = rng.randint(1, 5) if answered_at else None
            await make_survey(ticket, answered_at=answered_at, score=score)
    return {"agents": agents, "customers": customers}


def _period(rng: random.Random) -> dict[str, str]:
    today = datetime.now(UTC).date()
    if rng.random() < 0.25:  # up to today: the burst's first replies and solves
        first = today - timedelta(days=rng.randint(0, 400))
        return {"from": first.isoformat(), "to": today.isoformat()}
    first = date(2026, 1, 1) + timedelta(days=rng.randint(-20, 300))
    last = first + timedelta(days=rng.choice((0, 1, 6, 30, 90, 200, 330)))
    return {"from": first.isoformat(), "to": last.isoformat()}


async def _same_rows(period: dict[str, str], zone: str) -> None:
    """Each percentile function, from rollups and from rows, to the second."""
    span = local_range(date.fromisoformat(period["from"]), date.fromisoformat(period["to"]),
                       zone, argument="period")  # fmt: skip
    assert span.zone == ZoneInfo(zone)
    for compute in (first_response_times, resolution_times):
        for keys in ((), ("channel",), ("priority",), ("assignee_id",)):
            fast = await compute(span.start, span.end, keys)
            token = rollups.rollup_reads.set(False)
            try:
                slow = await compute(span.start, span.end, keys)
            finally:
                rollups.rollup_reads.reset(token)

            def plain(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
                def number(value: Any) -> Any:
                    return value if value is None or isinstance(value, str) else int(value)

                return sorted(
                    (tuple((k, number(v)) for k, v in sorted(row.items())) for row in rows),
                    key=repr,
                )

            assert plain(fast) == plain(slow), (compute.__name__, keys, period, zone)


async def _compare(
    rng: random.Random, fast: GraphQLClient, live: GraphQLClient, rounds: int
) -> int:
    """``rounds`` random questions to both apps; how many the rollups served."""
    served = 0
    for _ in range(rounds):
        variables = {
            "period": _period(rng),
            "timeZone": rng.choice(ZONES),
            "by": rng.choice(BY),
            "first": rng.choice(FIRST),
        }
        from_rollups = await fast.execute(VIEWS, variables)
        from_rows = await live.execute(VIEWS, variables)
        assert "errors" not in from_rollups, (variables, from_rollups)
        assert from_rollups["data"] == from_rows["data"], variables
        assert set(from_rows["extensions"]["aggregation"]) == {"live"}
        served += from_rollups["extensions"]["aggregation"].count("rollup") >= 8
        await _same_rows(variables["period"], variables["timeZone"])
    return served


PAYLOAD = "userErrors { code }"
STATUS = f"""mutation($id: ID!, $status: TicketStatus!, $version: Int!) {{
  changeTicketStatus(id: $id, status: $status, version: $version) {{ {PAYLOAD} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: UpdateTicketInput!) {{
  updateTicket(id: $id, input: $input) {{ {PAYLOAD} }} }}"""
ASSIGN = f"""mutation($id: ID!, $assignee: ID, $version: Int!) {{
  assignTicket(id: $id, assignee: $assignee, version: $version) {{ {PAYLOAD} }} }}"""
COMMENT = f"""mutation($id: ID!, $body: String!) {{
  addTicketComment(ticketId: $id, input: {{body: $body, kind: PUBLIC_REPLY}}) {{
    {PAYLOAD} }} }}"""
RACES = {"CONFLICT", "NOT_FOUND", "INVALID_TRANSITION", "OUT_OF_RANGE", "CLOSED"}


async def _send(client: GraphQLClient, document: str, variables: dict[str, Any]) -> None:
    body = await client.execute(document, variables)
    assert "errors" not in body, body
    payload = next(iter(body["data"].values()))
    assert {e["code"] for e in payload["userErrors"]} <= RACES, payload


async def _burst(rng: random.Random, client: GraphQLClient, world: dict[str, Any]) -> None:
    """Concurrent first replies, solves, reopenings, reassignments and changes."""
    tickets = await Ticket.all().values_list("id", "version", "status", "first_responded_at")
    work = []
    for pk, version, status, answered in rng.sample(tickets, 40):
        ticket_id = gid(Ticket(id=pk))
        if answered is None and status != TicketStatus.CLOSED:
            work.append(_send(client, COMMENT, {"id": ticket_id, "body": "On it."}))
            continue
        action = rng.choice(["status", "update", "assign"])
        if action == "status":
            target = rng.choice(["OPEN", "SOLVED", "SOLVED", "CLOSED"])
            work.append(_send(client, STATUS, {"id": ticket_id, "status": target,
                                               "version": version}))  # fmt: skip
        elif action == "update":
            changes = {"version": version, "priority": rng.choice(list(TicketPriority)).value,
                       "channel": rng.choice(list(TicketChannel)).value}  # fmt: skip
            work.append(_send(client, UPDATE, {"id": ticket_id, "input": changes}))
        else:
            assignee = rng.choice([*(gid(a) for a in world["agents"]), None])
            work.append(_send(client, ASSIGN, {"id": ticket_id, "assignee": assignee,
                                               "version": version}))  # fmt: skip
    rng.shuffle(work)
    await asyncio.gather(*work)


async def test_support_percentiles_from_rollups_equal_the_rows_before_and_after_a_burst(gql, db):
    rng = random.Random(19)
    world = await _world(rng)
    async with live_client(db, gql) as live:
        await verify_clean()
        # Every period begins and ends on a quarter hour: the rollups serve all of them.
        assert await _compare(rng, gql, live, 10) == 10
        await _burst(rng, gql, world)
        await verify_clean()
        assert await _compare(rng, gql, live, 10) == 10
        await rollups.rebuild_all()
        await verify_clean()
        assert await _compare(rng, gql, live, 4) == 4


async def test_percentiles_from_cells_give_the_nearest_rank_among_equal_times(gql, db):
    """Equal times in a bucket of one possible value (no read) and a rank in a wide
    bucket (read from its rows)."""
    customer = await make_customer()
    start = datetime(2026, 5, 1, tzinfo=UTC)
    for n in range(5):
        await make_ticket(customer, first_responded_at=start + timedelta(hours=n),
                          first_response_seconds=5)  # fmt: skip
    span = (start, start + timedelta(days=1))
    rows = await first_response_times(*span, ())
    assert rows == [{"n": 5, "p50": 5, "p90": 5}]
    for n, value in enumerate((4000, 4100, 4200, 9000)):
        await make_ticket(customer, first_responded_at=start + timedelta(minutes=n),
                          first_response_seconds=value)  # fmt: skip
    # Nine values 5,5,5,5,5,4000,4100,4200,9000: rank 5 and rank 9 (of 9).
    assert await first_response_times(*span, ()) == [{"n": 9, "p50": 5, "p90": 9000}]
    # Only a range on quarter hours is read from the cells; any other, from the rows.
    assert FIRST_RESPONSE_TIMES.serves(*span, ("channel",))
    assert not FIRST_RESPONSE_TIMES.serves(start + timedelta(minutes=1), span[1], ())
    # Per agent there are about as many cells as tickets: the rows serve.
    assert not FIRST_RESPONSE_TIMES.serves(*span, ("assignee_id",))


BOARD = f"""
query Board($period: SupportPeriodInput!, $timeZone: String!, $by: SupportLeaderboardBy!,
            $first: Int) {{
  supportLeaderboard(period: $period, timeZone: $timeZone, by: $by, first: $first) {{
    rank solved openTickets slaAttainment assignee {{ id }} firstResponse {TIMES}
    resolution {TIMES} satisfaction {{ surveysSent responses averageScore }}
  }}
}}"""


async def _agents_with_equal_times(rng: random.Random) -> dict[str, Any]:
    """Twelve agents in four groups whose tickets have the same times at the same moments
    (equal medians in every period: ties, ranked by the agent created first), medians of
    0 seconds (ranked as if missing), a few tickets of each agent alone, tickets of no
    agent, and tickets without a time."""
    agents = [await make_user(Role.SUPPORT) for _ in range(12)]
    customer = await make_customer()
    policy = await make_sla_policy(await make_calendar())
    shared = [
        [(_moment(rng), _seconds(rng), _seconds(rng)) for _ in range(rng.randint(3, 12))]
        for _ in range(4)
    ]
    shared[3] = [(moment, 0, 0) for moment, _, _ in shared[3]]  # medians of 0 seconds
    for index, agent in enumerate([*agents, None]):
        own = [(_moment(rng), _seconds(rng), _seconds(rng)) for _ in range(rng.randint(0, 4))]
        for moment, resolution, first in (shared[index % 4] if agent else []) + own:
            measured = rng.random() < 0.9
            await make_ticket(
                customer,
                status=TicketStatus.SOLVED,
                assignee=agent,
                sla_policy=policy if rng.random() < 0.7 else None,
                first_responded_at=moment - timedelta(seconds=resolution // 2),
                first_response_seconds=first if measured else None,
                first_response_breached=rng.random() < 0.3,
                solved_at=moment,
                resolution_seconds=resolution if measured else None,
                resolution_breached=rng.random() < 0.3,
            )
    return {"agents": agents, "customers": [customer]}


async def _same_boards(
    rng: random.Random, fast: GraphQLClient, live: GraphQLClient, rounds: int
) -> set[str]:
    """``rounds`` random boards ranked by a time from both apps; how the rollups' app
    read the rest ("the board's agents" when at least ``first`` agents have a median,
    "every agent")."""
    numbered = set()
    for _ in range(rounds):
        variables = {
            "period": _period(rng),
            "timeZone": rng.choice(ZONES),
            "by": rng.choice(["FASTEST_RESOLUTION", "FASTEST_FIRST_RESPONSE"]),
            "first": rng.choice([None, 1, 2, 3, 5, 8]),
        }
        with count_statements() as statements:
            from_rollups = await fast.execute(BOARD, variables)
        from_rows = await live.execute(BOARD, variables)
        assert "errors" not in from_rollups, (variables, from_rollups)
        assert from_rollups["data"] == from_rows["data"], variables
        assert not _windows(statements, "_at")  # no ticket is numbered
        if any(re.search(r"assignee_id\W* IN \(", sql) for sql in statements):
            numbered.add("the board's agents")
        elif from_rollups["data"]["supportLeaderboard"]:
            numbered.add("every agent")
    return numbered


async def test_boards_ranked_by_a_time_equal_the_rows_with_ties_before_and_after_a_burst(gql, db):
    """Ranked by a median among many agents with equal medians, a board of any length is
    the rows' board (order, ties, every number), in zones at :30 and :45 and across
    daylight-saving changes, before and after concurrent changes and a rebuild; with the
    medians from the samples (a board shorter than the agents with one) and without."""
    rng = random.Random(23)
    world = await _agents_with_equal_times(rng)
    async with live_client(db, gql) as live:
        numbered = await _same_boards(rng, gql, live, 14)
        await _burst(rng, gql, world)
        await verify_clean()
        numbered |= await _same_boards(rng, gql, live, 14)
        await rollups.rebuild_all()
        await samples.rebuild_all()
        await verify_clean()
        numbered |= await _same_boards(rng, gql, live, 6)
    assert numbered == {"the board's agents", "every agent"}


def _windows(statements: list[str], time: str) -> list[str]:
    return [sql for sql in statements if "ROW_NUMBER()" in sql and time in sql]


def _sample_reads(statements: list[str], time: str) -> list[str]:
    """The reads of a time's samples cells (``first_response`` or ``resolution``)."""
    return [sql for sql in statements if f"samples_{time}" in sql]


async def test_a_board_ranked_by_a_time_reads_the_samples_and_numbers_no_ticket(gql, db):
    """The samples give every agent's exact times over the period (the cells of the UTC
    months, and the tickets of the hours between the local month's ends and the nearest
    month boundaries), the other time's of the board's agents only; no ticket is
    numbered, and the board is the one ranked from every agent's tickets."""
    rng = random.Random(7)
    agents = [await make_user(Role.SUPPORT) for _ in range(10)]
    customer = await make_customer()
    moment = datetime(2026, 6, 10, 8, tzinfo=UTC)
    # Agent i's times: 20 tickets around 3,000 + 100 i seconds; one agent has none.
    for index, agent in enumerate(agents[:-1]):
        for n in range(20):
            seconds = 3000 + 100 * index + rng.randint(-40, 40)
            await make_ticket(customer, status=TicketStatus.SOLVED, assignee=agent,
                              solved_at=moment + timedelta(hours=n), resolution_seconds=seconds,
                              first_responded_at=moment + timedelta(minutes=n),
                              first_response_seconds=seconds // 10)  # fmt: skip
    variables = {"period": {"from": "2026-06-01", "to": "2026-06-30"},
                 "timeZone": "Asia/Kolkata", "by": "FASTEST_RESOLUTION", "first": 2}  # fmt: skip
    async with live_client(db, gql) as live:
        for by, time, other in (
            ("FASTEST_RESOLUTION", "resolution", "first_response"),
            ("FASTEST_FIRST_RESPONSE", "first_response", "resolution"),
        ):
            variables["by"] = by
            with count_statements() as statements:
                board = (await gql.data(BOARD, variables))["supportLeaderboard"]
            assert [entry["assignee"]["id"] for entry in board] == [gid(a) for a in agents[:2]]
            with count_statements() as from_rows:
                assert board == (await live.data(BOARD, variables))["supportLeaderboard"]
            assert len(_sample_reads(statements, time)) == 1
            assert len(_sample_reads(statements, other)) == 1
            # The board's other reads (the backlog, the satisfaction) are of its two agents.
            lists = [re.search(r"assignee_id\W* IN \(([^)]*)\)", sql) for sql in statements]
            assert [m.group(1).count(",") + 1 for m in lists if m] == [2, 2]
            assert not _windows(statements, "_at")
            # The rows' board numbers every agent's tickets of the ranked time.
            column = "solved_at" if time == "resolution" else "first_responded_at"
            assert [sql for sql in _windows(from_rows, column) if "IN (" not in sql]


def _by_agent(entries: Any, flags: int = 2) -> dict[int, list[int]]:
    """Samples' entries (ascending) as each agent's values (below ``flags`` flag bits)."""
    found: dict[int, list[int]] = {}
    for entry in entries.tolist():
        found.setdefault(entry >> samples.SHIFT, []).append((entry & samples.LOW) >> flags)
    return found


async def test_samples_of_the_times_follow_every_change_and_cancel_out(gql, db):
    """A ticket's time moving between days and agents, changed, unassigned and deleted:
    the samples keep each agent's values exactly (entries that left cancel those that
    entered), a rebuild writes only what is held, verify finds a change made behind
    their back, and the percentiles are the nearest ranks."""
    agents = [await make_user(Role.SUPPORT) for _ in range(3)]
    customer = await make_customer()
    resolution = samples.named("resolution_samples")
    moment = datetime(2026, 3, 31, 20, tzinfo=UTC)
    tickets = [
        await make_ticket(customer, status=TicketStatus.SOLVED, assignee=agents[i % 3],
                          solved_at=moment + timedelta(hours=i), resolution_seconds=600 + i)
        for i in range(9)
    ]  # fmt: skip
    # From 10:00 UTC (the day read from its start, the 10 hours before taken out again)
    # to 03:00 (the 3 hours after the day boundary added from the tickets).
    span = (datetime(2026, 3, 31, 10, tzinfo=UTC), datetime(2026, 4, 21, 3, tzinfo=UTC))
    assert _by_agent(await samples.gathered(resolution, *span)) == {
        a.pk: [600 + i for i in range(9) if i % 3 == n] for n, a in enumerate(agents)
    }
    # Moved 20 days on and to another agent, a new time, unassigned, gone for good.
    moved, changed, unassigned, gone = tickets[0], tickets[1], tickets[8], tickets[2]
    changes = [
        (moved, {"solved_at": moment + timedelta(days=20), "assignee_id": agents[2].pk}),
        (changed, {"resolution_seconds": 5}),
        (unassigned, {"assignee_id": None}),
    ]
    for ticket, values in changes:
        await Ticket.filter(pk=ticket.pk).update(**values)
        await samples.record(Ticket, ticket, await Ticket.get(pk=ticket.pk))
    await Ticket.filter(pk=gone.pk).delete()
    await samples.record(Ticket, gone, None)
    after = {agents[0].pk: [603, 606], agents[1].pk: [5, 604, 607], agents[2].pk: [600, 605]}
    assert _by_agent(await samples.gathered(resolution, *span)) == after
    # Ending at 19:00 (the 5 hours before the boundary taken out): not the moved ticket.
    shorter = (span[0], datetime(2026, 4, 20, 19, tzinfo=UTC))
    assert _by_agent(await samples.gathered(resolution, *shorter))[agents[2].pk] == [605]
    found = await samples.percentiles(resolution, *span, (50, 90), among=[agents[1].pk])
    assert found == {agents[1].pk: samples.Ranked(3, [604, 607], [0, 0])}
    assert await samples.verify(resolution) == []
    stored = await resolution.table.all().values_list("entries", flat=True)
    assert any((samples.unpack(data) < 0).any() for data in stored)
    await samples.rebuild(resolution)
    assert _by_agent(await samples.gathered(resolution, *span)) == after
    stored = await resolution.table.all().values_list("entries", flat=True)
    assert sum(samples.unpack(data).size for data in stored) == 7
    assert await samples.verify(resolution) == []
    # Behind its back: verify says which day, rebuild repairs it.
    await Ticket.filter(pk=tickets[3].pk).update(resolution_seconds=9)
    (difference,) = await samples.verify(resolution)
    assert difference.cell == "202603310000"
    await samples.rebuild(resolution)
    assert await samples.verify(resolution) == []


async def test_without_enough_agents_with_a_median_every_agent_is_read(gql, db):
    """When fewer agents than the board asked for have a median (here: the whole board,
    with three medians of 0 seconds, ranked as none), every read is of every agent: both
    times and the SLA attainment from the samples, no ticket numbered."""
    await _agents_with_equal_times(random.Random(5))
    variables = {"period": {"from": "2026-01-01", "to": "2026-12-31"},
                 "timeZone": "Asia/Kolkata", "by": "FASTEST_RESOLUTION", "first": 12}  # fmt: skip
    with count_statements() as statements:
        board = (await gql.data(BOARD, variables))["supportLeaderboard"]
    assert len(board) == 12
    for time in ("resolution", "first_response"):
        assert len(_sample_reads(statements, time)) == 1
    assert not any(re.search(r"assignee_id\W* IN \(", sql) for sql in statements)
    assert not _windows(statements, "_at")
    # The SLA attainment comes with the resolution times (flags of the samples).
    assert any(entry["slaAttainment"] is not None for entry in board)
