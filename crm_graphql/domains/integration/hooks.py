"""Changes of records become events in the outbox, in the change's transaction.

Every change that :class:`~crm_graphql.api.mutations.writes.Writes` makes (and every
bulk write that announces its changes) of the entities in
:data:`~.event_types.ENTITY_PREFIXES` is written as one event with the record as it is
after the change; webhooks (and any other subscriber) read it from there.
"""

from __future__ import annotations

from typing import Any

from crm_graphql.api.filters import strawberry_name
from crm_graphql.api.json import plain
from crm_graphql.api.mutations.changes import Changed, on_change
from crm_graphql.domains.integration.event_types import event_type_of
from crm_graphql.domains.integration.payloads import record_of
from crm_graphql.events import emit


def field_name(column: str) -> str:
    """The GraphQL name of a changed column (``owner_id`` -> ``owner``)."""
    return strawberry_name(column[:-3] if column.endswith("_id") else column)


def changed_fields(change: Changed) -> dict[str, Any]:
    """The fields whose value the change really changed (GraphQL names), with their new
    values; empty for a new or deleted record."""
    if change.before is None or change.after is None:
        return {}
    changed: dict[str, Any] = {}
    for column in change.changes:
        if not hasattr(change.after, column):
            continue
        if getattr(change.before, column, None) != getattr(change.after, column):
            changed[field_name(column)] = plain(getattr(change.after, column))
    return changed


@on_change
async def record_change_event(change: Changed) -> None:
    """Write the event of ``change`` (see the module doc)."""
    event_type = event_type_of(change.entity.name, change.verb)
    if event_type is None:
        return
    row = change.after if change.after is not None else change.before
    data = {
        "object": record_of(row, change.entity.name) if row is not None else None,
        "changes": dict(change.changes),
        # What the change did (``create``, ``update``, ``move_stage``...) and the fields
        # it really changed, with their new values: what automation rules match on.
        "verb": change.verb,
        "changed": changed_fields(change),
    }
    await emit(
        event_type,
        entity=change.entity.name.lower(),
        entity_id=change.pk,
        data=data,
        actor_id=change.actor_id,
    )
