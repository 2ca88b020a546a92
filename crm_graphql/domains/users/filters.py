"""Filters and sort orders of user lists."""

from __future__ import annotations

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.filters import (
    BooleanFilter,
    EnumFilter,
    FilterInput,
    StringFilter,
    filter_input,
)
from crm_graphql.api.pagination.cursors import SortKey
from crm_graphql.api.pagination.listing import sortable
from crm_graphql.api.roles import ADMIN_ONLY, Role
from crm_graphql.domains.users.models import User


@strawberry.input(description="Conditions on a Role value.")
class RoleFilter(EnumFilter[Role]):
    pass


@filter_input("users")
class UserFilter(FilterInput):
    model = User
    guarded = {"email": ADMIN_ONLY, "role": ADMIN_ONLY}

    name: StringFilter | None = strawberry.field(default=UNSET, description="Full name.")
    email: StringFilter | None = strawberry.field(default=UNSET, description="E-mail address.")
    role: RoleFilter | None = strawberry.field(default=UNSET, description="Role.")
    is_active: BooleanFilter | None = strawberry.field(default=UNSET, description="Active flag.")


USER_LIST = sortable(
    "User",
    User,
    {
        "NAME": ("name", "Full name."),
        "EMAIL": ("email", "E-mail address."),
        "CREATED_AT": ("created_at", "Creation time."),
    },
    default=(SortKey("name", False),),
    filter=UserFilter,
    guarded={"EMAIL": ADMIN_ONLY},
)
