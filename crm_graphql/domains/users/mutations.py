"""Mutations of staff members (ADMIN only): create and update. Users are never deleted,
because they author interactions and own records: they are deactivated
(``isActive: false``), which ends their access at their next request."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types.unset import UNSET
from tortoise.exceptions import IntegrityError

from crm_graphql.api import validation
from crm_graphql.api.context import Info
from crm_graphql.api.filters import strawberry_name
from crm_graphql.api.mutations import (
    Problems,
    Rejected,
    UserError,
    UserErrorCode,
    changed_fields,
    given,
    plain,
    run_mutation,
    update_versioned,
)
from crm_graphql.api.roles import Role
from crm_graphql.domains.audit import services as audit
from crm_graphql.domains.audit.services import meta_from
from crm_graphql.domains.auth.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    hash_password_async,
)
from crm_graphql.domains.auth.services import normalise_email
from crm_graphql.domains.users.models import User as UserModel
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


async def _email(problems: Problems, value: str) -> str | None:
    """A valid e-mail no other user has; sign-in compares e-mails in lower case."""
    path = ["input", "email"]
    if not value.strip():
        problems.add(path, "This is required.", UserErrorCode.REQUIRED)
        return None
    checked = validation.email(problems, path, value)
    if checked is None:
        return None
    email = normalise_email(checked)
    if await UserModel.filter(email=email).exists():
        problems.add(path, "Another user has this e-mail.", UserErrorCode.DUPLICATE)
    return email


def _password(problems: Problems, value: str | None) -> str | None:
    if value is not None and not MIN_PASSWORD_LENGTH <= len(value) <= MAX_PASSWORD_LENGTH:
        problems.add(
            ["input", "password"],
            f"From {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters.",
            UserErrorCode.OUT_OF_RANGE,
        )
    return value


async def _user(problems: Problems, global_id: str) -> UserModel:
    return await problems.record_of(UserModel, global_id, "User")


IdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID of the user.")]


@strawberry.type
class UserMutations:
    @strawberry.mutation(description="Create a staff member (ADMIN only).")
    async def create_user(
        self,
        info: Info,
        input: Annotated[CreateUserInput, strawberry.argument(description="The user.")],
    ) -> UserPayload:
        async def work(problems: Problems) -> UserModel:
            problems.require_change("User", changed_fields(input), is_owner=False, path=["input"])
            email = await _email(problems, input.email)
            name = validation.text(
                problems, ["input", "name"], input.name, max_length=120, required=True
            )
            password = _password(problems, input.password)
            problems.check()
            password_hash = await hash_password_async(password) if password else None
            try:
                user = await UserModel.create(
                    email=email, name=name, role=input.role, password_hash=password_hash
                )
            except IntegrityError:
                # Created by a concurrent request since the check above.
                duplicate = UserError(
                    field=["input", "email"],
                    message="Another user has this e-mail.",
                    code=UserErrorCode.DUPLICATE,
                )
                raise Rejected([duplicate]) from None
            await audit.record(
                "user.create",
                meta_from(info.context),
                entity_type="User",
                entity_id=user.pk,
                changes={
                    "email": email,
                    "name": name,
                    "role": plain(input.role),
                    "password": password is not None,
                },
            )
            return user

        outcome = await run_mutation(info, "createUser", work)
        return _payload(outcome.rows, outcome.errors)

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
        async def work(problems: Problems) -> UserModel:
            user = await _user(problems, id)
            principal = info.context.principal
            is_self = principal is not None and principal.user_id == user.pk
            problems.require_change("User", changed_fields(input), is_owner=is_self, path=["input"])
            values: dict[str, Any] = {}
            if given(input.name):
                values["name"] = validation.text(
                    problems, ["input", "name"], input.name, max_length=120, required=True
                )
            for name in ("role", "is_active"):
                value = getattr(input, name)
                if given(value):
                    if value is None:
                        problems.add(
                            ["input", strawberry_name(name)],
                            "Must not be null.",
                            UserErrorCode.REQUIRED,
                        )
                    values[name] = value
            if is_self and values.get("is_active") is False:
                problems.add(
                    ["input", "isActive"], "You cannot deactivate yourself.", UserErrorCode.INVALID
                )
            if is_self and values.get("role") not in (None, Role.ADMIN):
                problems.add(
                    ["input", "role"],
                    "You cannot give up your own ADMIN role.",
                    UserErrorCode.INVALID,
                )
            problems.check()
            await update_versioned(problems, UserModel, user.pk, input.version, values)
            await audit.record(
                "user.update",
                meta_from(info.context),
                entity_type="User",
                entity_id=user.pk,
                changes={k: plain(v) for k, v in values.items()},
            )
            return await UserModel.get(pk=user.pk)

        outcome = await run_mutation(info, "updateUser", work)
        return _payload(outcome.rows, outcome.errors)


def _payload(rows: list[Any], errors: list[UserError]) -> UserPayload:
    return UserPayload(user=rows[0] if rows else None, user_errors=errors)
