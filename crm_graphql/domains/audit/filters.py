"""Filters and sort order of the audit log."""

from __future__ import annotations

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.filters import (
    DateTimeFilter,
    FilterInput,
    IntFilter,
    StringFilter,
    filter_input,
)
from crm_graphql.api.pagination.cursors import SortKey
from crm_graphql.api.pagination.listing import sortable
from crm_graphql.db.audit import AuditEvent


@filter_input("audit events")
class AuditEventFilter(FilterInput):
    model = AuditEvent

    action: StringFilter | None = strawberry.field(
        default=UNSET, description="Action, e.g. `auth.login_failed`."
    )
    entity_type: StringFilter | None = strawberry.field(
        default=UNSET, description="Type of the record acted on, e.g. `Customer`."
    )
    entity_id: StringFilter | None = strawberry.field(
        default=UNSET, description="Primary key of the record acted on."
    )
    actor_user_id: IntFilter | None = strawberry.field(
        default=UNSET, description="Primary key of the acting user."
    )
    occurred_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When it happened."
    )
    request_id: StringFilter | None = strawberry.field(
        default=UNSET, description="The request's ID (X-Request-ID)."
    )


AUDIT_LIST = sortable(
    "AuditEvent",
    AuditEvent,
    {"OCCURRED_AT": ("occurred_at", "When it happened.")},
    default=(SortKey("occurred_at", True),),
    filter=AuditEventFilter,
)
