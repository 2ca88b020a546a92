"""Hooks that see every change of a record, inside the transaction that makes it.

:class:`~crm_graphql.api.mutations.writes.Writes` announces each change it writes
(create, update, delete, restore, and every named action) with the row as it was and as
it is; so do domain services that write records in bulk. What must change together
with a record — an event in the outbox, a pre-aggregated count — subscribes with
``@on_change`` and writes in the same transaction: committed together or not at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from crm_graphql.api.entities import Entity


@dataclass(frozen=True)
class Changed:
    """One change of one record."""

    entity: Entity
    #: ``create``, ``update``, ``delete``, ``restore`` or the name of an action
    #: (``move_stage``, ``status``...), as in the audit log (``opportunity.move_stage``).
    verb: str
    pk: Any
    #: The row before the change (None for a new record).
    before: Any
    #: The row after the change (None for a record deleted for good).
    after: Any
    #: The changed values, as in the audit event.
    changes: Mapping[str, Any] = field(default_factory=dict)
    #: The signed-in user who made the change (None for an API key or the system).
    actor_id: int | None = None


ChangeHook = Callable[[Changed], Awaitable[None]]
_HOOKS: list[ChangeHook] = []


def on_change(hook: ChangeHook) -> ChangeHook:
    """Register ``hook`` for every change of every record (a domain's decorator); it
    runs inside the change's transaction, and a failure rolls the change back."""
    _HOOKS.append(hook)
    return hook


def forget(hook: ChangeHook) -> None:
    """Unregister ``hook`` (tests, or a subscriber switched off)."""
    _HOOKS.remove(hook)


async def changed(event: Changed) -> None:
    """Announce a change to every hook (call inside the change's transaction)."""
    for hook in _HOOKS:
        await hook(event)
