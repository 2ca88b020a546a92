"""Root query field of the audit log (ADMIN only)."""

from __future__ import annotations

import strawberry

from crm_graphql.api.auth import allow_roles
from crm_graphql.api.context import Info
from crm_graphql.api.filters import filter_q
from crm_graphql.api.pagination import (
    After,
    Before,
    Connection,
    FilterArg,
    First,
    Last,
    OrderByArg,
    list_page,
)
from crm_graphql.domains.audit.filters import AUDIT_LIST, AuditEventFilter, AuditEventOrderBy
from crm_graphql.domains.audit.types import AuditEvent
from crm_graphql.domains.users.enums import Role


@strawberry.type
class AuditQueries:
    @strawberry.field(
        description="The audit log, newest first. ADMIN only. Events cannot be changed or "
        "deleted through the API.",
        extensions=allow_roles(Role.ADMIN),
    )
    async def audit_events(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: FilterArg[AuditEventFilter | None] = None,
        order_by: OrderByArg[list[AuditEventOrderBy] | None] = None,
    ) -> Connection[AuditEvent] | None:
        return await list_page(
            info,
            AUDIT_LIST,
            filter_q(filter, info),
            first=first,
            after=after,
            last=last,
            before=before,
            order_by=order_by,
        )
