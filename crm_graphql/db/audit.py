"""Audit events: written once, never changed or deleted through the application."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class AuditEventImmutable(RuntimeError):
    """Raised on an attempt to change or delete an audit event."""


class AuditEvent(Model):
    """One security-relevant action: a change, a sign-in or a use of an API key."""

    id = fields.BigIntField(primary_key=True)
    occurred_at = fields.DatetimeField()
    action = fields.CharField(max_length=64)
    actor_user_id = fields.IntField(null=True)
    actor_api_key_id = fields.IntField(null=True)
    actor_label = fields.CharField(max_length=200, null=True)
    entity_type = fields.CharField(max_length=64, null=True)
    entity_id = fields.CharField(max_length=64, null=True)
    changes: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    client_address = fields.CharField(max_length=45, null=True)
    request_id = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "audit_event"
        indexes = (
            ("occurred_at", "id"),
            ("entity_type", "entity_id"),
            ("action", "occurred_at"),
            ("actor_user_id", "occurred_at"),
        )

    async def save(self, *args: Any, **kwargs: Any) -> None:
        # Events are append-only: a saved event is never written again.
        if self._saved_in_db:
            raise AuditEventImmutable("audit events cannot be changed")
        await super().save(*args, **kwargs)

    async def delete(self, *args: Any, **kwargs: Any) -> None:
        raise AuditEventImmutable("audit events cannot be deleted")
