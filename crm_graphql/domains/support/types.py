"""GraphQL types of tickets, their comments, SLA policies and business calendars."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.entities import ANY_ROW, OWN_OR_UNOWNED_ROWS, entity
from crm_graphql.api.node import Node
from crm_graphql.api.pagination.fields import connection
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.references import reference
from crm_graphql.api.roles import CONVERSATION, Role
from crm_graphql.domains.support import calendars, loaders, rules, sla
from crm_graphql.domains.support.enums import (
    TicketChannel,
    TicketCommentKind,
    TicketPriority,
    TicketStatus,
    TicketType,
    Weekday,
)
from crm_graphql.domains.support.filters import TICKET_COMMENT_LIST
from crm_graphql.domains.support.models import BusinessCalendar as BusinessCalendarModel
from crm_graphql.domains.support.models import SlaPolicy as SlaPolicyModel
from crm_graphql.domains.support.models import Ticket as TicketModel
from crm_graphql.domains.support.models import TicketComment as TicketCommentModel
from crm_graphql.domains.tasks.filters import TASK_LIST


@strawberry.type(description="Working time on one day of the week, in the calendar's zone.")
class WorkingPeriod:
    day: Weekday = strawberry.field(description="The day of the week.")
    start: time = strawberry.field(description="Local time work starts.")
    end: time | None = strawberry.field(
        description="Local time work ends; null: at midnight (the end of the day)."
    )


@strawberry.type(
    description="Working days and hours in one time zone, with public and custom holidays: "
    "the hours in which SLA clocks run."
)
@entity(BusinessCalendarModel, writers={Role.MANAGER: ANY_ROW})
class BusinessCalendar(Node):
    name: str = strawberry.field(description="Name, unique.")
    time_zone: str = strawberry.field(description="IANA time zone of the working hours.")
    holiday_country: str | None = strawberry.field(
        description="ISO 3166-1 country whose public holidays are days off (from the "
        "maintained holidays library); null: none."
    )
    holiday_subdivision: str | None = strawberry.field(
        description="Subdivision (state, province) of the country, for regional holidays."
    )
    custom_holidays: list[str] = strawberry.field(description="Further days off (ISO dates).")
    version: int = strawberry.field(
        description="Incremented by every change; send it back with updates."
    )

    @strawberry.field(description="Working periods, Monday first.")
    def working_hours(self, root: BusinessCalendarModel) -> list[WorkingPeriod]:
        return [
            WorkingPeriod(day=Weekday(period.weekday), start=period.start, end=period.end)
            for period in calendars.parse_hours(root.working_hours)
        ]


@strawberry.type(
    description="First-response and resolution targets for tickets of one priority (and "
    "optionally one company), in business minutes of a calendar."
)
@entity(SlaPolicyModel, writers={Role.MANAGER: ANY_ROW})
class SlaPolicy(Node):
    name: str = strawberry.field(description="Name.")
    priority: TicketPriority = strawberry.field(description="The priority it applies to.")
    first_response_minutes: int = strawberry.field(
        description="Business minutes from creation to the first public reply."
    )
    resolution_minutes: int = strawberry.field(
        description="Business minutes the resolution clock may run (it pauses while the "
        "ticket is PENDING or ON_HOLD)."
    )
    active: bool = strawberry.field(description="Whether new tickets get it.")
    version: int = strawberry.field(
        description="Incremented by every change; send it back with updates."
    )
    company = reference("Only tickets of customers of this company; null: every company.")
    calendar = reference("The business calendar the minutes count in.")


@strawberry.type(description="A ticket's SLA as of now.")
class TicketSla:
    first_response_due_at: datetime | None = strawberry.field(
        description="When the first public reply is due; null without an SLA policy."
    )
    resolution_due_at: datetime | None = strawberry.field(
        description="When the resolution is due while its clock runs; null while the "
        "clock is stopped (PENDING, ON_HOLD, SOLVED, CLOSED) or without a policy."
    )
    first_response_breached: bool = strawberry.field(
        description="The first reply came after its due time, or is missing past it."
    )
    resolution_breached: bool = strawberry.field(
        description="The resolution clock ran past its target."
    )
    paused: bool = strawberry.field(
        description="The resolution clock is paused (PENDING or ON_HOLD)."
    )
    _row: strawberry.Private[TicketModel]

    @strawberry.field(
        description="Business minutes left until the next pending target: the first "
        "response while there is none, else the resolution while its clock runs; negative "
        "when overdue; null when no target is pending (no policy, paused, solved)."
    )
    async def remaining_business_minutes(self, info: Info) -> int | None:
        row = self._row
        if row.sla_policy_id is None:
            return None
        calendar = await loaders.load_policy_calendar(info, row.sla_policy_id)
        left = sla.remaining(row, calendar or calendars.ALWAYS, datetime.now(UTC))
        return None if left is None else math.floor(left.total_seconds() / 60)


@strawberry.type(description="A customer's answer to the satisfaction survey of a ticket.")
class TicketSatisfaction:
    score: int = strawberry.field(description="From 1 (very unhappy) to 5 (very happy).")
    comment: str | None = guarded_field(
        CONVERSATION, "What the customer wrote, if anything.", attr="comment"
    )
    answered_at: datetime = strawberry.field(description="When the customer answered.")


@strawberry.type(description="A public reply to the customer or an internal note on a ticket.")
@entity(TicketCommentModel, owner="author_id", read_rule=rules.comments_readable_by)
class TicketComment(Node):
    body: str | None = guarded_field(CONVERSATION, "The text.", attr="body")
    public: bool = strawberry.field(
        description="true: a reply the customer sees; false: an internal note."
    )
    created_at: datetime = strawberry.field(description="When it was written.")
    author = reference("The staff member who wrote it.")

    @strawberry.field(description="Public reply or internal note.")
    def kind(self, root: TicketCommentModel) -> TicketCommentKind:
        return TicketCommentKind.PUBLIC_REPLY if root.public else TicketCommentKind.INTERNAL_NOTE


@strawberry.type(
    description="A customer's request for help, with its status, assignee, comments and SLA "
    "clocks counted in business hours."
)
@entity(
    TicketModel,
    owner="assignee_id",
    writers={Role.MANAGER: ANY_ROW, Role.SUPPORT: OWN_OR_UNOWNED_ROWS},
    read_rule=rules.tickets_readable_by,
)
class Ticket(Node):
    number: str = strawberry.field(description="Human-readable number, unique (TCK-<year>-<n>).")
    subject: str = strawberry.field(description="One-line summary.")
    description: str | None = guarded_field(
        CONVERSATION, "What the customer asked, in full.", attr="description"
    )
    channel: TicketChannel = strawberry.field(description="How it reached support.")
    priority: TicketPriority = strawberry.field(description="How urgent it is.")
    type: TicketType = strawberry.field(description="What kind of help it asks for.")
    status: TicketStatus = strawberry.field(description="Where it stands.")
    tags: list[str] = strawberry.field(description="Free labels.")
    first_responded_at: datetime | None = strawberry.field(
        description="When the first public reply was written."
    )
    solved_at: datetime | None = strawberry.field(description="When it was (last) solved.")
    closed_at: datetime | None = strawberry.field(description="When it was closed.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    version: int = strawberry.field(
        description="Incremented by every change; send it back with updates."
    )

    customer = reference("The customer who asked.")
    order = reference("The order it is about, if any.")
    assignee = reference("The staff member working on it; null: unassigned.")
    sla_policy = reference("The SLA policy timing it; null: none applies.")

    @strawberry.field(description="The SLA clocks as of now.")
    def sla(self, root: TicketModel) -> TicketSla:
        now = datetime.now(UTC)
        return TicketSla(
            first_response_due_at=root.first_response_due_at,
            resolution_due_at=root.resolution_due_at,
            first_response_breached=sla.first_response_breached(root, now),
            resolution_breached=sla.resolution_breached(root, now),
            paused=root.status in (TicketStatus.PENDING, TicketStatus.ON_HOLD),
            _row=root,
        )

    @strawberry.field(
        description="The customer's answer to the latest satisfaction survey; null when "
        "none was answered."
    )
    async def satisfaction(self, root: TicketModel, info: Info) -> TicketSatisfaction | None:
        survey = await loaders.load_satisfaction(info, root.id)
        if survey is None:
            return None
        return TicketSatisfaction(
            score=survey.score, comment=survey.comment, answered_at=survey.answered_at
        )

    comments = connection(
        TICKET_COMMENT_LIST,
        parent="ticket",
        description="Replies and notes, oldest first by default (internal notes only for "
        "SUPPORT, MANAGER and ADMIN).",
    )
    tasks = connection(
        TASK_LIST,
        parent="ticket",
        description="Tasks about the ticket, soonest due first by default.",
    )
