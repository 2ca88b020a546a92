"""User errors: every problem of an input, with its path and a code, and the row rule.

A mutation collects *every* problem of its input in a :class:`Problems`, then stops
(:meth:`Problems.check`): the transaction rolls back and the payload carries
``userErrors``; nothing is written. Only unexpected faults become GraphQL errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import NoReturn, TypeVar

import strawberry
from tortoise.models import Model

from crm_graphql.api.context import Info
from crm_graphql.api.entities import entity_named
from crm_graphql.api.errors import CrmError
from crm_graphql.api.ids import parse_global_id
from crm_graphql.api.permissions import may_change

M = TypeVar("M", bound=Model)

Path = Sequence[str | int]


@strawberry.enum(description="Why a mutation refused its input.")
class UserErrorCode(Enum):
    REQUIRED = strawberry.enum_value("REQUIRED", description="A value is missing.")
    INVALID = strawberry.enum_value(
        "INVALID", description="The value is malformed (e-mail, phone, currency, ...)."
    )
    TOO_LONG = strawberry.enum_value("TOO_LONG", description="The text is too long.")
    OUT_OF_RANGE = strawberry.enum_value(
        "OUT_OF_RANGE", description="The number or date is outside what is allowed."
    )
    INVALID_ID = strawberry.enum_value(
        "INVALID_ID", description="Not an ID, or the ID of another type."
    )
    NOT_FOUND = strawberry.enum_value("NOT_FOUND", description="No such record.")
    DUPLICATE = strawberry.enum_value(
        "DUPLICATE", description="Another record already has this unique value."
    )
    CONFLICT = strawberry.enum_value(
        "CONFLICT",
        description="The record changed since it was read: `version` is stale. Read it "
        "again (the error carries the current version) and retry.",
    )
    FORBIDDEN = strawberry.enum_value(
        "FORBIDDEN", description="The caller's role may not make this change."
    )
    INVALID_TRANSITION = strawberry.enum_value(
        "INVALID_TRANSITION", description="The status or stage may not change this way."
    )
    HAS_OPEN_ORDERS = strawberry.enum_value(
        "HAS_OPEN_ORDERS", description="The customer has orders that are not finished."
    )
    TOO_MANY = strawberry.enum_value("TOO_MANY", description="Too many items at once.")
    CLOSED = strawberry.enum_value(
        "CLOSED", description="The record is closed and takes no more changes (a CLOSED ticket)."
    )
    RETENTION_PERIOD = strawberry.enum_value(
        "RETENTION_PERIOD",
        description="The law requires the records to be kept for now (invoices within "
        "CRM_INVOICE_RETENTION_YEARS of their issue date).",
    )
    IN_USE = strawberry.enum_value(
        "IN_USE",
        description="Other records still refer to this one (e.g. a product on orders); "
        "deactivate it instead.",
    )


@strawberry.type(description="A problem with a mutation's input, to show next to the input.")
class UserError:
    field: list[str] = strawberry.field(
        description='Path of the input at fault, e.g. ["input", "items", "2", "quantity"].'
    )
    message: str = strawberry.field(description="What is wrong, for people.")
    code: UserErrorCode = strawberry.field(description="What is wrong, for programs.")
    current_version: int | None = strawberry.field(
        default=None, description="With CONFLICT: the record's current version."
    )


class Rejected(Exception):
    """Expected failure of a mutation: rolls the transaction back, becomes userErrors."""

    def __init__(self, errors: list[UserError]) -> None:
        super().__init__(f"{len(errors)} user error(s)")
        self.errors = errors


class Problems:
    """Collects every problem of an input before any is reported.

    ``info`` is the GraphQL request; None where the same rules run outside one (the
    command line), with no caller.
    """

    def __init__(self, info: Info | None) -> None:
        self.info = info
        self.errors: list[UserError] = []

    def add(
        self,
        path: Path,
        message: str,
        code: UserErrorCode,
        current_version: int | None = None,
    ) -> None:
        self.errors.append(
            UserError(
                field=[str(part) for part in path],
                message=message,
                code=code,
                current_version=current_version,
            )
        )

    def check(self) -> None:
        """Stop here (roll back) when any problem was found."""
        if self.errors:
            raise Rejected(self.errors)

    def fail(self, path: Path, message: str, code: UserErrorCode) -> NoReturn:
        """Report one problem and stop."""
        self.add(path, message, code)
        raise Rejected(self.errors)

    def id_of(self, path: Path, global_id: str, type_name: str) -> int | None:
        """The primary key behind a global ID of ``type_name``; a problem otherwise."""
        try:
            found_type, pk = parse_global_id(global_id)
        except CrmError:
            found_type, pk = "", 0
        if found_type != type_name:
            self.add(path, f"Expected the ID of a {type_name}.", UserErrorCode.INVALID_ID)
            return None
        return pk

    async def existing_id(self, path: Path, global_id: str | None, type_name: str) -> int | None:
        """The primary key of an existing, visible ``type_name`` record (a reference in an
        input); INVALID_ID or NOT_FOUND otherwise. ``None`` stays ``None``."""
        if global_id is None:
            return None
        pk = self.id_of(path, global_id, type_name)
        if pk is None:
            return None
        registered = entity_named(type_name)
        assert registered is not None, type_name
        query = registered.model.filter(registered.visible_q, pk=pk)
        if not await query.exists():
            self.add(path, f"No such {type_name}.", UserErrorCode.NOT_FOUND)
        return pk

    async def record_of(
        self, model: type[M], global_id: str, type_name: str, path: Path = ("id",)
    ) -> M:
        """The record a mutation acts on, by global ID; stops with INVALID_ID or NOT_FOUND."""
        pk = self.id_of(path, global_id, type_name)
        self.check()
        row = await model.get_or_none(pk=pk)
        if row is None:
            self.fail(path, f"No such {type_name}.", UserErrorCode.NOT_FOUND)
        return row

    @property
    def caller_id(self) -> int | None:
        """The signed-in user making the change (None for an API key)."""
        principal = self.info.context.principal if self.info is not None else None
        return principal.user_id if principal is not None else None

    def owns(self, user_id: int | None) -> bool:
        """Whether the signed-in caller is ``user_id`` (owner or author of a record)."""
        caller = self.caller_id
        return caller is not None and user_id == caller

    def require_change(
        self,
        type_name: str,
        fields: Sequence[str],
        *,
        is_owner: bool,
        path: Path,
        is_unowned: bool = False,
    ) -> None:
        """The row-level rule every mutation passes through: may the caller change
        ``fields`` of this ``type_name`` record (``is_unowned``: one nobody owns)?"""
        principal = self.info.context.principal if self.info is not None else None
        if principal is None or not may_change(
            principal.role, type_name, fields, is_owner=is_owner, is_unowned=is_unowned
        ):
            self.fail(path, "Your role may not make this change.", UserErrorCode.FORBIDDEN)
