"""The rules of tickets: creation, changes, the status machine, assignment, comments,
the SLA clocks they drive, and the business calendars and SLA policies behind them.

Plain functions over the models, free of GraphQL (the mutations and the command line
apply the same rules); they never commit: callers run them inside their transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from crm_graphql.api import validation
from crm_graphql.api.aggregation import rollups
from crm_graphql.api.audit import REDACTED
from crm_graphql.api.mutations.changes import Changed, on_change
from crm_graphql.api.mutations.inputs import given
from crm_graphql.api.mutations.problems import Path, Problems, UserErrorCode
from crm_graphql.api.mutations.transaction import update_versioned
from crm_graphql.api.mutations.writes import Change
from crm_graphql.api.roles import SUPPORT_STAFF, Role
from crm_graphql.db.values import column_values
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.orders.models import Order
from crm_graphql.domains.support import calendars, sla
from crm_graphql.domains.support.models import (
    PAUSED_STATUSES,
    BusinessCalendar,
    SatisfactionSurvey,
    SlaPolicy,
    Ticket,
    TicketComment,
    TicketPriority,
    TicketStatus,
)
from crm_graphql.domains.users.models import User
from crm_graphql.events import cancel, schedule

#: The status machine: the statuses each status may move to. SOLVED -> OPEN only within
#: the reopen window (``CRM_SUPPORT_REOPEN_DAYS``); CLOSED is final.
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.NEW: frozenset(
        {TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD, TicketStatus.SOLVED}
    ),
    TicketStatus.OPEN: frozenset({TicketStatus.PENDING, TicketStatus.ON_HOLD, TicketStatus.SOLVED}),
    TicketStatus.PENDING: frozenset({TicketStatus.OPEN, TicketStatus.ON_HOLD, TicketStatus.SOLVED}),
    TicketStatus.ON_HOLD: frozenset({TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.SOLVED}),
    TicketStatus.SOLVED: frozenset({TicketStatus.OPEN, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset(),
}

SUBJECT_LENGTH = 255
DESCRIPTION_LENGTH = 100_000
COMMENT_LENGTH = 100_000
NUMBER_LENGTH = 32
#: Longest SLA target: a year of minutes.
MAX_TARGET_MINUTES = 525_600


def now() -> datetime:
    """The current instant (UTC)."""
    return datetime.now(UTC)


# --------------------------------------------------------------------------- SLA


@dataclass(frozen=True)
class Clock:
    """The SLA policy of a ticket (None: none applies), its targets and its calendar."""

    policy_id: int | None
    targets: sla.Targets | None

    @property
    def calendar(self) -> calendars.Calendar:
        return self.targets.calendar if self.targets is not None else calendars.ALWAYS


NO_CLOCK = Clock(None, None)


async def _clock_of_policy(policy: SlaPolicy | None) -> Clock:
    if policy is None:
        return NO_CLOCK
    row = await BusinessCalendar.get(pk=policy.calendar_id)
    return Clock(
        policy.pk,
        sla.Targets(
            timedelta(minutes=policy.first_response_minutes),
            timedelta(minutes=policy.resolution_minutes),
            calendars.of_row(row),
        ),
    )


async def policy_clock(priority: TicketPriority, company_id: int | None) -> Clock:
    """The clock of a ticket of ``priority`` for a customer of ``company_id``: the active
    policy of that priority for the company, else the one for every company (the oldest
    when several match); no clock when none does."""
    candidates = await SlaPolicy.filter(
        Q(company_id=company_id) | Q(company_id__isnull=True)
        if company_id is not None
        else Q(company_id__isnull=True),
        priority=priority,
        active=True,
    ).order_by("id")
    chosen = next((p for p in candidates if p.company_id is not None), None) or next(
        iter(candidates), None
    )
    return await _clock_of_policy(chosen)


async def ticket_clock(ticket: Ticket) -> Clock:
    """The clock of the policy a ticket has now."""
    if ticket.sla_policy_id is None:
        return NO_CLOCK
    return await _clock_of_policy(await SlaPolicy.get_or_none(pk=ticket.sla_policy_id))


async def company_of(customer_id: int | None) -> int | None:
    if customer_id is None:
        return None
    found = await column_values(Customer.filter(pk=customer_id), "company_id")
    return found[0] if found else None


def next_sla_event(
    ticket: Ticket, *, after: datetime | None = None, warning: timedelta = timedelta(minutes=30)
) -> sla.SlaEvent | None:
    """When a ticket's next SLA event falls due ("about to breach" ``warning`` before a
    target, "breached" at it), for a scheduler to plan; see :func:`sla.next_event`."""
    return sla.next_event(ticket, after or now(), warning)


# --------------------------------------------------------------------------- SLA events

#: The event each SLA moment becomes (``data.target`` says which clock).
SLA_EVENT_TYPES = {
    sla.SlaEventKind.FIRST_RESPONSE_WARNING: ("ticket.sla_warning", "FIRST_RESPONSE"),
    sla.SlaEventKind.FIRST_RESPONSE_BREACHED: ("ticket.sla_breached", "FIRST_RESPONSE"),
    sla.SlaEventKind.RESOLUTION_WARNING: ("ticket.sla_warning", "RESOLUTION"),
    sla.SlaEventKind.RESOLUTION_BREACHED: ("ticket.sla_breached", "RESOLUTION"),
}


def sla_schedule_key(pk: int) -> str:
    """The one scheduled SLA event a ticket has at a time."""
    return f"ticket:{pk}:sla"


async def plan_sla_event(pk: int, ticket: Ticket | None, after: datetime | None = None) -> None:
    """Schedule the ticket's next SLA event (``ticket.sla_warning`` or
    ``ticket.sla_breached``) at its due time, replacing the one planned before; cancel
    it when no clock heads for a target. Runs in the caller's transaction."""
    upcoming = next_sla_event(ticket, after=after) if ticket is not None else None
    if upcoming is None:
        await cancel(sla_schedule_key(pk))
        return
    event_type, target = SLA_EVENT_TYPES[upcoming.kind]
    await schedule(
        upcoming.at,
        event_type,
        "ticket",
        pk,
        {"target": target, "kind": upcoming.kind.value},
        key=sla_schedule_key(pk),
    )


