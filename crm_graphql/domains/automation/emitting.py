"""The events automation listens to, written in the transaction of each change.

Every change ``Writes`` makes to a lead, an opportunity or a task becomes an event in
the outbox (``lead.created``, ``opportunity.updated``...), with the fields that changed
(GraphQL names) and their new values: no event without its change, no change without
its event. Subscribers (``tasks.py``) run the rules after the commit.
"""

from __future__ import annotations

from typing import Any

from crm_graphql.api.filters import strawberry_name
from crm_graphql.api.json import plain
from crm_graphql.api.mutations.changes import Changed, on_change
from crm_graphql.events import emit

#: Entities whose changes are events: GraphQL type -> event prefix.
WATCHED = {"Lead": "lead", "Opportunity": "opportunity", "Task": "task"}


def field_name(column: str) -> str:
    """The GraphQL name of a changed column (``owner_id`` -> ``owner``)."""
    return strawberry_name(column[:-3] if column.endswith("_id") else column)


@on_change
async def emit_change(change: Changed) -> None:
    prefix = WATCHED.get(change.entity.name)
    if prefix is None or change.after is None:
        return
    changed: dict[str, Any] = {}
    if change.before is not None:
        for column in change.changes:
            if hasattr(change.after, column) and getattr(change.before, column, None) != getattr(
                change.after, column
            ):
                changed[field_name(column)] = plain(getattr(change.after, column))
    await emit(
        f"{prefix}.created" if change.verb == "create" else f"{prefix}.updated",
        entity=prefix,
        entity_id=change.pk,
        data={"verb": change.verb, "changed": changed},
        actor_id=change.actor_id,
    )
