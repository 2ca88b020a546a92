"""GraphQL types of staff members."""

from __future__ import annotations

from datetime import datetime

import strawberry

from crm_graphql.api.entities import entity
from crm_graphql.api.node import Node
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.roles import ADMIN_ONLY, Role
from crm_graphql.domains.users.models import User as UserModel


@strawberry.type(description="A staff member: owner of records and author of interactions.")
@entity(UserModel, owner="id")
class User(Node):
    name: str = strawberry.field(description="Full name.")
    email: str | None = guarded_field(ADMIN_ONLY, "Work e-mail address, unique.", attr="email")
    role: Role | None = guarded_field(
        ADMIN_ONLY, "Role, which decides what the user may do.", attr="role"
    )
    is_active: bool = strawberry.field(description="False once the user has been deactivated.")
    created_at: datetime = strawberry.field(description="When the user was created.")
    version: int = strawberry.field(
        description="Incremented by every change; send it back with `updateUser`."
    )
