"""The event types webhooks can subscribe to: one list, versioned.

A change of a record (through the API, or an import) becomes one event named
``<entity>.<what happened>``. The list only grows within a version; removing or renaming
a type, or changing the body, makes a new :data:`WEBHOOK_API_VERSION`.
"""

from __future__ import annotations

from collections.abc import Mapping

#: The version of the list and of the delivery body; sent in every body.
WEBHOOK_API_VERSION = "2026-11-30"

#: The entities whose changes are events, by entity (type) name -> event prefix.
ENTITY_PREFIXES: Mapping[str, str] = {
    "Customer": "customer",
    "Company": "company",
    "Interaction": "interaction",
    "Order": "order",
    "Opportunity": "opportunity",
    "Ticket": "ticket",
    "Lead": "lead",
    "Task": "task",
}

#: What each verb of a change is called in the event type; other verbs are ``updated``.
VERB_EVENTS: Mapping[str, str] = {
    "create": "created",
    "update": "updated",
    "delete": "deleted",
    "restore": "restored",
    "move_stage": "stage_changed",
    "status": "status_changed",
    "assign": "assigned",
}

#: Every event type of this version, with what it means.
EVENT_TYPES: Mapping[str, str] = {
    "customer.created": "A customer was created (mutation or import).",
    "customer.updated": "A customer's fields changed (mutation or import).",
    "customer.deleted": "A customer was deleted (soft: it can be restored).",
    "customer.restored": "A deleted customer was restored.",
    "company.created": "A company was created (mutation or import).",
    "company.updated": "A company's fields changed (mutation or import).",
    "company.deleted": "A company was deleted.",
    "company.restored": "A deleted company was restored.",
    "interaction.created": "An interaction was recorded.",
    "interaction.updated": "An interaction changed.",
    "interaction.deleted": "An interaction was deleted.",
    "order.created": "An order was created.",
    "order.updated": "An order changed (fields or line items).",
    "order.status_changed": "An order moved to another status (`changes.status`).",
    "order.deleted": "An order was deleted.",
    "opportunity.created": "An opportunity was created.",
    "opportunity.updated": "An opportunity's fields changed.",
    "opportunity.stage_changed": "An opportunity moved to another pipeline stage.",
    "opportunity.deleted": "An opportunity was deleted.",
    "ticket.created": "A support ticket was opened.",
    "ticket.updated": "A ticket's fields changed.",
    "ticket.status_changed": "A ticket moved to another status.",
    "ticket.assigned": "A ticket was assigned to someone else (or to nobody).",
    "ticket.deleted": "A ticket was deleted.",
    "lead.created": "A lead was created (mutation or web form).",
    "lead.updated": "A lead's fields changed (also its conversion).",
    "lead.status_changed": "A lead moved to another status (`changes.status`).",
    "lead.deleted": "A lead was deleted.",
    "task.created": "A task was created (also by an automation rule).",
    "task.updated": "A task changed (also completed, reopened, cancelled).",
    "task.deleted": "A task was deleted.",
}


def event_type_of(entity_name: str, verb: str) -> str | None:
    """The event type of a change, or None when the entity's changes are no events."""
    prefix = ENTITY_PREFIXES.get(entity_name)
    if prefix is None:
        return None
    event_type = f"{prefix}.{VERB_EVENTS.get(verb, 'updated')}"
    return event_type if event_type in EVENT_TYPES else f"{prefix}.updated"
