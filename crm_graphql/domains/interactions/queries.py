"""Root query fields of the interactions domain."""

from __future__ import annotations

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.ids import IdArg
from crm_graphql.api.node import resolve_node
from crm_graphql.api.pagination.fields import connection
from crm_graphql.domains.interactions.filters import INTERACTION_LIST
from crm_graphql.domains.interactions.types import Interaction


@strawberry.type
class InteractionQueries:
    @strawberry.field(description="One interaction by global ID; null when there is none.")
    async def interaction(self, info: Info, id: IdArg) -> Interaction | None:
        return await resolve_node(info, id, "Interaction")

    interactions = connection(
        INTERACTION_LIST, description="Interactions of all customers, newest first by default."
    )
