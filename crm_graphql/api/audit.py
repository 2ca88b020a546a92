"""Writing audit events. Callers write the event inside the transaction of the change
it records, so the two are committed or rolled back together."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crm_graphql.api.context import Context
from crm_graphql.db.audit import AuditEvent

#: Fields whose values are personal data: an audit diff says they changed, not to what.
PERSONAL_FIELDS = frozenset(
    {
        "email",
        "phone",
        "birth_date",
        "address_line1",
        "address_line2",
        "city",
        "postal_code",
        "password",
        "password_hash",
        "body",
    }
)
REDACTED = "[redacted]"


@dataclass(frozen=True)
class AuditMeta:
    """Who acted and from where: the principal and the request."""

    actor_user_id: int | None = None
    actor_api_key_id: int | None = None
    actor_label: str | None = None
    client_address: str | None = None
    request_id: str | None = None


def meta_from(context: Context) -> AuditMeta:
    """The actor and request of a GraphQL request, for its audit events."""
    principal = context.principal
    return AuditMeta(
        actor_user_id=principal.user_id if principal else None,
        actor_api_key_id=principal.api_key_id if principal else None,
        actor_label=principal.name if principal else None,
        client_address=context.client_address,
        request_id=context.request_id,
    )


def redact(changes: Mapping[str, Any]) -> dict[str, Any]:
    """A diff safe to keep: personal fields are marked as changed without their values."""
    return {
        name: (REDACTED if name in PERSONAL_FIELDS else value) for name, value in changes.items()
    }


async def record(
    action: str,
    meta: AuditMeta,
    *,
    entity_type: str | None = None,
    entity_id: object | None = None,
    changes: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit log."""
    return await AuditEvent.create(
        occurred_at=datetime.now(UTC),
        action=action,
        actor_user_id=meta.actor_user_id,
        actor_api_key_id=meta.actor_api_key_id,
        actor_label=(meta.actor_label or None) and meta.actor_label[:200],
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        changes=redact(changes or {}),
        client_address=meta.client_address[:45] if meta.client_address else None,
        request_id=meta.request_id,
    )
