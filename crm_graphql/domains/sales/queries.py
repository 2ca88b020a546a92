"""Root query fields of the sales domain."""

from __future__ import annotations

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.ids import IdArg
from crm_graphql.api.node import resolve_node
from crm_graphql.api.pagination.fields import connection
from crm_graphql.domains.sales.filters import OPPORTUNITY_LIST
from crm_graphql.domains.sales.types import Opportunity


@strawberry.type
class SalesQueries:
    @strawberry.field(description="One opportunity by global ID; null when there is none.")
    async def opportunity(self, info: Info, id: IdArg) -> Opportunity | None:
        return await resolve_node(info, id, "Opportunity")

    opportunities = connection(
        OPPORTUNITY_LIST, description="Opportunities of all customers, newest first by default."
    )
