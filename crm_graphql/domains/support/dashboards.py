"""The support dashboards: ``supportOverview`` and ``supportLeaderboard``, computed in SQL.

Every number is computed by the database; only groups come back. Times are business
time (the calendar of each ticket's SLA policy; round the clock without one), reported
in minutes. Percentiles are nearest-rank values computed by a ROW_NUMBER/COUNT window
(:mod:`.percentiles`). Populations:

- created: tickets created in the period; solved: solved in it (and not reopened since);
- first-response times: tickets first answered in the period;
- resolution times and SLA attainment: tickets solved in the period; attainment is the
  share of those with a policy that met both targets;
- satisfaction: surveys sent in the period (response rate = answered / sent);
- backlog: tickets not yet solved, now, by status and age.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Annotated, Any

import strawberry
from tortoise.expressions import Q

from crm_graphql.api.aggregation import rollups, samples, tallies
from crm_graphql.api.aggregation.arguments import (
    GroupsFirstArg,
    TimeZoneArg,
    group_limit,
    local_range,
)
from crm_graphql.api.aggregation.cache import cached_view
from crm_graphql.api.aggregation.core import Dimension, Measure, aggregate, at_once
from crm_graphql.api.aggregation.periods import (
    Granularity,
    local_midnight,
    next_period,
    offset_shifts,
    period_label,
    period_starts,
)
from crm_graphql.api.aggregation.rollups import note_path
from crm_graphql.api.context import Info
from crm_graphql.api.enums import graphql_enum
from crm_graphql.api.loaders import attach, attached, loaded, preload, selected_fields
from crm_graphql.api.planner import attached_first
from crm_graphql.domains.support.enums import TicketChannel, TicketPriority, TicketStatus
from crm_graphql.domains.support.models import (
    UNSOLVED_STATUSES,
    SatisfactionSurvey,
    Ticket,
)
from crm_graphql.domains.support.percentiles import (
    SLA_SQL,
    Condition,
    PercentileQuery,
    RankedTimes,
    ranked_times,
)
from crm_graphql.domains.users.models import User as UserModel
from crm_graphql.domains.users.types import User


@strawberry.input(description="A range of local days, both included.")
class SupportPeriodInput:
    from_: date = strawberry.field(name="from", description="The first day.")
    to: date = strawberry.field(description="The last day (not before `from`).")


class TicketAge(Enum):
    """How long an unsolved ticket has been waiting since it was created."""

    UNDER_1_DAY = "UNDER_1_DAY"
    DAYS_1_TO_3 = "DAYS_1_TO_3"
    DAYS_3_TO_7 = "DAYS_3_TO_7"
    DAYS_7_TO_30 = "DAYS_7_TO_30"
    OVER_30_DAYS = "OVER_30_DAYS"


graphql_enum(
    TicketAge,
    "How long an unsolved ticket has been waiting since it was created.",
    {
        "UNDER_1_DAY": "Less than a day.",
        "DAYS_1_TO_3": "One to three days.",
        "DAYS_3_TO_7": "Three to seven days.",
        "DAYS_7_TO_30": "Seven to thirty days.",
        "OVER_30_DAYS": "Thirty days or more.",
    },
)
#: Lower bound of each age, in days.
AGE_DAYS = {
    TicketAge.UNDER_1_DAY: 0,
    TicketAge.DAYS_1_TO_3: 1,
    TicketAge.DAYS_3_TO_7: 3,
    TicketAge.DAYS_7_TO_30: 7,
    TicketAge.OVER_30_DAYS: 30,
}


@strawberry.type(description="Median and 90th percentile of business times (nearest rank).")
class BusinessTimes:
    count: int = strawberry.field(description="Tickets measured.")
    median_minutes: float | None = strawberry.field(
        description="Median, in business minutes; null without tickets."
    )
    p90_minutes: float | None = strawberry.field(
        description="90th percentile, in business minutes; null without tickets."
    )


@strawberry.type(description="Unsolved tickets of one status and age, now.")
class BacklogGroup:
    status: TicketStatus = strawberry.field(description="Status.")
    age: TicketAge = strawberry.field(description="Age since creation.")
    count: int = strawberry.field(description="Tickets.")


@strawberry.type(description="Satisfaction surveys sent in the period and their answers.")
class SatisfactionSummary:
    surveys_sent: int = strawberry.field(description="Surveys issued (tickets solved).")
    responses: int = strawberry.field(description="Surveys answered.")
    response_rate: float | None = strawberry.field(
        description="Answered / sent, in percent; null when none was sent."
    )
    average_score: float | None = strawberry.field(
        description="Average score (1-5) of the answers; null without answers."
    )


@strawberry.type(description="Tickets created and solved in one local period.")
class SupportPeriod:
    period: str = strawberry.field(description="Name of the period (2026-03-29, 2026-W13, ...).")
    start: datetime = strawberry.field(description="When it begins, local time with offset.")
    end: datetime = strawberry.field(description="When the next period begins.")
    created: int = strawberry.field(description="Tickets created.")
    solved: int = strawberry.field(description="Tickets solved.")
    sla_attainment: float | None = strawberry.field(
        description="Percent of the tickets solved in this period under an SLA policy that "
        "met both targets; null when there are none."
    )
    satisfaction: SatisfactionSummary = strawberry.field(
        description="Surveys sent in this period and their answers (a satisfaction trend)."
    )


@strawberry.type(description="The support numbers of one channel or priority in the period.")
class SupportBreakdown:
    channel: TicketChannel | None = strawberry.field(description="The channel (byChannel).")
    priority: TicketPriority | None = strawberry.field(description="The priority (byPriority).")
    created: int = strawberry.field(description="Tickets created.")
    solved: int = strawberry.field(description="Tickets solved.")
    first_response: BusinessTimes = strawberry.field(
        description="Business time to the first reply, of tickets first answered."
    )
    resolution: BusinessTimes = strawberry.field(
        description="Business time to resolution, of tickets solved."
    )
    sla_attainment: float | None = strawberry.field(
        description="Percent of solved tickets with a policy that met both targets."
    )


def _times(row: dict[str, Any] | None) -> BusinessTimes:
    if not row:
        return BusinessTimes(count=0, median_minutes=None, p90_minutes=None)

    return BusinessTimes(
        count=int(row["n"]), median_minutes=_minutes(row["p50"]), p90_minutes=_minutes(row["p90"])
    )


def _minutes(seconds: Any) -> float | None:
    """Business seconds as the views show them: minutes to two decimals."""
    return None if seconds is None else round(float(seconds) / 60, 2)


def _attainment(row: dict[str, Any] | None) -> float | None:
    if not row or not row.get("with_sla"):
        return None
    return round(100 * float(row["met"]) / float(row["with_sla"]), 2)


#: The percentiles of each time from the rollups (group keys: channel, priority, agent).
FIRST_RESPONSE_TIMES = RankedTimes(
    Ticket,
    "first_response_seconds",
    "first_responded_at",
    "first_response_bucket",
    {
        "channel": "first_response_times_by_channel",
        "priority": "first_response_times_by_priority",
    },
)
RESOLUTION_TIMES = RankedTimes(
    Ticket,
    "resolution_seconds",
    "solved_at",
    "resolution_bucket",
    {
        "channel": "resolution_times_by_channel",
        "priority": "resolution_times_by_priority",
    },
    sums=("with_sla", "met"),
)


def _of_agents(assignees: Sequence[int] | None) -> tuple[Condition, ...]:
    """The condition on the agents asked for (None: every ticket)."""
    return () if assignees is None else (Condition("assignee_id", "IN", tuple(assignees)),)


async def first_response_times(
    start: datetime,
    end: datetime,
    keys: tuple[str, ...],
    assignees: Sequence[int] | None = None,
) -> list[dict[str, Any]]:
    """Percentiles of first-response business seconds of tickets answered in the span
    (from the rollups when they serve, else from the rows); ``assignees``: of those
    agents' tickets only (rows, through the index led by the assignee)."""
    if assignees is None and FIRST_RESPONSE_TIMES.serves(start, end, keys):
        note_path("rollup")
        return await FIRST_RESPONSE_TIMES.run(start, end, keys)
    note_path("live")
    return await PercentileQuery(
        Ticket,
        "first_response_seconds",
        keys,
        (
            Condition("first_responded_at", ">=", start),
            Condition("first_responded_at", "<", end),
            *_of_agents(assignees),
        ),
    ).run()


