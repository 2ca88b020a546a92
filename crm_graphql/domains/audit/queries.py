"""Root query field of the audit log (ADMIN only)."""

from __future__ import annotations

import strawberry

from crm_graphql.api.auth import allow_roles
from crm_graphql.api.pagination.fields import connection
from crm_graphql.api.roles import Role
from crm_graphql.domains.audit.filters import AUDIT_LIST
from crm_graphql.domains.audit.types import AuditEvent


@strawberry.type
class AuditQueries:
    audit_events = connection(
        AUDIT_LIST,
        node=AuditEvent,
        nullable=True,
        description="The audit log, newest first. ADMIN only. Events cannot be changed or "
        "deleted through the API.",
        extensions=allow_roles(Role.ADMIN),
    )