@on_change
async def plan_sla_on_change(change: Changed) -> None:
    """Every change of a ticket (status, policy, reply...) moves its SLA clock: plan its
    next SLA event again, in the change's transaction."""
    if change.entity.model is not Ticket:
        return
    if isinstance(change.after, Ticket) and change.verb != "comment":
        ticket: Ticket | None = change.after
    elif change.verb == "delete":
        ticket = None
    else:  # a reply moves the clock without handing over the row
        ticket = await Ticket.get_or_none(pk=change.pk)
    await plan_sla_event(change.pk, ticket)


# --------------------------------------------------------------------------- tickets


async def locked_ticket(pk: int) -> Ticket | None:
    """A ticket read with a row lock (SELECT ... FOR UPDATE): the changes of one ticket
    (a status change and a first reply arriving together) never interleave."""
    return await Ticket.filter(pk=pk).select_for_update().first()


def placeholder_number() -> str:
    """A unique stand-in for a new ticket's number until its primary key is known."""
    return f"PENDING-{secrets.token_hex(12)}"


def generated_number(ticket: Ticket) -> str:
    """TCK-<year>-<primary key, 6+ digits>: unique without a counter."""
    return f"TCK-{ticket.created_at.year}-{ticket.pk:06d}"


async def number_ticket(change: Change, ticket: Ticket, values: dict[str, Any]) -> None:
    """After a new ticket is written: its number, from its primary key."""
    ticket.number = generated_number(ticket)
    try:
        await Ticket.filter(pk=ticket.pk).update(number=ticket.number)
    except IntegrityError:  # pragma: no cover (only a hand-made number can collide)
        ticket.number = f"{ticket.number}-{secrets.token_hex(3).upper()}"
        await Ticket.filter(pk=ticket.pk).update(number=ticket.number)
    change.audit["number"] = ticket.number


async def _assignee_id(problems: Problems, path: Path, global_id: str | None) -> int | None:
    """An active staff member of support or management (SUPPORT, MANAGER, ADMIN)."""
    pk = await problems.existing_id(path, global_id, "User")
    if pk is None:
        return None
    found = await User.filter(pk=pk).values_list("role", "is_active")
    if found and (Role(found[0][0]) not in SUPPORT_STAFF or not found[0][1]):
        problems.add(
            path,
            "Tickets are assigned to active SUPPORT, MANAGER or ADMIN staff.",
            UserErrorCode.INVALID,
        )
    return pk


