"""Cursors: the sort-key values of one row, and the rows that come after them."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from tortoise.expressions import Q

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


def decode_cursor(keys: tuple[SortKey, ...], cursor: str, argument: str) -> list[Any]:
    """The key values inside ``cursor``; it must come from a list with the same order."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        signature, values = json.loads(base64.urlsafe_b64decode(padded))
        if signature != _signature(keys) or len(values) != len(keys):
            raise ValueError("cursor of another ordering")
        return [_decode_value(value) for value in values]
    except (binascii.Error, ValueError, TypeError, InvalidOperation, UnicodeDecodeError):
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
