"""Demo data of the customer-service domain: a business calendar, SLA policies, tickets
with their comments and satisfaction surveys.

``seed`` runs :func:`seed_tickets` after the core records. The number of tickets is the
seed option ``tickets`` (``crm-graphql seed --tickets N``; by default
:data:`TICKETS_PER_CUSTOMER` per customer), with about ``comments_per_ticket`` comments
each (default 4). Tickets are spread over the demo's history: the older ones are solved
or closed, the recent ones still open; their SLA columns are what the clocks would have
computed (business hours of the demo calendar, New York, US holidays).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from crm_graphql.api.roles import Role
from crm_graphql.domains.support import calendars, services
from crm_graphql.domains.support.models import (
    BusinessCalendar,
    SatisfactionSurvey,
    SlaPolicy,
    Ticket,
    TicketChannel,
    TicketComment,
    TicketPriority,
    TicketStatus,
    TicketType,
)

TICKETS_PER_CUSTOMER = 0.6
COMMENTS_PER_TICKET = 4.0
#: Tickets go back this far from the demo's "now".
HISTORY_DAYS = 3 * 365
#: Tickets written per transaction.
CHUNK = 5000

CALENDAR_NAME = "Support hours (New York)"
#: (priority, first response minutes, resolution minutes) of the demo policies.
POLICIES = (
    (TicketPriority.LOW, 480, 2400),
    (TicketPriority.NORMAL, 240, 960),
    (TicketPriority.HIGH, 60, 480),
    (TicketPriority.URGENT, 30, 240),
)
CHANNELS = (
    (TicketChannel.EMAIL, 45),
    (TicketChannel.WEB, 20),
    (TicketChannel.CHAT, 15),
    (TicketChannel.PHONE, 15),
    (TicketChannel.SOCIAL, 5),
)
PRIORITIES = (
    (TicketPriority.LOW, 20),
    (TicketPriority.NORMAL, 55),
    (TicketPriority.HIGH, 20),
    (TicketPriority.URGENT, 5),
)
TYPES = (
    (TicketType.QUESTION, 45),
    (TicketType.PROBLEM, 30),
    (TicketType.REQUEST, 20),
    (TicketType.INCIDENT, 5),
)
SUBJECTS = (
    "Cannot sign in",
    "Invoice shows the wrong amount",
    "Where is my order?",
    "Refund request",
    "How do I change my plan?",
    "Export to CSV fails",
    "Password reset e-mail never arrives",
    "Damaged item received",
    "Question about the warranty",
    "App crashes on start",
    "Change of billing address",
    "Delivery is late",
)
REPLIES = (
    "Thanks for reaching out, we are looking into it.",
    "Could you send us a screenshot of the error?",
    "We have found the cause and are working on a fix.",
    "This is now fixed on our side; please try again.",
    "Your refund has been issued.",
)
NOTES = (
    "Checked the logs: matches the known issue.",
    "Escalated to the second line.",
    "Customer is a key account, handle with care.",
)
TAGS = ("billing", "login", "shipping", "bug", "feature-request", "vip")


class Run(Protocol):
    """What the seed's demo run gives a step (see ``crm_graphql.demo.steps.DemoRun``)."""

    seed: int
    customer_ids: list[int]
    staff: dict[Role, list[int]]
    batch_size: int
    now: datetime
    options: Mapping[str, float]

    def rng(self, name: str) -> random.Random: ...


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([value for value, _ in weighted], [weight for _, weight in weighted])[0]


class _Rows:
    """Rows of one table to insert, as tuples in column order."""

    def __init__(self, model: Any, columns: Sequence[str]) -> None:
        self.model = model
        self.columns = tuple(columns)
        self.rows: list[tuple[Any, ...]] = []
        self.written = 0

    def sql(self, mysql: bool) -> str:
        quote, mark = ("`", "%s") if mysql else ('"', "?")
        names = ", ".join(f"{quote}{column}{quote}" for column in self.columns)
        marks = ", ".join([mark] * len(self.columns))
        return f"INSERT INTO {quote}{self.model._meta.db_table}{quote} ({names}) VALUES ({marks})"

    async def flush(self, connection: Any, mysql: bool, batch: int) -> None:
        sql = self.sql(mysql)
        for start in range(0, len(self.rows), batch):
            await connection.execute_many(sql, self.rows[start : start + batch])
        self.written += len(self.rows)
        self.rows = []


