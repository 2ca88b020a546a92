"""Ticket records in groups: ``ticketsAggregate``, counts, sums, averages, extremes.

Every signed-in role may count tickets (MARKETING and ANALYST read tickets only this
way): groups carry keys and numbers, never a ticket's content.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from crm_graphql.api.aggregation.aggregates import (
    PERIOD_KEY,
    AggregateSpec,
    GroupField,
    NumericField,
    aggregate_field,
    by_reference,
    group_by_input,
    group_field_enum,
    group_types,
)
from crm_graphql.api.references import key_reference
from crm_graphql.domains.support.enums import (
    TicketChannel,
    TicketPriority,
    TicketStatus,
    TicketType,
)
from crm_graphql.domains.support.filters import TicketFilter
from crm_graphql.domains.support.models import Ticket as TicketModel

TicketGroupField = group_field_enum(
    "Ticket",
    {
        "STATUS": "Status.",
        "PRIORITY": "Priority.",
        "CHANNEL": "Channel.",
        "TYPE": "Type.",
        "ASSIGNEE": "The assignee.",
        "CUSTOMER": "The customer.",
        "SLA_POLICY": "The SLA policy.",
        "FIRST_RESPONSE_BREACHED": "Whether the first response came late (once it came).",
        "RESOLUTION_BREACHED": "Whether the resolution clock ran late (once it stopped).",
        "CREATED_AT": "Creation time (with a granularity).",
        "SOLVED_AT": "When it was solved (with a granularity).",
    },
)
TicketGroupBy = group_by_input("TicketGroupBy", TicketGroupField)


@strawberry.type(description="What the tickets of a group share; keys not grouped by are null.")
class TicketGroupKey:
    status: TicketStatus | None = strawberry.field(default=None, description="Status.")
    priority: TicketPriority | None = strawberry.field(default=None, description="Priority.")
    channel: TicketChannel | None = strawberry.field(default=None, description="Channel.")
    type: TicketType | None = strawberry.field(default=None, description="Type.")
    first_response_breached: bool | None = strawberry.field(
        default=None, description="First response late (recorded when it came)."
    )
    resolution_breached: bool | None = strawberry.field(
        default=None, description="Resolution late (recorded when its clock stopped)."
    )
    created_at: datetime | None = strawberry.field(default=None, description=PERIOD_KEY)
    solved_at: datetime | None = strawberry.field(default=None, description=PERIOD_KEY)
    _assignee_id: strawberry.Private[int | None] = None
    _customer_id: strawberry.Private[int | None] = None
    _sla_policy_id: strawberry.Private[int | None] = None

    assignee = key_reference(TicketModel, "assignee", "The assignee.")
    customer = key_reference(TicketModel, "customer", "The customer.")
    sla_policy = key_reference(TicketModel, "sla_policy", "The SLA policy.")


TICKETS = AggregateSpec(
    view="ticketsAggregate",
    model=TicketModel,
    fields={
        "STATUS": GroupField("status", "status", convert=TicketStatus),
        "PRIORITY": GroupField("priority", "priority", convert=TicketPriority),
        "CHANNEL": GroupField("channel", "channel", convert=TicketChannel),
        "TYPE": GroupField("type", "type", convert=TicketType),
        "ASSIGNEE": by_reference("assignee"),
        "CUSTOMER": by_reference("customer"),
        "SLA_POLICY": by_reference("sla_policy"),
        "FIRST_RESPONSE_BREACHED": GroupField(
            "first_response_breached", "first_response_breached", convert=bool
        ),
        "RESOLUTION_BREACHED": GroupField(
            "resolution_breached", "resolution_breached", convert=bool
        ),
        "CREATED_AT": GroupField("created_at", "created_at", "datetime"),
        "SOLVED_AT": GroupField("solved_at", "solved_at", "datetime"),
    },
    numeric=(
        NumericField(
            "first_response_seconds",
            "first_response_seconds",
            "Business seconds from creation to the first public reply.",
        ),
        NumericField(
            "resolution_seconds",
            "resolution_seconds",
            "Business seconds the resolution clock ran until the ticket was solved.",
        ),
    ),
    key_type=TicketGroupKey,
    filter_input=TicketFilter,
)
TICKET_TYPES = group_types("Ticket", TicketGroupKey, TICKETS.numeric)


@strawberry.type
class TicketAggregateQueries:
    tickets_aggregate = aggregate_field(
        TICKETS,
        TICKET_TYPES,
        TicketGroupBy,
        description="Tickets in groups: counts, sums, averages, extremes (every role; no "
        "ticket content).",
    )
