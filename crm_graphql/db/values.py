"""One column of the rows a query selects."""

from __future__ import annotations

from typing import Any

from tortoise.queryset import QuerySet


async def column_values(query: QuerySet[Any], column: str) -> list[Any]:
    """``column`` of every row of ``query``: ``values_list(column, flat=True)``, typed as
    what it returns (Tortoise annotates it as tuples whatever ``flat`` is)."""
    return await query.values_list(column, flat=True)