async def _setup() -> tuple[calendars.Calendar, dict[TicketPriority, tuple[int, int, int]]]:
    """The demo calendar and policies (made once; reused by later runs)."""
    row = await BusinessCalendar.get_or_none(name=CALENDAR_NAME)
    if row is None:
        row = await BusinessCalendar.create(
            name=CALENDAR_NAME,
            time_zone="America/New_York",
            working_hours=[[day, "08:00", "18:00"] for day in range(5)],
            holiday_country="US",
            custom_holidays=["2025-12-24", "2026-12-24"],
        )
    policies: dict[TicketPriority, tuple[int, int, int]] = {}
    for priority, first, resolution in POLICIES:
        policy = await SlaPolicy.get_or_none(
            calendar_id=row.pk, priority=priority, company_id=None
        ) or await SlaPolicy.create(
            name=f"{priority.value.title()} priority",
            priority=priority,
            calendar_id=row.pk,
            first_response_minutes=first,
            resolution_minutes=resolution,
        )
        policies[priority] = (policy.pk, policy.first_response_minutes, policy.resolution_minutes)
    return calendars.of_row(row), policies


def _lognormal_seconds(rng: random.Random, median_minutes: float, spread: float = 0.9) -> int:
    return max(60, int(rng.lognormvariate(math.log(median_minutes * 60), spread)))


