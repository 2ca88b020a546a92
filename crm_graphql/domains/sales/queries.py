"""Root query fields of the sales domain."""

from __future__ import annotations

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.filters import filter_q
from crm_graphql.api.ids import decode_id
from crm_graphql.api.loaders import load_by_id
from crm_graphql.api.pagination import (
    After,
    Before,
    Connection,
    FilterArg,
    First,
    IdArg,
    Last,
    OrderByArg,
    list_page,
)
from crm_graphql.domains.sales.filters import (
    OPPORTUNITY_LIST,
    OpportunityFilter,
    OpportunityOrderBy,
)
from crm_graphql.domains.sales.models import Opportunity as OpportunityModel
from crm_graphql.domains.sales.types import Opportunity


@strawberry.type
class SalesQueries:
    @strawberry.field(description="One opportunity by global ID; null when there is none.")
    async def opportunity(self, info: Info, id: IdArg) -> Opportunity | None:
        return await load_by_id(info, OpportunityModel, decode_id(id, "Opportunity"))

    @strawberry.field(description="Opportunities of all customers, newest first by default.")
    async def opportunities(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: FilterArg[OpportunityFilter | None] = None,
        order_by: OrderByArg[list[OpportunityOrderBy] | None] = None,
    ) -> Connection[Opportunity]:
        return await list_page(
            info,
            OPPORTUNITY_LIST,
            filter_q(filter, info),
            first=first,
            after=after,
            last=last,
            before=before,
            order_by=order_by,
        )