async def resolution_times(
    start: datetime,
    end: datetime,
    keys: tuple[str, ...],
    assignees: Sequence[int] | None = None,
) -> list[dict[str, Any]]:
    """Percentiles of resolution business seconds, and SLA attainment, of tickets solved
    in the span (from the rollups when they serve, else from the rows); ``assignees``:
    of those agents' tickets only."""
    if assignees is None and RESOLUTION_TIMES.serves(start, end, keys):
        note_path("rollup")
        return await RESOLUTION_TIMES.run(start, end, keys)
    note_path("live")
    return await PercentileQuery(
        Ticket,
        "resolution_seconds",
        keys,
        (
            Condition("solved_at", ">=", start),
            Condition("solved_at", "<", end),
            *_of_agents(assignees),
        ),
        carry=("sla_policy_id", "first_response_breached", "resolution_breached"),
        sums={name: SLA_SQL[name] for name in ("with_sla", "met")},
    ).run()


#: The two support times, by the name the views keep their percentiles under.
_TIMES = {"first": (FIRST_RESPONSE_TIMES, first_response_times),
          "resolution": (RESOLUTION_TIMES, resolution_times)}  # fmt: skip


async def _all_times(
    start: datetime, end: datetime, asks: Sequence[tuple[str, str | None]]
) -> dict[tuple[str, str | None], list[dict[str, Any]]]:
    """The percentiles of each ``(time, key)`` asked for (``first`` or ``resolution``;
    a group key or None for the total). From the rollups together when they serve (a
    statement of counts per rollup and key, then a read of the ranks per time:
    ``percentiles.ranked_times``), else each from the rows; the statements of each step
    at once."""
    served = all(_TIMES[time][0].serves(start, end, (key,) if key else ()) for time, key in asks)
    if asks and served:
        found = await ranked_times([(_TIMES[time][0], key) for time, key in asks], start, end)
        for _ in asks:
            note_path("rollup")
    else:
        found = await at_once(
            *(_TIMES[time][1](start, end, (key,) if key else ()) for time, key in asks)
        )
    return dict(zip(asks, found, strict=True))


