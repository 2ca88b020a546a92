"""The answer every contender must give: the data of the API's headline query.

The API's document is ``benchmarks.headline_latency.HEADLINE``; the other contenders
answer the same question with the same field names and values, which
:func:`first_difference` checks. (This module imports nothing of the API: the floor
server uses it.)
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

__all__ = ["BASE_CURRENCY", "first_difference", "global_id", "iso_datetime", "money"]

#: The API's default CRM_BASE_CURRENCY: lifetimeValue sums orders in this currency.
BASE_CURRENCY = "USD"
#: Order statuses whose totals make up the lifetime value.
REVENUE_STATUSES = ("PAID", "SHIPPED")
#: Page sizes of the nested lists in the headline query.
INTERACTIONS, ORDERS, OPPORTUNITIES = 10, 10, 5

_CENT = Decimal("0.01")


def global_id(type_name: str, pk: int) -> str:
    """The API's opaque ID: base64url of ``Type:pk`` without padding."""
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def money(value: Any) -> str:
    """A DECIMAL(14,2) column or sum as the API prints it (SQLite hands back floats)."""
    if value is None:
        value = 0
    if isinstance(value, float):
        value = repr(value)
    return str(Decimal(value).quantize(_CENT))


def iso_datetime(value: Any) -> str:
    """A stored UTC time as the API prints it (ISO 8601 with ``+00:00``).

    MySQL hands back naive datetimes (stored in UTC), SQLite the text Tortoise wrote.
    """
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def first_difference(expected: Any, actual: Any, path: str = "data") -> str | None:
    """Where two JSON values first differ (keys in order, types, values), or ``None``
    when they are the same."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        if list(expected) != list(actual):
            return f"{path}: keys {list(expected)} != {list(actual)}"
        for key in expected:
            found = first_difference(expected[key], actual[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"{path}: {len(expected)} entries != {len(actual)}"
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            found = first_difference(left, right, f"{path}[{index}]")
            if found:
                return found
        return None
    if type(expected) is not type(actual) or expected != actual:
        return f"{path}: {expected!r} != {actual!r}"
    return None
