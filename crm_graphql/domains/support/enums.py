"""GraphQL enums of the customer-service domain."""

from __future__ import annotations

from enum import Enum

from crm_graphql.api.enums import graphql_enum
from crm_graphql.domains.support.models import (
    TicketChannel,
    TicketPriority,
    TicketStatus,
    TicketType,
)

graphql_enum(
    TicketStatus,
    "Where a ticket stands: NEW -> OPEN -> PENDING / ON_HOLD -> SOLVED -> CLOSED.",
    {
        "NEW": "Arrived; nobody has worked on it yet.",
        "OPEN": "Being worked on.",
        "PENDING": "Waiting on the customer; the resolution clock is paused.",
        "ON_HOLD": "Waiting on a third party; the resolution clock is paused.",
        "SOLVED": "Solved; reopens to OPEN within the reopen window (CRM_SUPPORT_REOPEN_DAYS).",
        "CLOSED": "Closed for good; never reopens and takes no more comments.",
    },
)
graphql_enum(
    TicketPriority,
    "How urgent a ticket is; each priority has its own SLA targets.",
    {
        "LOW": "Can wait.",
        "NORMAL": "The usual.",
        "HIGH": "Important; answer soon.",
        "URGENT": "Business stopped; answer first.",
    },
)
graphql_enum(
    TicketChannel,
    "How a ticket reached support.",
    {
        "EMAIL": "By e-mail.",
        "PHONE": "By phone.",
        "CHAT": "By live chat.",
        "WEB": "Through a web form.",
        "SOCIAL": "Through social media.",
    },
)
graphql_enum(
    TicketType,
    "What kind of help a ticket asks for.",
    {
        "QUESTION": "A question.",
        "PROBLEM": "Something does not work for this customer.",
        "INCIDENT": "Something does not work, for several customers at once.",
        "REQUEST": "A request for something to be done.",
    },
)


class TicketCommentKind(Enum):
    """Who a comment is for."""

    PUBLIC_REPLY = "PUBLIC_REPLY"
    INTERNAL_NOTE = "INTERNAL_NOTE"


graphql_enum(
    TicketCommentKind,
    "Who a ticket comment is for.",
    {
        "PUBLIC_REPLY": "A reply to the customer; the first one is the ticket's first response.",
        "INTERNAL_NOTE": "A note for staff: readable by SUPPORT, MANAGER and ADMIN only.",
    },
)


class Weekday(Enum):
    """A day of the week."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


graphql_enum(
    Weekday,
    "A day of the week.",
    {day.name: day.name.title() + "." for day in Weekday},
)

__all__ = [
    "TicketChannel",
    "TicketCommentKind",
    "TicketPriority",
    "TicketStatus",
    "TicketType",
    "Weekday",
]
