"""Root query fields of the users domain."""

from __future__ import annotations

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.ids import IdArg
from crm_graphql.api.node import resolve_node
from crm_graphql.api.pagination.fields import connection
from crm_graphql.domains.users.filters import USER_LIST
from crm_graphql.domains.users.types import User


@strawberry.type
class UserQueries:
    @strawberry.field(description="One staff member by global ID; null when there is none.")
    async def user(self, info: Info, id: IdArg) -> User | None:
        return await resolve_node(info, id, "User")

    users = connection(USER_LIST, description="Staff members.")
