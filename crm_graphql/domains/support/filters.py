"""Filters and sort orders of ticket, comment, SLA policy and calendar lists."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from strawberry.types.unset import UNSET
from tortoise.expressions import Q

from crm_graphql.api.filters import (
    BooleanFilter,
    DateTimeFilter,
    EnumFilter,
    FilterInput,
    IDFilter,
    LeafFilter,
    StringFilter,
)
from crm_graphql.api.pagination.cursors import SortKey
from crm_graphql.api.pagination.listing import sortable
from crm_graphql.api.roles import CONVERSATION, SUPPORT_READERS
from crm_graphql.domains.support.enums import (
    TicketChannel,
    TicketPriority,
    TicketStatus,
    TicketType,
)
from crm_graphql.domains.support.models import (
    BusinessCalendar,
    SlaPolicy,
    Ticket,
    TicketComment,
)


@strawberry.input(description="Conditions on a TicketStatus value.")
class TicketStatusFilter(EnumFilter[TicketStatus]):
    pass


@strawberry.input(description="Conditions on a TicketPriority value.")
class TicketPriorityFilter(EnumFilter[TicketPriority]):
    pass


@strawberry.input(description="Conditions on a TicketChannel value.")
class TicketChannelFilter(EnumFilter[TicketChannel]):
    pass


@strawberry.input(description="Conditions on a TicketType value.")
class TicketTypeFilter(EnumFilter[TicketType]):
    pass


def first_response_breached_q(now: datetime) -> Q:
    """Tickets whose first response came after its due time, or is missing past it."""
    return Q(first_response_breached=True) | Q(
        first_responded_at__isnull=True, first_response_due_at__lt=now
    )


def resolution_breached_q(now: datetime) -> Q:
    """Tickets whose resolution clock ran past its target (stopped, or still running)."""
    return Q(resolution_breached=True) | Q(
        resolution_clock_started_at__isnull=False, resolution_due_at__lt=now
    )


@strawberry.input(description="Conditions on a ticket's SLA as of now. All given must hold.")
class SlaFilter(LeafFilter):
    breached: bool | None = strawberry.field(
        default=UNSET,
        description="true: the first response or the resolution target was missed; "
        "false: neither was (so far).",
    )
    first_response_breached: bool | None = strawberry.field(
        default=UNSET, description="The first-response target was missed (or not)."
    )
    resolution_breached: bool | None = strawberry.field(
        default=UNSET, description="The resolution target was missed (or not)."
    )

    def to_q(self, column: str) -> Q:
        now = datetime.now(UTC)
        first, resolution = first_response_breached_q(now), resolution_breached_q(now)
        parts = []
        for value, condition in (
            (self.breached, first | resolution),
            (self.first_response_breached, first),
            (self.resolution_breached, resolution),
        ):
            if value is UNSET or value is None:
                continue
            parts.append(condition if value else ~condition)
        return Q(*parts) if parts else Q()


@strawberry.input(description="Conditions on tickets; all given conditions must hold.")
class TicketFilter(FilterInput):
    model = Ticket
    # Content filters would reveal through counts what these roles may not read.
    guarded = {
        "subject": SUPPORT_READERS,
        "number": SUPPORT_READERS,
    }

    number: StringFilter | None = strawberry.field(default=UNSET, description="Ticket number.")
    subject: StringFilter | None = strawberry.field(default=UNSET, description="Subject line.")
    status: TicketStatusFilter | None = strawberry.field(default=UNSET, description="Status.")
    priority: TicketPriorityFilter | None = strawberry.field(default=UNSET, description="Priority.")
    channel: TicketChannelFilter | None = strawberry.field(default=UNSET, description="Channel.")
    type: TicketTypeFilter | None = strawberry.field(default=UNSET, description="Type.")
    created_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When it was created."
    )
    first_responded_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When it was first answered."
    )
    solved_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When it was solved."
    )
    sla: SlaFilter | None = strawberry.field(default=UNSET, description="SLA breaches, as of now.")
    customer: IDFilter | None = strawberry.field(default=UNSET, description="The customer.")
    order: IDFilter | None = strawberry.field(default=UNSET, description="The order it is about.")
    assignee: IDFilter | None = strawberry.field(
        default=UNSET, description="The staff member assigned (`isNull: true`: unassigned)."
    )
    sla_policy: IDFilter | None = strawberry.field(
        default=UNSET, description="The SLA policy timing it."
    )
    and_: list[TicketFilter] | None = strawberry.field(
        default=UNSET, name="and", description="All of these must hold."
    )
    or_: list[TicketFilter] | None = strawberry.field(
        default=UNSET, name="or", description="At least one of these must hold."
    )
    not_: TicketFilter | None = strawberry.field(
        default=UNSET, name="not", description="This must not hold."
    )


TICKET_LIST = sortable(
    "Ticket",
    Ticket,
    {
        "CREATED_AT": ("created_at", "Creation time."),
        "UPDATED_AT": ("updated_at", "Last change."),
        "PRIORITY": ("priority", "Priority name."),
        "STATUS": ("status", "Status name."),
        "FIRST_RESPONSE_DUE_AT": ("first_response_due_at", "When the first response is due."),
        "RESOLUTION_DUE_AT": ("resolution_due_at", "When the resolution is due."),
        "SOLVED_AT": ("solved_at", "When it was solved."),
    },
    default=(SortKey("created_at", True),),
    filter=TicketFilter,
)


@strawberry.input(description="Conditions on ticket comments; all given conditions must hold.")
class TicketCommentFilter(FilterInput):
    model = TicketComment
    guarded = {"body": CONVERSATION}

    public: BooleanFilter | None = strawberry.field(
        default=UNSET, description="true: public replies; false: internal notes."
    )
    body: StringFilter | None = strawberry.field(default=UNSET, description="Text.")
    author: IDFilter | None = strawberry.field(default=UNSET, description="The author.")
    created_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When it was written."
    )
    and_: list[TicketCommentFilter] | None = strawberry.field(
        default=UNSET, name="and", description="All of these must hold."
    )
    or_: list[TicketCommentFilter] | None = strawberry.field(
        default=UNSET, name="or", description="At least one of these must hold."
    )
    not_: TicketCommentFilter | None = strawberry.field(
        default=UNSET, name="not", description="This must not hold."
    )


TICKET_COMMENT_LIST = sortable(
    "TicketComment",
    TicketComment,
    {"CREATED_AT": ("created_at", "When it was written.")},
    default=(SortKey("created_at", False),),
    filter=TicketCommentFilter,
)


@strawberry.input(description="Conditions on SLA policies; all given conditions must hold.")
class SlaPolicyFilter(FilterInput):
    model = SlaPolicy

    priority: TicketPriorityFilter | None = strawberry.field(default=UNSET, description="Priority.")
    active: BooleanFilter | None = strawberry.field(default=UNSET, description="In use.")
    company: IDFilter | None = strawberry.field(default=UNSET, description="The company.")
    calendar: IDFilter | None = strawberry.field(default=UNSET, description="The calendar.")


SLA_POLICY_LIST = sortable(
    "SlaPolicy",
    SlaPolicy,
    {"NAME": ("name", "Name."), "PRIORITY": ("priority", "Priority name.")},
    default=(SortKey("name", False),),
    filter=SlaPolicyFilter,
)

BUSINESS_CALENDAR_LIST = sortable(
    "BusinessCalendar",
    BusinessCalendar,
    {"NAME": ("name", "Name.")},
    default=(SortKey("name", False),),
)
