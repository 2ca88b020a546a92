"""GraphQL types of signing in: sessions, the viewer, API keys."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from graphql import GraphQLObjectType

from crm_graphql.api.context import Info
from crm_graphql.api.entities import entities
from crm_graphql.api.ids import to_global_id
from crm_graphql.api.loaders import load_by_id
from crm_graphql.api.permissions import field_rules, may_write_field
from crm_graphql.api.roles import Role
from crm_graphql.domains.auth.models import ApiKey as ApiKeyModel
from crm_graphql.domains.users.models import User as UserModel
from crm_graphql.domains.users.types import User


@strawberry.type(
    description=(
        "Credentials of a signed-in session, returned by `login` and `refreshToken`. "
        "Send the access token as `Authorization: Bearer <accessToken>`; when it expires, "
        "exchange the refresh token for new ones with `refreshToken` (each refresh token "
        "works once)."
    )
)
class AuthSession:
    access_token: str = strawberry.field(
        description="Short-lived token for the `Authorization: Bearer` header."
    )
    token_type: str = strawberry.field(description="Always `Bearer`.")
    expires_at: datetime = strawberry.field(description="When the access token expires.")
    refresh_token: str = strawberry.field(
        description="Exchange it once with `refreshToken` for new tokens; keep it secret."
    )
    refresh_token_expires_at: datetime = strawberry.field(
        description="When the refresh token expires if it is not used before."
    )
    user: UserModel = strawberry.field(description="The signed-in user.", graphql_type=User)
    email: str = strawberry.field(description="The signed-in user's own e-mail address.")
    role: Role = strawberry.field(description="The signed-in user's own role.")


@strawberry.enum(description="What kind of credential a request was made with.")
class PrincipalKind(Enum):
    USER = strawberry.enum_value("USER", description="A user with an access token.")
    API_KEY = strawberry.enum_value("API_KEY", description="An integration with an API key.")


@strawberry.type(description="What the viewer may do with one field of one type.")
class FieldPermission:
    type: str = strawberry.field(description="The GraphQL type, e.g. `Customer`.")
    field: str = strawberry.field(description="The field, e.g. `email`.")
    can_read: bool = strawberry.field(
        description="False when the field is null for the viewer (FORBIDDEN)."
    )
    can_write: bool = strawberry.field(
        description="True when the viewer may change the field on at least some records "
        "(some roles only on records they own)."
    )


def permissions_of(info: Info, role: Role) -> list[FieldPermission]:
    """Every field of the CRM's record types (the registered entities) with what
    ``role`` may do with it."""
    schema = info.schema
    rules = field_rules(schema)
    answer = []
    for registered in entities():
        if not registered.in_permissions:
            continue
        type_name = registered.name
        gtype = schema._schema.type_map[type_name]
        if not isinstance(gtype, GraphQLObjectType):  # an entity's type is an object type
            continue
        for field_name in gtype.fields:
            readers = rules.get((type_name, field_name))
            answer.append(
                FieldPermission(
                    type=type_name,
                    field=field_name,
                    can_read=readers is None or role in readers,
                    can_write=field_name != "id" and may_write_field(role, type_name, field_name),
                )
            )
    return answer


@strawberry.type(description="Who is asking: the signed-in user or the API key of the request.")
class Viewer:
    id: strawberry.ID = strawberry.field(
        description="Global ID of the user, or of the API key for integrations."
    )
    name: str = strawberry.field(description="The user's name, or the API key's name.")
    role: Role = strawberry.field(description="The role that decides what may be read and done.")
    kind: PrincipalKind = strawberry.field(description="A user or an API key.")
    _user_id: strawberry.Private[int | None]

    @strawberry.field(
        description="The signed-in user; null for API keys.", graphql_type=User | None
    )
    async def user(self, info: Info) -> UserModel | None:
        return await load_by_id(info, UserModel, self._user_id)

    @strawberry.field(
        description="Every field of the CRM's record types and whether the viewer may read "
        "and change it, so that a screen can hide what the viewer may not see."
    )
    def permissions(self, info: Info) -> list[FieldPermission]:
        return permissions_of(info, self.role)


def _api_key_id(root: ApiKeyModel) -> strawberry.ID:
    return strawberry.ID(to_global_id("ApiKey", root.pk))


@strawberry.type(
    description="A credential of an integration. The key itself is shown only on creation."
)
class ApiKey:
    id: strawberry.ID = strawberry.field(
        resolver=_api_key_id, description="Opaque global ID of this API key."
    )
    name: str = strawberry.field(description="What the key is for, e.g. `Shop sync`.")
    prefix: str = strawberry.field(
        description="The key's first characters, to recognise it; not usable on its own."
    )
    role: Role = strawberry.field(description="The role requests with this key act with.")
    created_at: datetime = strawberry.field(description="When the key was created.")
    last_used_at: datetime | None = strawberry.field(
        description="When the key was last used (updated at most once a minute)."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When the key was revoked; null while it works."
    )

    @strawberry.field(
        description="The administrator who created the key.", graphql_type=User | None
    )
    async def created_by(self, root: ApiKeyModel, info: Info) -> UserModel | None:
        return await load_by_id(info, UserModel, root.created_by_id)


@strawberry.type(description="A new API key, with the key itself: store it now, it is not kept.")
class CreatedApiKey:
    key: str = strawberry.field(
        description="The key (`crm_...`). Send it as `Authorization: Bearer <key>` or "
        "`X-API-Key: <key>`. Shown only this once."
    )
    api_key: ApiKeyModel = strawberry.field(description="The key's record.", graphql_type=ApiKey)


@strawberry.type(description="The result of `logout`.")
class LogoutResult:
    ended_sessions: int = strawberry.field(
        description="How many sessions were ended (0 when already ended)."
    )
