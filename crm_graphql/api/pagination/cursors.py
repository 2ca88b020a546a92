"""Cursors: the sort-key values of one row, and the rows that come after them."""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from tortoise.expressions import Q
from tortoise.fields import Field
from tortoise.models import Model

from crm_graphql.api.conditions import lookup_q
from crm_graphql.api.errors import CrmError, ErrorCode


@dataclass(frozen=True)
class SortKey:
    """One ORDER BY column (an ORM field name) and its direction."""

    column: str
    descending: bool

    def reversed(self) -> SortKey:
        return SortKey(self.column, not self.descending)

    @property
    def ordering(self) -> str:
        """The key as a Tortoise ``order_by`` argument."""
        return f"-{self.column}" if self.descending else self.column


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if isinstance(value, Enum):
        return value.value
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        ((tag, raw),) = value.items()
        if not isinstance(raw, str):
            raise ValueError("tagged cursor value is not a string")
        if tag == "t":
            parsed = datetime.fromisoformat(raw)
            if parsed.tzinfo is None:
                raise ValueError("naive datetime in cursor")
            return parsed
        if tag == "d":
            return date.fromisoformat(raw)
        if tag == "n":
            return Decimal(raw)
        raise ValueError(tag)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValueError("unexpected cursor value")


def _signature(keys: tuple[SortKey, ...]) -> str:
    return ",".join(key.ordering for key in keys)


def encode_cursor(keys: tuple[SortKey, ...], row: Any) -> str:
    """The cursor of ``row`` in a list ordered by ``keys``."""
    payload = [_signature(keys), [_encode_value(getattr(row, key.column)) for key in keys]]
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


#: The range of the integer columns (signed 64 bits on every backend).
_INTEGER_RANGE = range(-(2**63), 2**63)
#: Larger than any DECIMAL column of the schema holds.
_DECIMAL_BOUND = Decimal(10) ** 30


def _fits(value: Any, field: Field | None) -> bool:
    """Whether a decoded cursor value is one the sort key's column can hold: a forged
    cursor must not reach the database with a value of another type."""
    if value is None:
        return field is None or bool(field.null)
    if field is None:  # not a column of the model: plain values only
        return isinstance(value, str | int | float | bool)
    expected = field.field_type
    if isinstance(expected, type) and issubclass(expected, Enum):
        values = [member.value for member in expected]
        return any(value == known and type(value) is type(known) for known in values)
    if expected is bool:
        return type(value) is bool
    if expected is int:
        return type(value) is int and value in _INTEGER_RANGE
    if expected is float:
        return type(value) in (int, float) and math.isfinite(value)
    if expected is Decimal:
        return isinstance(value, Decimal) and value.is_finite() and abs(value) < _DECIMAL_BOUND
    if expected is datetime:
        return isinstance(value, datetime)
    if expected is date:
        return type(value) is date
    if expected is str:
        return isinstance(value, str)
    return isinstance(value, str | int | float | bool)


def decode_cursor(
    keys: tuple[SortKey, ...], cursor: str, argument: str, model: type[Model] | None = None
) -> list[Any]:
    """The key values inside ``cursor``; it must come from a list with the same order
    (of ``model``, whose columns' types the values must have)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        signature, values = json.loads(base64.urlsafe_b64decode(padded))
        if signature != _signature(keys) or not isinstance(values, list):
            raise ValueError("cursor of another ordering")
        if len(values) != len(keys):
            raise ValueError("cursor of another ordering")
        decoded = [_decode_value(value) for value in values]
        columns = model._meta.fields_map if model is not None else {}
        for key, value in zip(keys, decoded, strict=True):
            if not _fits(value, columns.get(key.column)):
                raise ValueError(f"cursor value of another type for {key.column}")
        return decoded
    except (
        binascii.Error,
        ValueError,
        TypeError,
        InvalidOperation,
        UnicodeDecodeError,
        RecursionError,
    ):
        raise CrmError(
            f"Argument {argument!r} is not a cursor of this list with this orderBy.",
            ErrorCode.INVALID_CURSOR,
            argument=argument,
        ) from None


def strictly_after(keys: tuple[SortKey, ...], values: list[Any]) -> Q:
    """Rows that come strictly after ``values`` in the order of ``keys``.

    NULL sorts first ascending and last descending, on MySQL, MariaDB and SQLite alike.
    """
    branches: list[Q] = []
    for index, key in enumerate(keys):
        value = values[index]
        if key.descending:
            if value is None:
                continue  # nothing sorts after NULL in descending order
            after = lookup_q(f"{key.column}__lt", value) | lookup_q(f"{key.column}__isnull", True)
        elif value is None:
            after = lookup_q(f"{key.column}__isnull", False)
        else:
            after = lookup_q(f"{key.column}__gt", value)
        equal_before = [
            lookup_q(f"{k.column}__isnull", True) if v is None else lookup_q(k.column, v)
            for k, v in zip(keys[:index], values[:index], strict=True)
        ]
        branches.append(Q(*equal_before, after) if equal_before else after)
    if not branches:
        return Q(pk__in=[])
    return Q(*branches, join_type="OR")