async def _order_id(
    problems: Problems, path: Path, global_id: str | None, customer_id: int | None
) -> int | None:
    """An order of the ticket's customer."""
    if global_id is None:
        return None
    pk = problems.id_of(path, global_id, "Order")
    if pk is None:
        return None
    owner = await column_values(Order.filter(pk=pk), "customer_id")
    if not owner:
        problems.add(path, "No such Order.", UserErrorCode.NOT_FOUND)
    elif customer_id is not None and owner[0] != customer_id:
        problems.add(path, "The order belongs to another customer.", UserErrorCode.INVALID)
    return pk


def _description(problems: Problems, path: Path, value: str | None) -> str | None:
    # Stored exactly as given: escaping is the job of whoever renders it.
    if value is not None and len(value) > DESCRIPTION_LENGTH:
        problems.add(path, f"At most {DESCRIPTION_LENGTH} characters.", UserErrorCode.TOO_LONG)
    return value or None


def _required(problems: Problems, path: Path, value: Any) -> Any:
    if value is None:
        problems.add(path, "Must not be null.", UserErrorCode.REQUIRED)
    return value


async def new_ticket(change: Change) -> dict[str, Any]:
    """A NEW ticket for a customer (not deleted): subject, description, channel,
    priority, type, tags, optionally an order of that customer and an assignee; its SLA
    clocks start now, with the policy of its priority (and the customer's company)."""
    data, problems = change.input, change.problems
    customer_id = await problems.existing_id(change.at("customer"), data.customer, "Customer")
    created = now()
    priority = TicketPriority(data.priority)
    clock = await policy_clock(priority, await company_of(customer_id))
    values: dict[str, Any] = {
        "customer_id": customer_id,
        "order_id": await _order_id(problems, change.at("order"), data.order, customer_id),
        "assignee_id": await _assignee_id(problems, change.at("assignee"), data.assignee),
        "subject": validation.text(
            problems, change.at("subject"), data.subject, max_length=SUBJECT_LENGTH, required=True
        ),
        "description": _description(problems, change.at("description"), data.description),
        "channel": data.channel,
        "priority": priority,
        "type": data.type,
        "status": TicketStatus.NEW,
        "tags": validation.tags(problems, change.at("tags"), data.tags) or [],
        "number": placeholder_number(),
        "created_at": created,
        "sla_policy_id": clock.policy_id,
        **sla.start(clock.targets, clock.calendar, created),
    }
    change.audit["description"] = REDACTED if values["description"] else None
    return values


async def ticket_changes(change: Change) -> dict[str, Any]:
    """The changes of an update: only the fields given. A new priority picks the policy of
    that priority and moves the due times (counted from creation and the time the clocks
    already ran). The status and assignee change through their own mutations."""
    data, problems, row = change.input, change.problems, change.row
    if row.status == TicketStatus.CLOSED:
        problems.fail(["id"], "A CLOSED ticket takes no more changes.", UserErrorCode.CLOSED)
    values: dict[str, Any] = {}
    if given(data.subject):
        values["subject"] = validation.text(
            problems, change.at("subject"), data.subject, max_length=SUBJECT_LENGTH, required=True
        )
    if given(data.description):
        values["description"] = _description(problems, change.at("description"), data.description)
        change.audit["description"] = REDACTED
    for name in ("channel", "type"):
        if given(getattr(data, name)):
            values[name] = _required(problems, change.at(name), getattr(data, name))
    if given(data.tags):
        values["tags"] = validation.tags(problems, change.at("tags"), data.tags) or []
    if given(data.order):
        values["order_id"] = await _order_id(
            problems, change.at("order"), data.order, row.customer_id
        )
    if given(data.priority) and _required(problems, change.at("priority"), data.priority):
        priority = TicketPriority(data.priority)
        if priority != row.priority:
            old = await ticket_clock(row)
            clock = await policy_clock(priority, await company_of(row.customer_id))
            values["priority"] = priority
            values["sla_policy_id"] = clock.policy_id
            values.update(sla.retarget(row, old.calendar, clock.targets, clock.calendar, now()))
    return values


