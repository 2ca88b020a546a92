"""Small helpers for the hand-written SQL of the event machinery (MySQL/MariaDB and SQLite).

The claiming statements (``FOR UPDATE SKIP LOCKED``, multi-row inserts that ignore
duplicates) are written by hand: they are the point of this package, and the ORM does
not express them on both backends.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient

#: SQLite keeps datetimes as text; this is the layout Tortoise writes, with the
#: microseconds always present so that text order is time order.
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f+00:00"


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def is_mysql(connection: BaseDBAsyncClient) -> bool:
    """True on MySQL/MariaDB (row locks, ``SKIP LOCKED``), false on SQLite."""
    return connection.capabilities.dialect == "mysql"


def sql(connection: BaseDBAsyncClient, statement: str) -> str:
    """``statement`` written with ``%s`` placeholders, in the connection's style."""
    return statement if is_mysql(connection) else statement.replace("%s", "?")


def db_time(connection: BaseDBAsyncClient, value: datetime) -> Any:
    """A datetime as a statement parameter: naive UTC on MySQL, sortable text on SQLite."""
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if is_mysql(connection):
        return value.replace(tzinfo=None)
    return value.strftime(_SQLITE_TIME)


def from_db_time(value: Any) -> datetime | None:
    """A datetime read by hand-written SQL, aware in UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def placeholders(count: int, width: int = 1) -> str:
    """``(%s, %s), (%s, %s)`` for ``count`` rows of ``width`` values (or ``%s, %s``)."""
    if width == 1:
        return ", ".join(["%s"] * count)
    row = "(" + ", ".join(["%s"] * width) + ")"
    return ", ".join([row] * count)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dump_json(data: Any) -> str:
    """Event data as compact JSON; money, dates, enums and IDs become strings."""
    return json.dumps(data if data is not None else {}, default=_jsonable, separators=(",", ":"))


def load_json(value: Any) -> Any:
    """JSON read back by hand-written SQL (text on both backends)."""
    if value is None:
        return {}
    if isinstance(value, bytes | bytearray):
        value = value.decode()
    return json.loads(value) if isinstance(value, str) else value


def flatten(rows: Sequence[Sequence[Any]]) -> list[Any]:
    """The values of several rows, one after the other (for multi-row statements)."""
    return [value for row in rows for value in row]
