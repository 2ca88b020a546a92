"""Root query fields of the leads domain."""

from __future__ import annotations

from typing import Annotated

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.ids import IdArg
from crm_graphql.api.node import resolve_node
from crm_graphql.api.pagination.fields import connection
from crm_graphql.domains.leads.filters import LEAD_FORM_LIST, LEAD_LIST
from crm_graphql.domains.leads.funnel import LeadFunnel, LeadPeriodInput, lead_funnel
from crm_graphql.domains.leads.types import Lead


@strawberry.type
class LeadQueries:
    @strawberry.field(description="One lead by global ID; null when there is none.")
    async def lead(self, info: Info, id: IdArg) -> Lead | None:
        return await resolve_node(info, id, "Lead")

    leads = connection(LEAD_LIST, description="Leads, newest first by default.")
    lead_forms = connection(LEAD_FORM_LIST, description="Web forms that capture leads, by name.")

    @strawberry.field(
        description="The leads created in a period: counts per status and source, the "
        "conversion rate, the median days to convert."
    )
    async def lead_funnel(
        self,
        info: Info,
        period: Annotated[LeadPeriodInput, strawberry.argument(description="The days.")],
    ) -> LeadFunnel:
        return await lead_funnel(period)
