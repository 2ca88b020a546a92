"""A page request, validated: order, size, direction and cursor conditions."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q

from crm_graphql.api.context import Info
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.pagination.cursors import (
    SortKey,
    decode_cursor,
    encode_cursor,
    strictly_after,
)
from crm_graphql.api.pagination.listing import ListSpec
from crm_graphql.api.pagination.types import Connection, CountFn, PageInfo


@dataclass(frozen=True)
class PagePlan:
    """What one page request asks for, validated: order, limit, cursor conditions."""

    keys: tuple[SortKey, ...]
    limit: int
    backwards: bool
    after: tuple[Any, ...] | None
    before: tuple[Any, ...] | None

    @property
    def query_keys(self) -> tuple[SortKey, ...]:
        """Keys in the order rows are read: reversed when paging backwards."""
        return tuple(k.reversed() for k in self.keys) if self.backwards else self.keys

    def cursor_q(self) -> Q:
        """The cursor conditions as a filter (an empty Q when there are none)."""
        parts = []
        if self.after is not None:
            parts.append(strictly_after(self.keys, list(self.after)))
        if self.before is not None:
            reversed_keys = tuple(k.reversed() for k in self.keys)
            parts.append(strictly_after(reversed_keys, list(self.before)))
        return Q(*parts) if parts else Q()

    def cursor_of(self, row: Any) -> str:
        return encode_cursor(self.keys, row)

    def page(self, rows: list[Any], count: CountFn) -> Connection[Any]:
        """Turn ``limit + 1`` rows read in query order into a connection."""
        more = len(rows) > self.limit
        if not more and self.after is None and self.before is None:
            # Every row of the list is on this page: its count is known without a
            # statement (the count reads the same rows as a page without cursors).
            count = _counted(len(rows))
        rows = rows[: self.limit]
        if self.backwards:
            rows.reverse()
        info = PageInfo(
            has_next_page=more if not self.backwards else self.before is not None,
            has_previous_page=more if self.backwards else self.after is not None,
            _ends=(rows[0], rows[-1]) if rows else None,
            _cursor_of=self.cursor_of,
        )
        return Connection(nodes=rows, page_info=info, _cursor_of=self.cursor_of, _count=count)

    @property
    def cache_key(self) -> Hashable:
        return (self.keys, self.limit, self.backwards, self.after, self.before)


def plan_page(
    info: Info,
    spec: ListSpec,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    order_by: Sequence[Any] | None,
) -> PagePlan:
    """Validate the paging arguments of one list field."""
    settings = info.context.settings
    if first is not None and last is not None:
        raise CrmError("Pass either `first` or `last`, not both.", ErrorCode.BAD_USER_INPUT)
    size = last if last is not None else first
    argument = "last" if last is not None else "first"
    if size is None:
        size = settings.default_page_size
    elif size < 0:
        raise CrmError(f"`{argument}` must not be negative.", ErrorCode.BAD_USER_INPUT)
    elif size > settings.max_page_size:
        raise CrmError(
            f"`{argument}` may be at most {settings.max_page_size}, got {size}.",
            ErrorCode.PAGINATION_LIMIT,
            maximum=settings.max_page_size,
        )
    principal = info.context.principal
    keys = spec.sort_keys(order_by, principal.role if principal is not None else None)
    return PagePlan(
        keys=keys,
        limit=size,
        backwards=last is not None,
        after=tuple(decode_cursor(keys, after, "after", spec.model)) if after is not None else None,
        before=(
            tuple(decode_cursor(keys, before, "before", spec.model)) if before is not None else None
        ),
    )


def _counted(total: int) -> CountFn:
    """A count known already."""

    async def count() -> int:
        return total

    return count
