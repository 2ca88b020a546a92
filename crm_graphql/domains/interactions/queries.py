"""Root query fields of the interactions domain."""

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
from crm_graphql.domains.interactions.filters import (
    INTERACTION_LIST,
    InteractionFilter,
    InteractionOrderBy,
)
from crm_graphql.domains.interactions.models import Interaction as InteractionModel
from crm_graphql.domains.interactions.types import Interaction


@strawberry.type
class InteractionQueries:
    @strawberry.field(description="One interaction by global ID; null when there is none.")
    async def interaction(self, info: Info, id: IdArg) -> Interaction | None:
        return await load_by_id(info, InteractionModel, decode_id(id, "Interaction"))

    @strawberry.field(description="Interactions of all customers, newest first by default.")
    async def interactions(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: FilterArg[InteractionFilter | None] = None,
        order_by: OrderByArg[list[InteractionOrderBy] | None] = None,
    ) -> Connection[Interaction]:
        return await list_page(
            info,
            INTERACTION_LIST,
            filter_q(filter, info),
            first=first,
            after=after,
            last=last,
            before=before,
            order_by=order_by,
        )