async def seed_tickets(run: Run) -> dict[str, int]:
    """Write the demo tickets, comments and surveys; returns the rows per table."""
    count = int(run.options.get("tickets", round(len(run.customer_ids) * TICKETS_PER_CUSTOMER)))
    comments_mean = float(run.options.get("comments_per_ticket", COMMENTS_PER_TICKET))
    if count <= 0 or not run.customer_ids:
        return {}
    rng = run.rng("support")
    calendar, policies = await _setup()
    agents = run.staff.get(Role.SUPPORT, []) + run.staff.get(Role.MANAGER, [])[:1]
    authors: list[int | None] = [*agents] or [None]
    connection = get_connection("default")
    mysql = connection.capabilities.dialect == "mysql"

    def stamp(moment: datetime | None) -> Any:
        if moment is None:
            return None
        if mysql:
            return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
        return str(moment)

    _, found = await connection.execute_query(
        f"SELECT COALESCE(MAX(id), 0) AS top FROM {Ticket._meta.db_table}"
    )
    next_ticket = int(next(iter(dict(found[0]).values()))) + 1
    _, found = await connection.execute_query(
        f"SELECT COALESCE(MAX(id), 0) AS top FROM {TicketComment._meta.db_table}"
    )
    next_comment = int(next(iter(dict(found[0]).values()))) + 1

    tickets = _Rows(
        Ticket,
        (
            "id", "number", "subject", "description", "customer_id", "order_id", "channel",
            "priority", "type", "status", "assignee_id", "tags", "first_responded_at",
            "solved_at", "closed_at", "sla_policy_id", "first_response_due_at",
            "first_response_seconds", "first_response_breached", "resolution_due_at",
            "resolution_clock_started_at", "resolution_clock_seconds", "resolution_seconds",
            "resolution_breached", "version", "created_at", "updated_at",
        ),
    )  # fmt: skip
    comments = _Rows(
        TicketComment,
        ("id", "ticket_id", "author_id", "body", "public", "version", "created_at", "updated_at"),
    )
    surveys = _Rows(
        SatisfactionSurvey,
        (
            "ticket_id", "assignee_id", "token_hash", "expires_at", "answered_at", "score",
            "comment", "version", "created_at", "updated_at",
        ),
    )  # fmt: skip
    now = run.now
    history = timedelta(days=HISTORY_DAYS)
    for index in range(count):
        pk = next_ticket + index
        # More tickets lately (a growing business): the square root skews towards now.
        created = now - history * (1 - math.sqrt(rng.random()))
        created = created.replace(microsecond=0)
        priority = _pick(rng, PRIORITIES)
        policy_id, first_minutes, resolution_minutes = policies[priority]
        assignee = rng.choice(agents) if agents and rng.random() < 0.93 else None
        first_due = calendar.add(created, timedelta(minutes=first_minutes))
        resolution_due = calendar.add(created, timedelta(minutes=resolution_minutes))
        # Answer and resolution times around the targets: most on time, some late.
        answer = _lognormal_seconds(rng, first_minutes * 0.45)
        work = _lognormal_seconds(rng, resolution_minutes * 0.5)
        replied = calendar.add(created, timedelta(seconds=answer))
        responded: datetime | None = replied if replied <= now else None
        solved = calendar.add(created, timedelta(seconds=answer + work))
        status = TicketStatus.SOLVED
        if solved > now or rng.random() < 0.02:
            status = rng.choice(
                [TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.OPEN, TicketStatus.PENDING,
                 TicketStatus.ON_HOLD]
            )  # fmt: skip
            if status == TicketStatus.NEW:
                responded = None
        elif now - solved > timedelta(days=7):
            status = TicketStatus.CLOSED
        solved_at = solved if status in (TicketStatus.SOLVED, TicketStatus.CLOSED) else None
        closed_at = solved + timedelta(days=7) if status == TicketStatus.CLOSED else None
        running = status in (TicketStatus.NEW, TicketStatus.OPEN)
        paused = status in (TicketStatus.PENDING, TicketStatus.ON_HOLD)
        clock_seconds = work + answer if solved_at else 0
        if paused:
            clock_seconds = calendars.seconds(calendar.between(created, now)) // 2
        first_seconds = (
            calendars.seconds(calendar.between(created, responded)) if responded else None
        )
        first_breached = responded is not None and responded > first_due
        resolution_breached = solved_at is not None and solved_at > resolution_due
        if paused:
            resolution_breached = clock_seconds > resolution_minutes * 60
        tickets.rows.append(
            (
                pk,
                f"TCK-{created.year}-{pk:06d}",
                rng.choice(SUBJECTS),
                "The customer wrote in about this; details in the comments.",
                rng.choice(run.customer_ids),
                None,
                _pick(rng, CHANNELS).value,
                priority.value,
                _pick(rng, TYPES).value,
                status.value,
                assignee,
                json.dumps(rng.sample(TAGS, rng.choice((0, 0, 1, 1, 2)))),
                stamp(responded),
                stamp(solved_at),
                stamp(closed_at),
                policy_id,
                stamp(first_due),
                first_seconds,
                int(first_breached),
                stamp(resolution_due if running else None),
                stamp(created if running else None),
                clock_seconds,
                clock_seconds if solved_at else None,
                int(resolution_breached),
                1,
                stamp(created),
                stamp(closed_at or solved_at or responded or created),
            )
        )
        # Comments: the first public reply at the first response, then a conversation.
        n_comments = min(40, round(rng.expovariate(1 / comments_mean))) if comments_mean else 0
        end = solved_at or now
        for position in range(n_comments):
            if position == 0 and responded is not None:
                written, public = responded, True
            else:
                start = responded or created
                if end <= start:
                    break
                written = (start + (end - start) * rng.random()).replace(microsecond=0)
                public = responded is not None and rng.random() < 0.7
            text = rng.choice(REPLIES) if public else rng.choice(NOTES)
            comments.rows.append(
                (next_comment, pk, rng.choice(authors), text, int(public), 1, stamp(written),
                 stamp(written))
            )  # fmt: skip
            next_comment += 1
        if solved_at is not None:
            answered = rng.random() < 0.35
            answered_at = solved_at + timedelta(hours=rng.randint(1, 72)) if answered else None
            surveys.rows.append(
                (
                    pk,
                    assignee,
                    services.token_hash(f"demo-{run.seed}-{pk}-{rng.random()}"),
                    stamp(solved_at + timedelta(days=14)),
                    stamp(answered_at),
                    _pick(rng, ((5, 45), (4, 30), (3, 12), (2, 7), (1, 6))) if answered else None,
                    None,
                    1,
                    stamp(solved_at),
                    stamp(answered_at or solved_at),
                )
            )
        if len(tickets.rows) >= CHUNK or index == count - 1:
            async with in_transaction("default") as transaction:
                for table in (tickets, comments, surveys):
                    await table.flush(transaction, mysql, run.batch_size)
    return {
        Ticket._meta.db_table: tickets.written,
        TicketComment._meta.db_table: comments.written,
        SatisfactionSurvey._meta.db_table: surveys.written,
    }
