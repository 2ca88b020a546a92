"""The kinds of entries of the customer timeline."""

from __future__ import annotations

from enum import StrEnum

from crm_graphql.api.enums import graphql_enum


class TimelineKind(StrEnum):
    """What a timeline entry is; also its rank among entries of the same time."""

    INTERACTION = "INTERACTION"
    ORDER = "ORDER"
    ORDER_STATUS_CHANGE = "ORDER_STATUS_CHANGE"
    OPPORTUNITY_STAGE_CHANGE = "OPPORTUNITY_STAGE_CHANGE"
    TICKET = "TICKET"
    TICKET_COMMENT = "TICKET_COMMENT"
    TASK = "TASK"
    CAMPAIGN_RESPONSE = "CAMPAIGN_RESPONSE"
    INVOICE = "INVOICE"
    PAYMENT = "PAYMENT"


graphql_enum(
    TimelineKind,
    "What a timeline entry is about.",
    {
        "INTERACTION": "An interaction, at the time it happened.",
        "ORDER": "An order, when it was placed (created, for drafts).",
        "ORDER_STATUS_CHANGE": "A change of an order's status (from the audit log).",
        "OPPORTUNITY_STAGE_CHANGE": "An opportunity entering a pipeline stage.",
        "TICKET": "A support ticket, when it was opened.",
        "TICKET_COMMENT": "A reply or internal note on one of the customer's tickets.",
        "TASK": "A task about the customer, when it was created.",
        "CAMPAIGN_RESPONSE": "The customer's response to a campaign (opened, clicked, "
        "responded, converted, unsubscribed), when it happened.",
        "INVOICE": "An invoice or credit note, when it was issued (created, for drafts).",
        "PAYMENT": "A payment or refund, when it was received.",
    },
)

#: The order of kinds among entries of the same time (the second ordering key).
RANK = {kind: rank for rank, kind in enumerate(TimelineKind, start=1)}
KIND_OF_RANK = {rank: kind for kind, rank in RANK.items()}