async def _satisfaction(
    start: datetime,
    end: datetime,
    by_assignee: bool,
    period: Dimension | None = None,
    assignees: Sequence[int] | None = None,
) -> list[dict[str, Any]]:
    where = Q(created_at__gte=start, created_at__lt=end)
    if assignees is not None:
        where &= Q(assignee_id__in=list(assignees))
    return await aggregate(
        SatisfactionSurvey,
        where,
        [Dimension("user", "assignee_id")] if by_assignee else [period] if period else [],
        [
            Measure("sent", "count"),
            # A score is given exactly when a survey is answered: the answers are the
            # scores given (which the rollups of surveys count too).
            Measure("answered", "count", "score"),
            # Summed, not averaged: the average is taken in Python from the exact sum.
            Measure("score_sum", "sum", "score"),
        ],
    )


def _summary(row: dict[str, Any] | None) -> SatisfactionSummary:
    sent = int(row["sent"]) if row else 0
    answered = int(row["answered"]) if row else 0
    return SatisfactionSummary(
        surveys_sent=sent,
        responses=answered,
        response_rate=round(100 * answered / sent, 2) if sent else None,
        average_score=round(int(row["score_sum"]) / answered, 2) if row and answered else None,
    )


async def _backlog(moment: datetime) -> list[dict[str, Any]]:
    """Unsolved tickets by status and age: one statement."""
    connection = Ticket._meta.db
    mark = "%s" if connection.capabilities.dialect == "mysql" else "?"
    ages = sorted(AGE_DAYS.items(), key=lambda item: -item[1])
    case = " ".join(f"WHEN created_at <= {mark} THEN '{age.value}'" for age, days in ages if days)
    params: list[Any] = [moment - timedelta(days=days) for _, days in ages if days]
    statuses = [status.value for status in UNSOLVED_STATUSES]
    sql = (
        f"SELECT status, CASE {case} ELSE '{TicketAge.UNDER_1_DAY.value}' END AS age, "
        f"COUNT(*) AS n FROM {Ticket._meta.db_table} "
        f"WHERE status IN ({', '.join([mark] * len(statuses))}) GROUP BY status, age"
    )
    return await connection.execute_query_dict(sql, [*params, *statuses])