def move_to(status: TicketStatus, reopen_days: int, survey_days: int) -> Any:
    """The rules of a status change (see :data:`TRANSITIONS`) and what it does to the
    clocks: PENDING and ON_HOLD stop the resolution clock, OPEN runs it again, SOLVED
    stops it for good (and issues a satisfaction survey), a reopened ticket resumes it."""

    async def move(change: Change) -> dict[str, Any]:
        ticket: Ticket = change.row
        problems = change.problems
        current = TicketStatus(ticket.status)
        if status not in TRANSITIONS[current]:
            allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "none"
            problems.fail(
                ["status"],
                f"A {current.value} ticket cannot become {status.value} (allowed: {allowed}).",
                UserErrorCode.INVALID_TRANSITION,
            )
        moment = now()
        if current == TicketStatus.SOLVED and status == TicketStatus.OPEN:
            assert ticket.solved_at is not None
            if moment - ticket.solved_at > timedelta(days=reopen_days):
                problems.fail(
                    ["status"],
                    f"A ticket reopens only within {reopen_days} days of being solved.",
                    UserErrorCode.INVALID_TRANSITION,
                )
        clock = await ticket_clock(ticket)
        values: dict[str, Any] = {"status": status}
        if status in PAUSED_STATUSES or status == TicketStatus.SOLVED:
            values.update(sla.stop(ticket, clock.calendar, moment))
        if status == TicketStatus.OPEN:
            values.update(sla.resume(ticket, clock.targets, clock.calendar, moment))
        if status == TicketStatus.SOLVED:
            values["solved_at"] = moment
            values["resolution_seconds"] = values.get(
                "resolution_clock_seconds", ticket.resolution_clock_seconds
            )
            token = await issue_survey(ticket, moment, survey_days)
            change.extra["survey_token"] = token
        if current == TicketStatus.SOLVED and status == TicketStatus.OPEN:
            values["solved_at"] = None
            values["resolution_seconds"] = None
            await revoke_surveys(ticket.pk, moment)
        if status == TicketStatus.CLOSED:
            values["closed_at"] = moment
        change.audit["from"] = current.value
        return values

    return move


def assign(global_id: str | None) -> Any:
    """The rules of (un)assigning a ticket: to active support or management staff."""

    async def work(change: Change) -> dict[str, Any]:
        if change.row.status == TicketStatus.CLOSED:
            change.problems.fail(
                ["id"], "A CLOSED ticket takes no more changes.", UserErrorCode.CLOSED
            )
        return {"assignee_id": await _assignee_id(change.problems, ["assignee"], global_id)}

    return work


async def add_comment(
    problems: Problems, ticket: Ticket, body: str, public: bool, author_id: int | None
) -> tuple[TicketComment, dict[str, Any]]:
    """Write a comment on ``ticket`` (not CLOSED; problems stop the mutation); returns it
    and the ticket's changed columns (the first public reply is its first response)."""
    if ticket.status == TicketStatus.CLOSED:
        problems.fail(["ticketId"], "A CLOSED ticket takes no more comments.", UserErrorCode.CLOSED)
    text = validation.text(
        problems, ["input", "body"], body, max_length=COMMENT_LENGTH, required=True
    )
    problems.check()
    moment = now()
    comment = await TicketComment.create(
        ticket_id=ticket.pk, author_id=author_id, body=text, public=public, created_at=moment
    )
    changes: dict[str, Any] = {}
    if public and ticket.first_responded_at is None:
        clock = await ticket_clock(ticket)
        changes = sla.first_response(ticket, clock.calendar, moment)
        await update_versioned(problems, Ticket, ticket.pk, ticket.version, changes)
    return comment, changes


# --------------------------------------------------------------------------- surveys


def token_hash(token: str) -> str:
    """How a survey token is kept: its SHA-256 (the token itself is never stored)."""
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_survey(ticket: Ticket, moment: datetime, days: int) -> str:
    """A satisfaction survey for a ticket being solved: returns its one-time token."""
    token = secrets.token_urlsafe(32)
    survey = await SatisfactionSurvey.create(
        ticket_id=ticket.pk,
        assignee_id=ticket.assignee_id,
        token_hash=token_hash(token),
        expires_at=moment + timedelta(days=days),
        created_at=moment,
    )
    # Counted in the surveys' rollups in the change's transaction (written outside
    # `Writes`, so recorded here).
    await rollups.record(SatisfactionSurvey, None, survey)
    return token


