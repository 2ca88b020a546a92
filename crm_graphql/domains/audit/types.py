"""GraphQL type of audit events."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from crm_graphql.api.ids import to_global_id
from crm_graphql.db.audit import AuditEvent as AuditEventModel


def _id(root: AuditEventModel) -> strawberry.ID:
    return strawberry.ID(to_global_id("AuditEvent", root.pk))


def _user_id(root: AuditEventModel) -> strawberry.ID | None:
    if root.actor_user_id is None:
        return None
    return strawberry.ID(to_global_id("User", root.actor_user_id))


@strawberry.type(description="One entry of the audit log: who did what, when, from where.")
class AuditEvent:
    id: strawberry.ID = strawberry.field(resolver=_id, description="Opaque ID of the event.")
    occurred_at: datetime = strawberry.field(description="When it happened.")
    action: str = strawberry.field(
        description="What happened, e.g. `auth.login`, `auth.login_failed`, `auth.logout`, "
        "`auth.refresh`, `auth.refresh_reuse`, `api_key.create`, `api_key.revoke`, "
        "`api_key.use`."
    )
    actor_user_id: strawberry.ID | None = strawberry.field(
        resolver=_user_id, description="Global ID of the acting user, if a user acted."
    )
    actor_label: str | None = strawberry.field(
        description="Name of the acting user or API key at the time."
    )
    entity_type: str | None = strawberry.field(description="Type of the record acted on.")
    entity_id: str | None = strawberry.field(description="Primary key of the record acted on.")
    changes: JSON = strawberry.field(
        description="The fields changed; personal data shows as `[redacted]`."
    )
    client_address: str | None = strawberry.field(description="The client's IP address.")
    request_id: str | None = strawberry.field(description="The request's X-Request-ID.")