@strawberry.type(description="Support in a period: volume, backlog, speed, SLA, satisfaction.")
class SupportOverview:
    time_zone: str = strawberry.field(description="The time zone of the periods.")
    granularity: Granularity = strawberry.field(description="The length of the periods.")
    periods: list[SupportPeriod] = strawberry.field(
        description="Every period from the one containing `from` to the one containing `to`."
    )
    created: int = strawberry.field(description="Tickets created in the period.")
    solved: int = strawberry.field(description="Tickets solved in the period.")
    backlog: list[BacklogGroup] = strawberry.field(
        description="Unsolved tickets now, by status and age (groups with tickets only)."
    )
    backlog_total: int = strawberry.field(description="Unsolved tickets now.")
    first_response: BusinessTimes = strawberry.field(
        description="Business time from creation to the first public reply, of tickets "
        "first answered in the period."
    )
    resolution: BusinessTimes = strawberry.field(
        description="Business time the resolution clock ran (PENDING and ON_HOLD time "
        "left out), of tickets solved in the period."
    )
    sla_attainment: float | None = strawberry.field(
        description="Percent of the tickets solved in the period under an SLA policy that "
        "met both targets; null when there are none."
    )
    satisfaction: SatisfactionSummary = strawberry.field(
        description="Surveys sent in the period and their answers."
    )
    _span: strawberry.Private[tuple[datetime, datetime]]
    _created_by: strawberry.Private[dict[tuple[str, str], int]]
    _cache: strawberry.Private[dict[str, Any]]
    #: The times per channel and per priority, when read with the totals.
    _breakdowns: strawberry.Private[dict[str, Any]]

    async def _breakdown(self, info: Info, key: str) -> list[SupportBreakdown]:
        start, end = self._span

        async def compute() -> dict[str, Any]:
            times = await _all_times(start, end, [("first", key), ("resolution", key)])
            return {"first": times["first", key], "resolution": times["resolution", key]}

        result: dict[str, Any] | None = self._breakdowns.get(key)
        if result is None:
            result = await cached_view(info, f"supportOverview.{key}", self._cache, compute)
        first = {row[key]: row for row in result["first"]}
        solved = {row[key]: row for row in result["resolution"]}
        created: dict[str, int] = {}
        for (channel, priority), count in self._created_by.items():
            name = channel if key == "channel" else priority
            created[name] = created.get(name, 0) + count
        members = list(TicketChannel) if key == "channel" else list(TicketPriority)
        return [
            SupportBreakdown(
                channel=member if key == "channel" else None,  # type: ignore[arg-type]
                priority=member if key == "priority" else None,  # type: ignore[arg-type]
                created=created.get(member.value, 0),
                solved=int(solved[member.value]["n"]) if member.value in solved else 0,
                first_response=_times(first.get(member.value)),
                resolution=_times(solved.get(member.value)),
                sla_attainment=_attainment(solved.get(member.value)),
            )
            for member in members
        ]

    @strawberry.field(description="The same numbers per channel (every channel).")
    async def by_channel(self, info: Info) -> list[SupportBreakdown]:
        return await self._breakdown(info, "channel")

    @strawberry.field(description="The same numbers per priority (every priority).")
    async def by_priority(self, info: Info) -> list[SupportBreakdown]:
        return await self._breakdown(info, "priority")


#: The breakdowns of the overview: group key -> field.
BREAKDOWNS = {"channel": "byChannel", "priority": "byPriority"}


