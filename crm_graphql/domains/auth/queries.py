"""Root query fields of the auth domain."""

from __future__ import annotations

from typing import Annotated

import strawberry
from tortoise.expressions import Q

from crm_graphql.api.auth import allow_roles, authentication_error
from crm_graphql.api.context import Info
from crm_graphql.api.ids import to_global_id
from crm_graphql.api.pagination import (
    After,
    Before,
    Connection,
    First,
    Last,
    OrderByArg,
    list_page,
)
from crm_graphql.domains.auth.filters import API_KEY_LIST, ApiKeyOrderBy
from crm_graphql.domains.auth.types import ApiKey, PrincipalKind, Viewer
from crm_graphql.domains.users.models import Role

IncludeRevoked = Annotated[
    bool, strawberry.argument(description="Also list revoked keys (default: only working ones).")
]


@strawberry.type
class AuthQueries:
    @strawberry.field(description="Who is asking: the signed-in user or the request's API key.")
    def me(self, info: Info) -> Viewer:
        principal = info.context.principal
        if principal is None:  # the Authentication extension lets no such request through
            raise authentication_error()
        if principal.api_key_id is not None:
            return Viewer(
                id=strawberry.ID(to_global_id("ApiKey", principal.api_key_id)),
                name=principal.name,
                role=principal.role,
                kind=PrincipalKind.API_KEY,
                _user_id=None,
            )
        assert principal.user_id is not None
        return Viewer(
            id=strawberry.ID(to_global_id("User", principal.user_id)),
            name=principal.name,
            role=principal.role,
            kind=PrincipalKind.USER,
            _user_id=principal.user_id,
        )

    @strawberry.field(
        description="API keys of integrations, without the keys themselves. ADMIN only.",
        extensions=allow_roles(Role.ADMIN),
    )
    async def api_keys(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        order_by: OrderByArg[list[ApiKeyOrderBy] | None] = None,
        include_revoked: IncludeRevoked = False,
    ) -> Connection[ApiKey] | None:
        where = Q() if include_revoked else Q(revoked_at__isnull=True)
        return await list_page(
            info,
            API_KEY_LIST,
            where,
            first=first,
            after=after,
            last=last,
            before=before,
            order_by=order_by,
        )
