"""The one conversion of values to JSON-friendly data.

Audit diffs, the cache keys of views, log lines and event payloads all need plain data
from Decimals, dates, enum members and GraphQL inputs; this is the one place that
decides how each becomes JSON: Decimal as its exact text, dates and times as ISO 8601,
enum members as their value, inputs (dataclasses) as the dict of the fields given.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from strawberry.types.unset import UNSET


def plain(value: Any) -> Any:
    """``value`` as JSON-friendly data (see the module doc); other values unchanged."""
    if value is None or value is UNSET:
        return None
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: plain(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if getattr(value, field.name) is not UNSET
        }
    return value