async def support_overview(
    info: Info, period: SupportPeriodInput, zone_name: str, granularity: Granularity
) -> SupportOverview:
    """The created and solved series, the backlog, the satisfaction (one more for it per
    period), each only when a field asked for needs it; the percentiles from the rollups:
    a statement of counts per time and breakdown asked for, then one read of the ranks'
    buckets for all of them (from the rows: one statement per time and breakdown)."""
    span = local_range(period.from_, period.to, zone_name, argument="period")
    starts = period_starts(
        period.from_, period.to, granularity, info.context.settings.analytics_max_periods
    )
    shifts = tuple(offset_shifts(span.zone, span.start, span.end))
    wanted = selected_fields(info)
    per_period = selected_fields(info, "periods")

    async def created_series() -> list[dict[str, Any]]:
        return await aggregate(
            Ticket,
            Q(created_at__gte=span.start, created_at__lt=span.end),
            [
                Dimension("period", "created_at", granularity, shifts),
                Dimension("channel", "channel"),
                Dimension("priority", "priority"),
            ],
            [Measure("n", "count")],
        )

    async def solved_series() -> list[dict[str, Any]]:
        return await aggregate(
            Ticket,
            Q(solved_at__gte=span.start, solved_at__lt=span.end),
            [Dimension("period", "solved_at", granularity, shifts)],
            [
                Measure("n", "count"),
                # SLA attainment per period, in the same statement.
                Measure("with_sla", "count", where=Q(sla_policy_id__isnull=False)),
                Measure(
                    "met",
                    "count",
                    where=Q(
                        sla_policy_id__isnull=False,
                        first_response_breached=False,
                        resolution_breached=False,
                    ),
                ),
            ],
        )

    async def compute() -> dict[str, Any]:
        # Each read only when something shown needs it (the created series: also the
        # breakdowns' `created`); all of them at once (see `at_once`).
        reads: dict[str, Awaitable[Any]] = {}
        if wanted & {"created", "periods", "byChannel", "byPriority"}:
            reads["created"] = created_series()
        if wanted & {"solved", "periods"}:
            reads["solved"] = solved_series()
        if "satisfaction" in per_period:
            reads["satisfaction_by_period"] = _satisfaction(
                span.start,
                span.end,
                False,
                Dimension("period", "created_at", granularity, shifts),
            )
        if wanted & {"backlog", "backlogTotal"}:
            reads["backlog"] = _backlog(datetime.now(UTC))
        asks: list[tuple[str, str | None]] = []
        if "firstResponse" in wanted:
            asks.append(("first", None))
        if wanted & {"resolution", "slaAttainment"}:
            asks.append(("resolution", None))
        breakdowns = [key for key, name in BREAKDOWNS.items() if name in wanted]
        asks += [(time, key) for key in breakdowns for time in ("first", "resolution")]
        reads["times"] = _all_times(span.start, span.end, asks)
        if "satisfaction" in wanted:
            reads["satisfaction"] = _satisfaction(span.start, span.end, False)
        result: dict[str, Any] = {"created": [], "solved": []}
        result.update(zip(reads, await at_once(*reads.values()), strict=True))
        times = result.pop("times")
        if ("first", None) in times:
            result["first"] = times["first", None]
        if ("resolution", None) in times:
            result["resolution"] = times["resolution", None]
        result["breakdowns"] = {
            key: {"first": times["first", key], "resolution": times["resolution", key]}
            for key in breakdowns
        }
        return result

    arguments = {
        "from": period.from_.isoformat(),
        "to": period.to.isoformat(),
        "timeZone": zone_name,
        "granularity": granularity.name,
    }
    view_arguments = {
        **arguments,
        "wanted": sorted(wanted | {f"periods.{name}" for name in per_period & {"satisfaction"}}),
    }
    result = await cached_view(info, "supportOverview", view_arguments, compute)
    created_in: dict[date, int] = {}
    created_by: dict[tuple[str, str], int] = {}
    for row in result["created"]:
        created_in[row["period"]] = created_in.get(row["period"], 0) + row["n"]
        key = (row["channel"], row["priority"])
        created_by[key] = created_by.get(key, 0) + row["n"]
    solved_in = {row["period"]: row for row in result["solved"]}
    surveys_in = {row["period"]: row for row in result.get("satisfaction_by_period", [])}
    periods = [
        SupportPeriod(
            period=period_label(start, granularity),
            start=local_midnight(start, span.zone),
            end=local_midnight(next_period(start, granularity), span.zone),
            created=created_in.get(start, 0),
            solved=solved_in[start]["n"] if start in solved_in else 0,
            sla_attainment=_attainment(solved_in.get(start)),
            satisfaction=_summary(surveys_in.get(start)),
        )
        for start in starts
    ]
    backlog = [
        BacklogGroup(status=TicketStatus(row["status"]), age=TicketAge(row["age"]), count=row["n"])
        for row in sorted(
            result.get("backlog", []),
            key=lambda row: (
                UNSOLVED_STATUSES.index(TicketStatus(row["status"])),
                AGE_DAYS[TicketAge(row["age"])],
            ),
        )
    ]
    resolution = (result.get("resolution") or [None])[0]
    return SupportOverview(
        time_zone=zone_name,
        granularity=granularity,
        periods=periods,
        created=sum(p.created for p in periods),
        solved=sum(p.solved for p in periods),
        backlog=backlog,
        backlog_total=sum(group.count for group in backlog),
        first_response=_times((result.get("first") or [None])[0]),
        resolution=_times(resolution),
        sla_attainment=_attainment(resolution),
        satisfaction=_summary((result.get("satisfaction") or [None])[0]),
        _span=(span.start, span.end),
        _created_by=created_by,
        _cache=arguments,
        _breakdowns=result.get("breakdowns", {}),
    )


