"""Mutations of staff members (ADMIN only): create and update. Users are never deleted,
because they author interactions and own records: they are deactivated
(``isActive: false``), which ends their access at their next request."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.context import Info
from crm_graphql.api.mutations.problems import UserError
from crm_graphql.api.mutations.writes import Writes
from crm_graphql.api.roles import Role
from crm_graphql.domains.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from crm_graphql.domains.users import services
from crm_graphql.domains.users.types import User


@strawberry.input(description="A new staff member.")
class CreateUserInput:
    email: str = strawberry.field(description="Work e-mail address, unique (case-insensitive).")
    name: str = strawberry.field(description="Full name (1-120 characters).")
    role: Role = strawberry.field(description="Role, which decides what the user may do.")
    password: str | None = strawberry.field(
        default=None,
        description=f"Password ({MIN_PASSWORD_LENGTH}-{MAX_PASSWORD_LENGTH} characters); "
        "without one the user cannot sign in with a password.",
    )


@strawberry.input(description="Changes to a staff member: only the fields given change.")
class UpdateUserInput:
    version: int = strawberry.field(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    )
    name: str | None = strawberry.field(default=UNSET, description="Full name.")
    role: Role | None = strawberry.field(default=UNSET, description="Role.")
    is_active: bool | None = strawberry.field(
        default=UNSET, description="False deactivates the user: no more sign-ins or requests."
    )


@strawberry.type(description="The result of a user mutation.")
class UserPayload:
    user: User | None = strawberry.field(
        description="The user as saved; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


USER = Writes(User, UserPayload, field="user", unique={"email": services.DUPLICATE_EMAIL})

IdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID of the user.")]


@strawberry.type
class UserMutations:
    @strawberry.mutation(description="Create a staff member (ADMIN only).")
    async def create_user(
        self,
        info: Info,
        input: Annotated[CreateUserInput, strawberry.argument(description="The user.")],
    ) -> UserPayload:
        return await USER.create(info, input, services.new_user)

    @strawberry.mutation(
        description="Change a staff member (ADMIN only); `isActive: false` deactivates. "
        "Administrators cannot deactivate themselves or give up their own ADMIN role, so "
        "that the CRM always keeps one."
    )
    async def update_user(
        self,
        info: Info,
        id: IdArg,
        input: Annotated[UpdateUserInput, strawberry.argument(description="The changes.")],
    ) -> UserPayload:
        return await USER.update(info, id, input, services.user_changes)
