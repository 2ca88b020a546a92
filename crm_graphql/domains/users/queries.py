"""Root query fields of the users domain."""

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
from crm_graphql.domains.users.filters import USER_LIST, UserFilter, UserOrderBy
from crm_graphql.domains.users.models import User as UserModel
from crm_graphql.domains.users.types import User


@strawberry.type
class UserQueries:
    @strawberry.field(description="One staff member by global ID; null when there is none.")
    async def user(self, info: Info, id: IdArg) -> User | None:
        return await load_by_id(info, UserModel, decode_id(id, "User"))

    @strawberry.field(description="Staff members.")
    async def users(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: FilterArg[UserFilter | None] = None,
        order_by: OrderByArg[list[UserOrderBy] | None] = None,
    ) -> Connection[User]:
        return await list_page(
            info,
            USER_LIST,
            filter_q(filter, info),
            first=first,
            after=after,
            last=last,
            before=before,
            order_by=order_by,
        )