# --------------------------------------------------------------------------- leaderboard


class SupportLeaderboardBy(Enum):
    """What the support leaderboard ranks by."""

    SOLVED = "SOLVED"
    FASTEST_FIRST_RESPONSE = "FASTEST_FIRST_RESPONSE"
    FASTEST_RESOLUTION = "FASTEST_RESOLUTION"
    SLA_ATTAINMENT = "SLA_ATTAINMENT"
    SATISFACTION = "SATISFACTION"
    OPEN_TICKETS = "OPEN_TICKETS"


graphql_enum(
    SupportLeaderboardBy,
    "What the support leaderboard ranks by.",
    {
        "SOLVED": "Most tickets solved in the period.",
        "FASTEST_FIRST_RESPONSE": "Lowest median first-response time.",
        "FASTEST_RESOLUTION": "Lowest median resolution time.",
        "SLA_ATTAINMENT": "Highest SLA attainment.",
        "SATISFACTION": "Highest average satisfaction score.",
        "OPEN_TICKETS": "Most unsolved tickets assigned now.",
    },
)


@strawberry.type(description="One agent's support numbers.")
class SupportLeaderboardEntry:
    rank: int = strawberry.field(description="Position, from 1.")
    solved: int = strawberry.field(description="Tickets the agent solved in the period.")
    open_tickets: int = strawberry.field(description="Unsolved tickets assigned to them now.")
    first_response: BusinessTimes = strawberry.field(
        description="Business time to the first reply of their tickets answered in the period."
    )
    resolution: BusinessTimes = strawberry.field(
        description="Business time to resolution of the tickets they solved in the period."
    )
    sla_attainment: float | None = strawberry.field(
        description="Percent of their solved tickets with a policy that met both targets."
    )
    satisfaction: SatisfactionSummary = strawberry.field(
        description="Surveys of the tickets they solved, sent in the period."
    )
    _assignee_id: strawberry.Private[int]

    @strawberry.field(description="The agent.")
    @attached_first
    def assignee(self, info: Info) -> User | None:
        found, user = attached(self, "assignee")
        return user if found else loaded(info, UserModel, self._assignee_id)


def _rank_key(by: SupportLeaderboardBy, entry: SupportLeaderboardEntry) -> Sequence[Any]:
    missing = float("inf")
    if by is SupportLeaderboardBy.SOLVED:
        return (-entry.solved,)
    if by is SupportLeaderboardBy.OPEN_TICKETS:
        return (-entry.open_tickets,)
    if by is SupportLeaderboardBy.FASTEST_FIRST_RESPONSE:
        return (entry.first_response.median_minutes or missing,)
    if by is SupportLeaderboardBy.FASTEST_RESOLUTION:
        return (entry.resolution.median_minutes or missing,)
    if by is SupportLeaderboardBy.SLA_ATTAINMENT:
        return (-(entry.sla_attainment if entry.sla_attainment is not None else -1),)
    score = entry.satisfaction.average_score
    return (-(score if score is not None else -1),)


async def _open_tickets(assignees: Sequence[int] | None) -> list[dict[str, Any]]:
    """Unsolved tickets per agent now: from the tally of them (a row per agent) when the
    rollups may be read, else from the rows."""
    if rollups.rollup_reads.get():
        note_path("rollup")
        query = tallies.named("agent_backlog").table.filter(
            assignee_id__isnull=False, open_count__gt=0
        )
        if assignees is not None:
            query = query.filter(assignee_id__in=list(assignees))
        rows = await query.values("assignee_id", "open_count")
        return [{"assignee_id": row["assignee_id"], "n": row["open_count"]} for row in rows]
    where = Q(status__in=UNSOLVED_STATUSES, assignee_id__isnull=False)
    if assignees is not None:
        where &= Q(assignee_id__in=list(assignees))
    return await aggregate(
        Ticket, where, [Dimension("assignee_id", "assignee_id")], [Measure("n", "count")]
    )


def _cells_serve(start: datetime, end: datetime) -> bool:
    """Whether the per-agent cells answer for the span exactly (rollups on, both ends on
    the grain)."""
    return bool(rollups.rollup_reads.get() and rollups.on_grain(start) and rollups.on_grain(end))


