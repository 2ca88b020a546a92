"""Root query fields of the auth domain."""

from __future__ import annotations

from typing import Annotated

import strawberry
from tortoise.expressions import Q

from crm_graphql.api.auth import allow_roles, authentication_error
from crm_graphql.api.context import Info
from crm_graphql.api.ids import to_global_id
from crm_graphql.api.pagination.fields import connection
from crm_graphql.api.roles import Role
from crm_graphql.domains.auth.filters import API_KEY_LIST
from crm_graphql.domains.auth.types import ApiKey, PrincipalKind, Viewer

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

    @connection(
        API_KEY_LIST,
        node=ApiKey,
        nullable=True,
        description="API keys of integrations, without the keys themselves. ADMIN only.",
        extensions=allow_roles(Role.ADMIN),
    )
    def api_keys(self, include_revoked: IncludeRevoked = False) -> Q:
        return Q() if include_revoked else Q(revoked_at__isnull=True)
