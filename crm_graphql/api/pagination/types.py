"""The GraphQL types of every list: ``Connection``, ``Edge`` and ``PageInfo``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry

NodeT = TypeVar("NodeT")

#: Counts the rows of the whole list (asked only when ``totalCount`` is selected).
CountFn = Callable[[], Awaitable[int]]
#: The cursor of a row of the page.
CursorFn = Callable[[Any], str]


@strawberry.type(description="Where a page sits in its list, and the cursors at its ends.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="True when rows follow this page (in the direction of `first`)."
    )
    has_previous_page: bool = strawberry.field(
        description="True when rows precede this page (in the direction of `last`)."
    )
    #: The first and last rows of the page (None: an empty page).
    _ends: strawberry.Private[tuple[Any, Any] | None]
    _cursor_of: strawberry.Private[CursorFn]

    # Cursors are encoded only when selected: most pages are read without them.
    @strawberry.field(description="Cursor of the first row of the page; null on an empty page.")
    def start_cursor(self) -> str | None:
        return self._cursor_of(self._ends[0]) if self._ends is not None else None

    @strawberry.field(description="Cursor of the last row of the page; null on an empty page.")
    def end_cursor(self) -> str | None:
        return self._cursor_of(self._ends[1]) if self._ends is not None else None


@strawberry.type(description="A row of a list together with its cursor.")
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(description="Pass as `after` or `before` to page from here.")
    node: NodeT = strawberry.field(description="The row.")


@strawberry.type(
    description=(
        "One page of a list. Page forwards with `first`/`after` or backwards with "
        "`last`/`before`; cursors stay valid while rows are added or removed."
    )
)
class Connection(Generic[NodeT]):
    nodes: list[NodeT] = strawberry.field(description="The rows of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more rows exist.")
    _cursor_of: strawberry.Private[CursorFn]
    _count: strawberry.Private[CountFn]

    @strawberry.field(description="The rows of this page with their cursors.")
    def edges(self) -> list[Edge[NodeT]]:
        encode = self._cursor_of
        return [Edge(cursor=encode(node), node=node) for node in self.nodes]

    @strawberry.field(
        description="Number of rows in the whole list (all pages), with the filter applied. "
        "Counted only when asked for."
    )
    async def total_count(self) -> int:
        return await self._count()