async def _no_rows() -> list[dict[str, Any]]:
    return []


#: The boards ranked by a time, and the name of that time.
_FASTEST = {
    SupportLeaderboardBy.FASTEST_FIRST_RESPONSE: "first",
    SupportLeaderboardBy.FASTEST_RESOLUTION: "resolution",
}


#: The read that ranks each board not ranked by a time.
_RANKED_READ = {
    SupportLeaderboardBy.SOLVED: "resolution",
    SupportLeaderboardBy.SLA_ATTAINMENT: "resolution",
    SupportLeaderboardBy.OPEN_TICKETS: "open",
    SupportLeaderboardBy.SATISFACTION: "satisfaction",
}
#: The samples of each time: per agent and UTC day, the times themselves.
_SAMPLES = {"first": "first_response_samples", "resolution": "resolution_samples"}


async def _agent_times(
    name: str, start: datetime, end: datetime, people: Sequence[int] | None
) -> list[dict[str, Any]]:
    """Per agent (of ``people``, or every agent), a time's ``n``, median and 90th
    percentile (``first`` or ``resolution``; by resolution also the SLA sums), as the
    window over the rows gives them.

    With the rollups serving: from the samples, every assigned ticket's agent and time
    (with the resolution time, whether it was under a policy and met both targets) per
    UTC day (:func:`crm_graphql.api.aggregation.samples.percentiles`: the days' cells and
    the tickets of the few hours between the period's ends and the nearest day
    boundaries, sorted once). Tickets of no agent are not in the samples (the board does
    not show them). Otherwise the window over the period's tickets (of those agents: the
    index led by the agent)."""
    if not _cells_serve(start, end):
        return await _TIMES[name][1](start, end, ("assignee_id",), people)
    note_path("rollup")
    found = await samples.percentiles(samples.named(_SAMPLES[name]), start, end, (50, 90), people)
    rows = []
    for agent, times in found.items():
        row = {"assignee_id": agent, "n": times.n, "p50": times.values[0], "p90": times.values[1]}
        if name == "resolution":
            row["with_sla"], row["met"] = times.flags
        rows.append(row)
    return rows


def _ranked_value(by: SupportLeaderboardBy, row: dict[str, Any]) -> Any:
    """An agent's ranked value from the ranked measure's row, as :func:`_rank_key` ranks
    it; None where it ranks as if missing (after every agent with a value)."""
    if by in (SupportLeaderboardBy.SOLVED, SupportLeaderboardBy.OPEN_TICKETS):
        return -int(row["n"]) if row["n"] else None
    if by in (SupportLeaderboardBy.FASTEST_FIRST_RESPONSE, SupportLeaderboardBy.FASTEST_RESOLUTION):
        return _minutes(row["p50"]) or None  # a median of 0 ranks as none
    if by is SupportLeaderboardBy.SLA_ATTAINMENT:
        attainment = _attainment(row)
        return None if attainment is None else -attainment
    score = _summary(row).average_score
    return None if score is None else -score


async def _leaderboard(
    start: datetime, end: datetime, by: SupportLeaderboardBy, limit: int
) -> dict[str, Any]:
    """The leaderboard's reads. The ranked measure is read for every agent first; when at
    least ``limit`` agents have a value, the first ``limit`` of them are the board (every
    other agent ranks after them), and the other reads are for those agents alone (an IN
    list: of the samples' rows, or down indexes led by the assignee), whatever the number
    of agents. Otherwise every read is for every agent. The other reads run at the same
    time (:func:`at_once`). The times come from the samples (:func:`_agent_times`)."""
    reads = {
        "first": lambda people: _agent_times("first", start, end, people),
        "resolution": lambda people: _agent_times("resolution", start, end, people),
        "open": _open_tickets,
        "satisfaction": lambda people: _satisfaction(start, end, True, None, people),
    }
    found: dict[str, list[dict[str, Any]]] = {}
    name = _FASTEST.get(by) or _RANKED_READ[by]
    found[name] = ranked = await reads[name](None)
    people: list[int] | None = None
    if ranked:
        agent = "user" if by is SupportLeaderboardBy.SATISFACTION else "assignee_id"
        values = ((row[agent], _ranked_value(by, row)) for row in ranked)
        leaders = sorted((v, a) for a, v in values if a is not None and v is not None)
        if len(leaders) >= limit:
            people = [a for _, a in leaders[:limit]]
    rest = [name for name in reads if name not in found]
    done = await at_once(*(reads[name](people) if people != [] else _no_rows() for name in rest))
    found.update(zip(rest, done, strict=True))
    if people is not None:
        # The ranked measure's rows of the agents off the board are not shown.
        chosen = set(people)
        for name in found:
            key = "user" if name == "satisfaction" else "assignee_id"
            found[name] = [row for row in found[name] if row[key] in chosen]
    return found


