"""Root query fields of the customer-service domain."""

from __future__ import annotations

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.ids import IdArg
from crm_graphql.api.node import resolve_node
from crm_graphql.api.pagination.fields import connection
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.roles import SUPPORT_READERS
from crm_graphql.domains.support.filters import (
    BUSINESS_CALENDAR_LIST,
    SLA_POLICY_LIST,
    TICKET_LIST,
)
from crm_graphql.domains.support.types import Ticket


@strawberry.type
class SupportQueries:
    @guarded_field(
        SUPPORT_READERS,
        "One ticket by global ID; null when there is none or the caller may not read it "
        "(SALES reads the tickets of its own customers).",
    )
    async def ticket(self, info: Info, id: IdArg) -> Ticket | None:
        return await resolve_node(info, id, "Ticket")

    tickets = connection(
        TICKET_LIST,
        readable_by=SUPPORT_READERS,
        description="Support tickets, newest first by default (SALES: the tickets of the "
        "customers it owns).",
    )
    sla_policies = connection(SLA_POLICY_LIST, description="SLA policies, by name.")
    business_calendars = connection(
        BUSINESS_CALENDAR_LIST, description="Business calendars, by name."
    )
