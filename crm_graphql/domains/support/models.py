"""Support tickets, their comments, the SLA policies and business calendars that time
them, and the satisfaction surveys sent when they are solved."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields

from crm_graphql.db.models import TimestampedModel

if TYPE_CHECKING:
    from crm_graphql.domains.customers.models import Company, Customer
    from crm_graphql.domains.orders.models import Order
    from crm_graphql.domains.users.models import User


class TicketStatus(StrEnum):
    """Where a ticket stands between arrival and closing."""

    NEW = "NEW"
    OPEN = "OPEN"
    PENDING = "PENDING"
    ON_HOLD = "ON_HOLD"
    SOLVED = "SOLVED"
    CLOSED = "CLOSED"


#: Statuses of tickets still being worked on (the backlog).
UNSOLVED_STATUSES = (
    TicketStatus.NEW,
    TicketStatus.OPEN,
    TicketStatus.PENDING,
    TicketStatus.ON_HOLD,
)
#: Statuses in which the resolution clock is paused (waiting on someone else).
PAUSED_STATUSES = (TicketStatus.PENDING, TicketStatus.ON_HOLD)


class TicketPriority(StrEnum):
    """How urgent a ticket is; each priority has its own SLA targets."""

    LOW = "LOW"
    NORMAL = "NORMAL"
    HIGH = "HIGH"
    URGENT = "URGENT"


class TicketChannel(StrEnum):
    """How a ticket reached support."""

    EMAIL = "EMAIL"
    PHONE = "PHONE"
    CHAT = "CHAT"
    WEB = "WEB"
    SOCIAL = "SOCIAL"


class TicketType(StrEnum):
    """What kind of help a ticket asks for."""

    QUESTION = "QUESTION"
    PROBLEM = "PROBLEM"
    INCIDENT = "INCIDENT"
    REQUEST = "REQUEST"


class BusinessCalendar(TimestampedModel):
    """Working days and hours in one time zone, with public and custom holidays: the
    hours in which SLA clocks run."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120, unique=True)
    time_zone = fields.CharField(max_length=64)
    #: Working periods: a list of [weekday 0-6 from Monday, start HH:MM, end HH:MM].
    working_hours: fields.JSONField[Any] = fields.JSONField()
    #: ISO 3166-1 country (and subdivision) whose public holidays are days off.
    holiday_country = fields.CharField(max_length=2, null=True)
    holiday_subdivision = fields.CharField(max_length=10, null=True)
    #: Further days off, ISO dates.
    custom_holidays: fields.JSONField[list[Any]] = fields.JSONField(default=list)

    class Meta:
        table = "business_calendar"