async def support_leaderboard(
    info: Info,
    period: SupportPeriodInput,
    zone_name: str,
    by: SupportLeaderboardBy,
    first: int | None,
) -> list[SupportLeaderboardEntry]:
    """Four to six statements grouped by assignee: the ranked measure for every agent,
    then the others for the agents on the board, at once (see :func:`_leaderboard`)."""
    span = local_range(period.from_, period.to, zone_name, argument="period")
    limit = group_limit(info, first)

    async def compute() -> dict[str, Any]:
        return await _leaderboard(span.start, span.end, by, limit)

    arguments = {
        "from": period.from_.isoformat(),
        "to": period.to.isoformat(),
        "tz": zone_name,
        "by": by.name,
        "first": limit,
    }
    result = await cached_view(info, "supportLeaderboard", arguments, compute)
    first_by = {row["assignee_id"]: row for row in result["first"]}
    resolved_by = {row["assignee_id"]: row for row in result["resolution"]}
    open_by = {row["assignee_id"]: row["n"] for row in result["open"]}
    happy_by = {row["user"]: row for row in result["satisfaction"]}
    people = (first_by.keys() | resolved_by.keys() | open_by.keys() | happy_by.keys()) - {None}
    entries = [
        SupportLeaderboardEntry(
            rank=0,
            solved=int(resolved_by[person]["n"]) if person in resolved_by else 0,
            open_tickets=open_by.get(person, 0),
            first_response=_times(first_by.get(person)),
            resolution=_times(resolved_by.get(person)),
            sla_attainment=_attainment(resolved_by.get(person)),
            satisfaction=_summary(happy_by.get(person)),
            _assignee_id=person,
        )
        for person in people
    ]
    entries.sort(key=lambda entry: (*_rank_key(by, entry), entry._assignee_id))
    entries = entries[:limit]
    for rank, entry in enumerate(entries, start=1):
        entry.rank = rank
    if "assignee" in selected_fields(info):
        await preload(info, UserModel, (entry._assignee_id for entry in entries))
        for entry in entries:
            # The rows read, as plain values for a planned selection (no resolver call).
            user = loaded(info, UserModel, entry._assignee_id)
            if user is None or isinstance(user, UserModel):
                attach(entry, "assignee", user)
    return entries


@strawberry.type
class SupportDashboardQueries:
    @strawberry.field(
        description="Support in a period: tickets created and solved per local period, the "
        "backlog now by status and age, median and 90th-percentile first-response and "
        "resolution times in business minutes, SLA attainment, satisfaction; per channel "
        "and per priority. Every role (counts and times only)."
    )
    async def support_overview(
        self,
        info: Info,
        period: Annotated[
            SupportPeriodInput, strawberry.argument(description="Local days of the period.")
        ],
        time_zone: TimeZoneArg = "UTC",
        granularity: Annotated[
            Granularity, strawberry.argument(description="The length of the periods.")
        ] = Granularity.DAY,
    ) -> SupportOverview:
        return await support_overview(info, period, time_zone, granularity)

    @strawberry.field(
        description="Per agent (assignee): tickets solved in the period, unsolved tickets "
        "now, first-response and resolution times, SLA attainment, satisfaction; ranked by "
        "`by` (ties: the agent created first)."
    )
    async def support_leaderboard(
        self,
        info: Info,
        period: Annotated[
            SupportPeriodInput, strawberry.argument(description="Local days of the period.")
        ],
        by: Annotated[
            SupportLeaderboardBy, strawberry.argument(description="What to rank by.")
        ] = SupportLeaderboardBy.SOLVED,
        time_zone: TimeZoneArg = "UTC",
        first: GroupsFirstArg = None,
    ) -> list[SupportLeaderboardEntry]:
        return await support_leaderboard(info, period, time_zone, by, first)
