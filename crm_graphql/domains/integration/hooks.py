"""Changes of records become events in the outbox, in the change's transaction.

Every change that :class:`~crm_graphql.api.mutations.writes.Writes` makes (and every
bulk write that announces its changes) of the entities in
:data:`~.event_types.ENTITY_PREFIXES` is written as one event with the record as it is
after the change; webhooks (and any other subscriber) read it from there.
"""

from __future__ import annotations

from crm_graphql.api.mutations.changes import Changed, on_change
from crm_graphql.domains.integration.event_types import event_type_of
from crm_graphql.domains.integration.payloads import record_of
from crm_graphql.events import emit


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
    }
    await emit(
        event_type,
        entity=change.entity.name.lower(),
        entity_id=change.pk,
        data=data,
        actor_id=change.actor_id,
    )