class SlaPolicy(TimestampedModel):
    """Targets for the first response and the resolution of tickets of one priority
    (and optionally of one company), in business minutes of a calendar."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120)
    priority = fields.CharEnumField(TicketPriority, max_length=8)
    company: fields.ForeignKeyNullableRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name="sla_policies", null=True, on_delete=fields.CASCADE
    )
    company_id: int | None
    calendar: fields.ForeignKeyRelation[BusinessCalendar] = fields.ForeignKeyField(
        "models.BusinessCalendar", related_name="sla_policies", on_delete=fields.RESTRICT
    )
    calendar_id: int
    first_response_minutes = fields.IntField()
    resolution_minutes = fields.IntField()
    active = fields.BooleanField(default=True)

    class Meta:
        table = "sla_policy"
        indexes = (("priority", "active", "company_id"),)


class Ticket(TimestampedModel):
    """A request for help from a customer, with its SLA clocks."""

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=32, unique=True)
    subject = fields.CharField(max_length=255)
    description = fields.TextField(null=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="tickets", on_delete=fields.CASCADE
    )
    customer_id: int
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    order_id: int | None
    channel = fields.CharEnumField(TicketChannel, max_length=8)
    priority = fields.CharEnumField(TicketPriority, max_length=8, default=TicketPriority.NORMAL)
    type = fields.CharEnumField(TicketType, max_length=8, default=TicketType.QUESTION)
    status = fields.CharEnumField(TicketStatus, max_length=8, default=TicketStatus.NEW)
    assignee: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="assigned_tickets", null=True, on_delete=fields.SET_NULL
    )
    assignee_id: int | None
    #: The assignment rule that chose the assignee of the new ticket, if one did.
    assigned_by_rule_id = fields.IntField(null=True)
    tags: fields.JSONField[list[Any]] = fields.JSONField(default=list)
    first_responded_at = fields.DatetimeField(null=True)
    solved_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    # The SLA clocks (see services.sla): the policy chosen for the priority, when each
    # target falls due, how long each clock ran in business seconds, and breaches.
    sla_policy: fields.ForeignKeyNullableRelation[SlaPolicy] = fields.ForeignKeyField(
        "models.SlaPolicy", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    sla_policy_id: int | None
    first_response_due_at = fields.DatetimeField(null=True)
    first_response_seconds = fields.IntField(null=True)
    first_response_breached = fields.BooleanField(default=False)
    resolution_due_at = fields.DatetimeField(null=True)
    resolution_clock_started_at = fields.DatetimeField(null=True)
    resolution_clock_seconds = fields.IntField(default=0)
    resolution_seconds = fields.IntField(null=True)
    resolution_breached = fields.BooleanField(default=False)

    class Meta:
        table = "ticket"
        indexes = (
            ("customer_id", "created_at"),
            ("assignee_id", "status"),
            ("created_at", "id"),
            # When SLA events fall due (only clocks that run have a due time): the tickets
            # due in a span, and lists of unsolved tickets by due time.
            ("status", "resolution_due_at"),
            ("status", "first_response_due_at"),
            # Dashboards and ticketsAggregate: each reads an index alone (a secondary
            # index that does not cover a statement makes MariaDB fetch every row by key).
            ("status", "priority", "created_at", "channel", "first_response_seconds",
             "resolution_seconds"),
            ("created_at", "channel", "priority", "status"),
            ("first_responded_at", "first_response_seconds", "channel", "priority",
             "assignee_id"),
            ("solved_at", "resolution_seconds", "first_response_seconds",
             "first_response_breached", "resolution_breached", "sla_policy_id", "channel",
             "priority", "assignee_id"),
            # The support leaderboard's times of the agents it shows (an IN list of them).
            ("assignee_id", "first_responded_at", "first_response_seconds"),
            ("assignee_id", "solved_at", "resolution_seconds", "sla_policy_id",
             "first_response_breached", "resolution_breached"),
        )  # fmt: skip


class TicketComment(TimestampedModel):
    """A public reply to the customer or an internal note on a ticket."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="comments", on_delete=fields.CASCADE
    )
    ticket_id: int
    author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="ticket_comments", null=True, on_delete=fields.SET_NULL
    )
    author_id: int | None
    body = fields.TextField()
    public = fields.BooleanField()

    class Meta:
        table = "ticket_comment"
        indexes = (("ticket_id", "created_at"),)


class SatisfactionSurvey(TimestampedModel):
    """The satisfaction survey of one solved ticket: a one-time token (kept as a hash),
    and the answer once given."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="surveys", on_delete=fields.CASCADE
    )
    ticket_id: int
    #: Who solved the ticket: satisfaction per agent without a join.
    assignee: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="ticket_surveys", null=True, on_delete=fields.SET_NULL
    )
    assignee_id: int | None
    token_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    answered_at = fields.DatetimeField(null=True)
    score = fields.SmallIntField(null=True)
    comment = fields.TextField(null=True)

    class Meta:
        table = "satisfaction_survey"
        indexes = (
            ("ticket_id", "created_at"),
            ("created_at", "assignee_id", "answered_at", "score"),
        )