async def revoke_surveys(ticket_id: int, moment: datetime) -> None:
    """A reopened ticket's unanswered surveys expire now (solving it again sends a new one)."""
    await SatisfactionSurvey.filter(
        ticket_id=ticket_id, answered_at__isnull=True, expires_at__gt=moment
    ).update(expires_at=moment)


class SurveyRefused(Exception):
    """A survey answer that cannot be recorded: ``code`` says why."""

    def __init__(self, code: str, message: str, status: int, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.field = field


SURVEY_NOT_FOUND = ("SURVEY_NOT_FOUND", "No such survey.", 404)
SURVEY_ANSWERED = ("SURVEY_ALREADY_ANSWERED", "This survey has been answered already.", 409)
SURVEY_EXPIRED = ("SURVEY_EXPIRED", "This survey has expired.", 410)


async def open_survey(token: str) -> tuple[SatisfactionSurvey, str]:
    """The survey of a token that may still be answered, and its ticket's subject."""
    survey = await SatisfactionSurvey.get_or_none(token_hash=token_hash(token))
    if survey is None:
        raise SurveyRefused(*SURVEY_NOT_FOUND)
    if survey.answered_at is not None:
        raise SurveyRefused(*SURVEY_ANSWERED)
    if survey.expires_at <= now():
        raise SurveyRefused(*SURVEY_EXPIRED)
    subject = await column_values(Ticket.filter(pk=survey.ticket_id), "subject")
    return survey, subject[0] if subject else ""


async def answer_survey(token: str, score: Any, comment: Any) -> str:
    """Record the answer of a survey (once, before it expires); returns the ticket's
    subject. Refused answers change nothing."""
    survey, subject = await open_survey(token)
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise SurveyRefused(
            "BAD_USER_INPUT", "`score` must be a whole number from 1 to 5.", 422, "score"
        )
    if comment is not None and (not isinstance(comment, str) or len(comment) > 2000):
        raise SurveyRefused(
            "BAD_USER_INPUT", "`comment` must be text of at most 2000 characters.", 422, "comment"
        )
    moment = now()
    text = (comment or "").strip() or None
    async with in_transaction():
        # One statement decides: of two answers sent at once, exactly one is recorded;
        # the surveys' rollups count its score in the same transaction.
        recorded = await SatisfactionSurvey.filter(
            pk=survey.pk, answered_at__isnull=True, expires_at__gt=moment
        ).update(answered_at=moment, score=score, comment=text)
        if recorded:
            answered = copy(survey)
            answered.answered_at, answered.score = moment, score
            await rollups.record(SatisfactionSurvey, survey, answered)
    if not recorded:
        await open_survey(token)  # raises the reason
        raise SurveyRefused(*SURVEY_ANSWERED)  # pragma: no cover
    return subject


# --------------------------------------------------------------------------- calendars


def _zone(problems: Problems, path: Path, value: str | None) -> str | None:
    if value is None or not value.strip():
        problems.add(path, "This is required.", UserErrorCode.REQUIRED)
        return None
    try:
        if value.startswith(("/", ".")) or ".." in value:
            raise ValueError(value)
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        problems.add(path, "Not an IANA time zone such as Europe/Berlin.", UserErrorCode.INVALID)
        return None
    return value


def working_hours(
    problems: Problems, path: Path, periods: Sequence[Any]
) -> list[list[object]] | None:
    """Working periods: each from a start to a later end (no end: midnight), at most
    24 hours a day, not overlapping; at least one (a calendar without working time would
    never let a clock reach its target)."""
    parsed: list[calendars.WorkingPeriod] = []
    for index, period in enumerate(periods):
        end = period.end
        if end is not None and end == time(0):
            end = None
        if end is not None and end <= period.start:
            problems.add(
                [*path, index, "end"], "Must be after the start.", UserErrorCode.OUT_OF_RANGE
            )
            continue
        parsed.append(
            calendars.WorkingPeriod(period.day.value, period.start.replace(second=0), end)
        )
    if not periods:
        problems.add(
            path, "A calendar needs working hours on at least one day.", UserErrorCode.INVALID
        )
        return None
    by_day: dict[int, list[calendars.WorkingPeriod]] = {}
    for item in parsed:
        by_day.setdefault(item.weekday, []).append(item)
    for items in by_day.values():
        items.sort(key=lambda p: p.start)
        for before, after in pairwise(items):
            if before.end is None or before.end > after.start:
                problems.add(path, "Working periods of one day overlap.", UserErrorCode.INVALID)
                return None
    return calendars.store_hours(parsed)


def _holiday_region(
    problems: Problems, path: Path, country: str | None, subdivision: str | None
) -> tuple[str | None, str | None]:
    if country is None or not country.strip():
        if subdivision:
            problems.add([*path, "holidaySubdivision"], "Needs a country.", UserErrorCode.INVALID)
        return None, None
    code = country.strip().upper()
    supported = calendars.supported_holiday_regions()
    if code not in supported:
        problems.add(
            [*path, "holidayCountry"],
            "No public holidays are known for this country code.",
            UserErrorCode.INVALID,
        )
        return None, None
    sub = subdivision.strip().upper() if subdivision and subdivision.strip() else None
    if sub is not None and sub not in supported[code]:
        problems.add(
            [*path, "holidaySubdivision"],
            f"Not a subdivision of {code}.",
            UserErrorCode.INVALID,
        )
        return code, None
    return code, sub


async def calendar_fields(change: Change) -> dict[str, Any]:
    """Validated columns of a business calendar for the fields given."""
    data, problems, row = change.input, change.problems, change.row
    values: dict[str, Any] = {}
    if given(data.name):
        values["name"] = validation.text(
            problems, change.at("name"), data.name, max_length=120, required=True
        )
        if values["name"]:
            taken = BusinessCalendar.filter(name=values["name"])
            if row is not None:
                taken = taken.exclude(pk=row.pk)
            if await taken.exists():
                problems.add(
                    change.at("name"), "Another calendar has this name.", UserErrorCode.DUPLICATE
                )
    if given(data.time_zone):
        values["time_zone"] = _zone(problems, change.at("timeZone"), data.time_zone)
    if given(data.working_hours):
        values["working_hours"] = working_hours(
            problems, change.at("workingHours"), data.working_hours or []
        )
    if given(data.holiday_country) or given(data.holiday_subdivision):
        country = (
            data.holiday_country
            if given(data.holiday_country)
            else (row.holiday_country if row is not None else None)
        )
        sub = (
            data.holiday_subdivision
            if given(data.holiday_subdivision)
            else (row.holiday_subdivision if row is not None else None)
        )
        values["holiday_country"], values["holiday_subdivision"] = _holiday_region(
            problems, change.path, country, sub
        )
    if given(data.custom_holidays):
        days: list[date] = sorted(set(data.custom_holidays or []))
        if len(days) > 1000:
            problems.add(change.at("customHolidays"), "At most 1000 days.", UserErrorCode.TOO_MANY)
        values["custom_holidays"] = [day.isoformat() for day in days]
    return values


# --------------------------------------------------------------------------- policies


def _minutes(problems: Problems, path: Path, value: int | None) -> int | None:
    if value is None:
        problems.add(path, "Must not be null.", UserErrorCode.REQUIRED)
    elif not 0 < value <= MAX_TARGET_MINUTES:
        problems.add(
            path,
            f"A target is from 1 to {MAX_TARGET_MINUTES} business minutes.",
            UserErrorCode.OUT_OF_RANGE,
        )
    return value


async def policy_fields(change: Change) -> dict[str, Any]:
    """Validated columns of an SLA policy for the fields given."""
    data, problems = change.input, change.problems
    values: dict[str, Any] = {}
    if given(data.name):
        values["name"] = validation.text(
            problems, change.at("name"), data.name, max_length=120, required=True
        )
    if given(data.priority):
        values["priority"] = _required(problems, change.at("priority"), data.priority)
    if given(data.first_response_minutes):
        values["first_response_minutes"] = _minutes(
            problems, change.at("firstResponseMinutes"), data.first_response_minutes
        )
    if given(data.resolution_minutes):
        values["resolution_minutes"] = _minutes(
            problems, change.at("resolutionMinutes"), data.resolution_minutes
        )
    if given(data.company):
        values["company_id"] = await problems.existing_id(
            change.at("company"), data.company, "Company"
        )
    if given(data.calendar):
        if data.calendar is None:
            problems.add(change.at("calendar"), "Must not be null.", UserErrorCode.REQUIRED)
        values["calendar_id"] = await problems.existing_id(
            change.at("calendar"), data.calendar, "BusinessCalendar"
        )
    if given(data.active):
        values["active"] = _required(problems, change.at("active"), data.active)
    return values
