"""The rules of staff members, for the GraphQL mutations and the command line alike:
one e-mail rule, names, roles, passwords, and who may deactivate whom."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError

from crm_graphql.api import validation
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.filters import strawberry_name
from crm_graphql.api.mutations.inputs import given
from crm_graphql.api.mutations.problems import Path, Problems, UserErrorCode
from crm_graphql.api.mutations.writes import Change
from crm_graphql.api.roles import Role
from crm_graphql.domains.auth.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    hash_password_async,
)
from crm_graphql.domains.users.models import User

DUPLICATE_EMAIL = "A user with this e-mail already exists."


def normalise_email(email: str) -> str:
    """The form users' e-mails are stored and compared in: trimmed, lower case."""
    return email.strip().lower()


async def staff_email(problems: Problems, path: Path, value: str) -> str | None:
    """A valid e-mail address no other user has, normalised."""
    if not value.strip():
        problems.add(path, "This is required.", UserErrorCode.REQUIRED)
        return None
    checked = validation.email(problems, path, value)
    if checked is None:
        return None
    email = normalise_email(checked)
    if await User.filter(email=email).exists():
        problems.add(path, DUPLICATE_EMAIL, UserErrorCode.DUPLICATE)
    return email


def _password(problems: Problems, path: Path, value: str | None) -> str | None:
    if value is not None and not MIN_PASSWORD_LENGTH <= len(value) <= MAX_PASSWORD_LENGTH:
        problems.add(
            path,
            f"The password must have {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters.",
            UserErrorCode.OUT_OF_RANGE,
        )
    return value


async def new_user(change: Change) -> dict[str, Any]:
    """A new user: e-mail, name, role, and a password hash (None: no password sign-in)."""
    data, problems = change.input, change.problems
    email = await staff_email(problems, change.at("email"), data.email)
    name = validation.text(problems, change.at("name"), data.name, max_length=120, required=True)
    password = _password(problems, change.at("password"), data.password)
    change.audit["password"] = password is not None
    if problems.errors:
        return {}
    return {
        "email": email,
        "name": name,
        "role": data.role,
        "password_hash": await hash_password_async(password) if password else None,
    }


async def user_changes(change: Change) -> dict[str, Any]:
    """Name, role, active flag; an administrator keeps their own access and role."""
    data, problems = change.input, change.problems
    is_self = problems.owns(change.row.pk)
    values: dict[str, Any] = {}
    if given(data.name):
        values["name"] = validation.text(
            problems, change.at("name"), data.name, max_length=120, required=True
        )
    for name in ("role", "is_active"):
        value = getattr(data, name)
        if given(value):
            if value is None:
                problems.add(
                    change.at(strawberry_name(name)), "Must not be null.", UserErrorCode.REQUIRED
                )
            values[name] = value
    if is_self and values.get("is_active") is False:
        problems.add(
            change.at("isActive"), "You cannot deactivate yourself.", UserErrorCode.INVALID
        )
    if is_self and values.get("role") not in (None, Role.ADMIN):
        problems.add(
            change.at("role"), "You cannot give up your own ADMIN role.", UserErrorCode.INVALID
        )
    return values


@dataclass
class NewUser:
    """A new user outside GraphQL (the command line), with the fields of the input."""

    email: str
    name: str
    role: Role
    password: str | None


async def create_user(email: str, name: str, role: Role, password: str | None) -> User:
    """A new user who signs in with ``password`` (``None``: a user who cannot sign in),
    by the same rules as ``createUser``; ``BAD_USER_INPUT`` with every problem otherwise."""
    problems = Problems(None)
    values = await new_user(Change(problems, NewUser(email, name, role, password), path=()))
    if not problems.errors:
        try:
            return await User.create(**values)
        except IntegrityError:
            problems.add(["email"], DUPLICATE_EMAIL, UserErrorCode.DUPLICATE)
    message = "; ".join(f"{'.'.join(e.field)}: {e.message}" for e in problems.errors)
    raise CrmError(message, ErrorCode.BAD_USER_INPUT)
