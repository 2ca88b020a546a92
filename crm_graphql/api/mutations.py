"""What every mutation shares: user errors, one transaction, row-level rules, the audit
event, optimistic concurrency and idempotency.

A mutation resolver calls :func:`run_mutation` with a ``work`` coroutine. ``work``
validates (collecting *every* problem in a :class:`Problems`), checks the caller's
right to change the record (:meth:`Problems.require_change`), writes, and records its
audit event; all of it runs in one database transaction. Expected failures raise
:class:`Rejected` (via ``Problems.check()``): the transaction is rolled back and the
payload carries ``userErrors``; nothing is written. Only unexpected faults become
GraphQL errors.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

import strawberry
from strawberry.types.unset import UNSET
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.expressions import F
from tortoise.models import Model
from tortoise.transactions import in_transaction

from crm_graphql.api.context import Context, Info
from crm_graphql.api.errors import CrmError
from crm_graphql.api.filters import strawberry_name
from crm_graphql.api.ids import parse_global_id
from crm_graphql.api.permissions import may_change

T = TypeVar("T")
M = TypeVar("M", bound=Model)

#: How long a repeated ``Idempotency-Key`` returns the first result.
IDEMPOTENCY_WINDOW = timedelta(hours=24)

#: Called after every mutation that committed a change (e.g. to make cached views fresh).
AfterCommit = Callable[[Context], Awaitable[None]]
_AFTER_COMMIT: list[AfterCommit] = []


def after_commit(hook: AfterCommit) -> AfterCommit:
    """Register ``hook`` to run after every committed mutation (a domain's decorator)."""
    _AFTER_COMMIT.append(hook)
    return hook


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
    """Collects every problem of an input before any is reported."""

    def __init__(self, info: Info) -> None:
        self.info = info
        self.errors: list[UserError] = []

    def add(
        self,
        path: Sequence[str | int],
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

    def fail(self, path: Sequence[str | int], message: str, code: UserErrorCode) -> None:
        """Report one problem and stop."""
        self.add(path, message, code)
        self.check()

    def id_of(self, path: Sequence[str | int], global_id: str, type_name: str) -> int | None:
        """The primary key behind a global ID of ``type_name``; a problem otherwise."""
        try:
            found_type, pk = parse_global_id(global_id)
        except CrmError:
            found_type, pk = "", 0
        if found_type != type_name:
            self.add(path, f"Expected the ID of a {type_name}.", UserErrorCode.INVALID_ID)
            return None
        return pk

    async def record_of(
        self, model: type[M], global_id: str, type_name: str, path: Sequence[str] = ("id",)
    ) -> M:
        """The record a mutation acts on, by global ID; stops with INVALID_ID or NOT_FOUND."""
        pk = self.id_of(path, global_id, type_name)
        self.check()
        row = await model.get_or_none(pk=pk)
        if row is None:
            self.fail(path, f"No such {type_name}.", UserErrorCode.NOT_FOUND)
        return row  # type: ignore[return-value]

    def owns(self, user_id: int | None) -> bool:
        """Whether the signed-in caller is ``user_id`` (owner or author of a record)."""
        principal = self.info.context.principal
        caller = principal.user_id if principal is not None else None
        return caller is not None and user_id == caller

    def require_change(
        self, type_name: str, fields: Sequence[str], *, is_owner: bool, path: Sequence[str]
    ) -> None:
        """The row-level rule every mutation passes through: may the caller change
        ``fields`` of this ``type_name`` record?"""
        principal = self.info.context.principal
        if principal is None or not may_change(
            principal.role, type_name, fields, is_owner=is_owner
        ):
            self.fail(path, "Your role may not make this change.", UserErrorCode.FORBIDDEN)


async def update_versioned(
    problems: Problems,
    model: type[Model],
    pk: int,
    expected_version: int,
    changes: dict[str, Any],
) -> None:
    """Write ``changes`` only if the row still has ``expected_version`` (and bump it).

    The version condition is part of the UPDATE itself, so of two concurrent updates
    from the same version exactly one wins; the other gets ``CONFLICT``.
    """
    changes = {**changes, "updated_at": datetime.now(UTC)}
    updated = await model.filter(pk=pk, version=expected_version).update(
        **changes, version=F("version") + 1
    )
    if not updated:
        current = await model.filter(pk=pk).values_list("version", flat=True)
        problems.add(
            ["version"],
            "The record was changed by someone else; read it again.",
            UserErrorCode.CONFLICT,
            current_version=current[0] if current else None,
        )
        problems.check()


@dataclass
class Outcome:
    """What a mutation produced: its rows (for the payload) and its user errors."""

    rows: list[Any]
    errors: list[UserError]

    @property
    def first(self) -> Any:
        """The one row of a single-record mutation; None when it was refused."""
        return self.rows[0] if self.rows else None


async def run_mutation(
    info: Info, name: str, work: Callable[[Problems], Awaitable[Model | list[Model] | None]]
) -> Outcome:
    """Run ``work`` in one transaction; honour the request's ``Idempotency-Key``."""
    context = info.context
    key = _idempotency_key(context, name)
    if key is not None:
        repeated = await _stored_outcome(key)
        if repeated is not None:
            return repeated
        await _forget_expired()
    problems = Problems(info)
    try:
        async with in_transaction():
            result = await work(problems)
            rows = result if isinstance(result, list) else ([result] if result else [])
            if key is not None:
                await _store_outcome(key, rows)
    except Rejected as rejected:
        return Outcome(rows=[], errors=rejected.errors)
    except (IntegrityError, OperationalError):
        if key is not None:
            # The same key committed by a concurrent request a moment ago (a duplicate
            # key, or on MySQL possibly a deadlock between the two inserts).
            repeated = await _stored_outcome(key)
            if repeated is not None:
                return repeated
        raise
    for hook in _AFTER_COMMIT:
        await hook(context)
    return Outcome(rows=rows, errors=[])


# --------------------------------------------------------------------------- idempotency


def _idempotency_key(context: Context, name: str) -> str | None:
    request = context.request
    if request is None:
        return None
    given = request.headers.get("idempotency-key")
    if not given:
        return None
    principal = context.principal
    who = (
        f"u{principal.user_id}"
        if principal and principal.user_id is not None
        else f"k{principal.api_key_id if principal else ''}"
    )
    # Scoped to the caller and the mutation: one client's key cannot replay another's.
    return hashlib.sha256(f"{who}:{name}:{given}".encode()).hexdigest()


async def _stored_outcome(key: str) -> Outcome | None:
    from crm_graphql.db.idempotency import IdempotencyRecord

    since = datetime.now(UTC) - IDEMPOTENCY_WINDOW
    record = await IdempotencyRecord.get_or_none(key=key, created_at__gte=since)
    if record is None:
        return None
    stored = json.loads(record.result) if isinstance(record.result, str) else record.result
    model = _model_named(stored["model"]) if stored.get("model") else None
    rows: list[Any] = []
    if model is not None and stored["ids"]:
        by_pk = {row.pk: row for row in await model.filter(pk__in=stored["ids"])}
        rows = [by_pk[pk] for pk in stored["ids"] if pk in by_pk]
    return Outcome(rows=rows, errors=[])


async def _store_outcome(key: str, rows: list[Any]) -> None:
    from crm_graphql.db.idempotency import IdempotencyRecord

    result = {
        "model": type(rows[0]).__name__ if rows else None,
        "ids": [row.pk for row in rows],
    }
    await IdempotencyRecord.create(key=key, result=result)


async def _forget_expired() -> None:
    # Outside the mutation's transaction: a range delete there would hold gap locks
    # that make concurrent requests with keys deadlock on MySQL.
    from crm_graphql.db.idempotency import IdempotencyRecord

    await IdempotencyRecord.filter(created_at__lt=datetime.now(UTC) - IDEMPOTENCY_WINDOW).delete()


def _model_named(name: str) -> type[Model] | None:
    from tortoise import Tortoise

    for model in Tortoise.apps.get_models_iterable():
        if model.__name__ == name:
            return model
    return None


# --------------------------------------------------------------------------- input helpers


def given(value: Any) -> bool:
    """True when an optional input field was sent (null counts as sent)."""
    return value is not UNSET


def input_field_names(input_type: type) -> list[str]:
    """The GraphQL names of every field of ``input_type`` (what a deletion changes)."""
    return [strawberry_name(field.name) for field in dataclass_fields(input_type)]  # type: ignore[arg-type]


def changed_fields(data: Any) -> list[str]:
    """GraphQL names of the input fields given (what the caller wants to change)."""
    return [
        strawberry_name(field.name)
        for field in dataclass_fields(data)
        if field.name != "version" and given(getattr(data, field.name))
    ]


def caller_id(problems: Problems) -> int | None:
    """The signed-in user making the change (None for an API key)."""
    principal = problems.info.context.principal
    return principal.user_id if principal is not None else None


def plain(value: Any) -> Any:
    """A JSON-friendly value for an audit diff."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value.value if isinstance(value, Enum) else value
