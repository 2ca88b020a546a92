"""Connections with keyset cursors: the one pagination mechanism of every list.

A list is ordered by the sort keys the client asks for, followed by the primary key
as the tie-breaker, so every row has a unique position. A cursor records the values
of those keys for one row; the next page is "rows strictly after these values",
which stays correct while rows are inserted or deleted elsewhere in the list.

Nested lists (a customer's interactions, ...) are paged per parent in one statement
for all parents, with ``ROW_NUMBER() OVER (PARTITION BY parent ORDER BY keys)``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from pypika_tortoise.analytics import RowNumber
from pypika_tortoise.enums import Order as SqlOrder
from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.models import Model

from crm_graphql.api.context import Info
from crm_graphql.api.enums import SortDirection, graphql_enum
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.filters import filter_q
from crm_graphql.api.loaders import Reference, attach_references, selected_fields
from crm_graphql.domains.users.enums import Role

NodeT = TypeVar("NodeT")


# --------------------------------------------------------------------------- GraphQL types


@strawberry.type(description="Where a page sits in its list, and the cursors at its ends.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="True when rows follow this page (in the direction of `first`)."
    )
    has_previous_page: bool = strawberry.field(
        description="True when rows precede this page (in the direction of `last`)."
    )
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first row of the page; null on an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last row of the page; null on an empty page."
    )


@strawberry.type(description="A row of a list together with its cursor.")
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(description="Pass as `after` or `before` to page from here.")
    node: NodeT = strawberry.field(description="The row.")


CountFn = Callable[[], Awaitable[int]]
#: Attaches one child list to every row of a page (one batch for all of them).
AttachChildren = Callable[[Info, list[Any]], Awaitable[None]]


@strawberry.type(
    description=(
        "One page of a list. Page forwards with `first`/`after` or backwards with "
        "`last`/`before`; cursors stay valid while rows are added or removed."
    )
)
class Connection(Generic[NodeT]):
    nodes: list[NodeT] = strawberry.field(description="The rows of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more rows exist.")
    _plan: strawberry.Private[PagePlan]
    _count: strawberry.Private[CountFn]

    @strawberry.field(description="The rows of this page with their cursors.")
    def edges(self) -> list[Edge[NodeT]]:
        encode = self._plan.cursor_of
        return [Edge(cursor=encode(node), node=node) for node in self.nodes]

    @strawberry.field(
        description="Number of rows in the whole list (all pages), with the filter applied. "
        "Counted only when asked for."
    )
    async def total_count(self) -> int:
        return await self._count()


# --------------------------------------------------------------------------- ordering


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


@dataclass(frozen=True)
class ListSpec:
    """How one kind of row is listed: its model, sortable columns, default order, and
    the reference fields whose rows a page attaches when they are selected."""

    model: type[Model]
    #: GraphQL order-field enum value name -> ORM column.
    order_columns: dict[str, str]
    default_order: tuple[SortKey, ...]
    #: GraphQL field name -> the foreign key it follows.
    references: Mapping[str, Reference] = field(default_factory=dict)
    #: Order fields over guarded data -> the roles that may sort by them.
    guarded_order: Mapping[str, frozenset[Role]] = field(default_factory=dict)
    #: GraphQL field name of a child list -> what attaches it to a page's rows in one
    #: batch (e.g. an order's items), so that it resolves without an await per row.
    children: Mapping[str, AttachChildren] = field(default_factory=dict)

    def wanted_references(self, info: Info) -> frozenset[str]:
        """The reference and child-list fields the client selected on the nodes."""
        if not self.references and not self.children:
            return frozenset()
        known = self.references.keys() | self.children.keys()
        return frozenset(known & selected_fields(info, "nodes"))

    async def attach(self, info: Info, rows: list[Model], wanted: frozenset[str]) -> None:
        """Attach the selected references and child lists to a page's rows."""
        references = wanted & self.references.keys()
        if references:
            await attach_references(info, rows, self.references, references)
        for name in wanted & self.children.keys():
            await self.children[name](info, rows)

    def sort_keys(
        self, order_by: Sequence[Any] | None, role: Role | None = None
    ) -> tuple[SortKey, ...]:
        """The ORDER BY of a request: the client's fields, then the primary key.

        Sorting by a guarded field needs a role that may read it: the order (and the
        cursors) would reveal the values.
        """
        for entry in order_by or ():
            allowed = self.guarded_order.get(entry.field.name)
            if allowed is not None and role not in allowed:
                raise CrmError(
                    f"Your role may not sort by {entry.field.name}.",
                    ErrorCode.FORBIDDEN,
                    argument="orderBy",
                )
        if order_by:
            keys = [
                SortKey(
                    self.order_columns[entry.field.name],
                    entry.direction == SortDirection.DESC,
                )
                for entry in order_by
            ]
        else:
            keys = list(self.default_order)
        columns = [key.column for key in keys]
        if len(set(columns)) != len(columns):
            raise CrmError("orderBy names the same field twice.", ErrorCode.BAD_USER_INPUT)
        if "id" not in columns:
            keys.append(SortKey("id", keys[-1].descending if keys else False))
        return tuple(keys)


# --------------------------------------------------------------------------- cursors


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


def _strictly_after(keys: tuple[SortKey, ...], values: list[Any]) -> Q:
    """Rows that come strictly after ``values`` in the order of ``keys``.

    NULL sorts first ascending and last descending, on MySQL, MariaDB and SQLite alike.
    """
    branches: list[Q] = []
    for index, key in enumerate(keys):
        value = values[index]
        if key.descending:
            if value is None:
                continue  # nothing sorts after NULL in descending order
            after = Q(**{f"{key.column}__lt": value}) | Q(**{f"{key.column}__isnull": True})
        elif value is None:
            after = Q(**{f"{key.column}__isnull": False})
        else:
            after = Q(**{f"{key.column}__gt": value})
        equal_before = [
            Q(**{f"{k.column}__isnull": True}) if v is None else Q(**{k.column: v})
            for k, v in zip(keys[:index], values[:index], strict=True)
        ]
        branches.append(Q(*equal_before, after) if equal_before else after)
    if not branches:
        return Q(pk__in=[])
    return Q(*branches, join_type="OR")


# --------------------------------------------------------------------------- page plans


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
            parts.append(_strictly_after(self.keys, list(self.after)))
        if self.before is not None:
            reversed_keys = tuple(k.reversed() for k in self.keys)
            parts.append(_strictly_after(reversed_keys, list(self.before)))
        return Q(*parts) if parts else Q()

    def cursor_of(self, row: Any) -> str:
        return encode_cursor(self.keys, row)

    def page(self, rows: list[Any], count: CountFn) -> Connection[Any]:
        """Turn ``limit + 1`` rows read in query order into a connection."""
        more = len(rows) > self.limit
        rows = rows[: self.limit]
        if self.backwards:
            rows.reverse()
        info = PageInfo(
            has_next_page=more if not self.backwards else self.before is not None,
            has_previous_page=more if self.backwards else self.after is not None,
            start_cursor=self.cursor_of(rows[0]) if rows else None,
            end_cursor=self.cursor_of(rows[-1]) if rows else None,
        )
        return Connection(nodes=rows, page_info=info, _plan=self, _count=count)

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
        after=tuple(decode_cursor(keys, after, "after")) if after is not None else None,
        before=tuple(decode_cursor(keys, before, "before")) if before is not None else None,
    )


# --------------------------------------------------------------------------- fetching


async def paginate(info: Info, plan: PagePlan, spec: ListSpec, where: Q) -> Connection[Any]:
    """One page of a root list: rows matching ``where``, in the plan's order."""
    query = (
        spec.model.filter(where)
        .filter(plan.cursor_q())
        .order_by(*(key.ordering for key in plan.query_keys))
        .limit(plan.limit + 1)
    )
    rows = await query
    wanted = spec.wanted_references(info)
    if wanted:
        await spec.attach(info, rows, wanted)

    async def count() -> int:
        return await spec.model.filter(where).count()

    return plan.page(list(rows), count)


async def paginate_children(
    info: Info,
    plan: PagePlan,
    spec: ListSpec,
    parent_column: str,
    parent_id: int,
    where: Q,
    where_key: Hashable,
) -> Connection[Any]:
    """One page of a nested list (e.g. a customer's orders), batched over all parents.

    Every parent in the response that asks for the same page shares one statement:
    ``ROW_NUMBER() OVER (PARTITION BY parent_column ...)`` cuts each parent's page.
    ``where_key`` identifies ``where`` (filters are not hashable themselves).
    """
    context = info.context
    wanted = spec.wanted_references(info)
    key = ("page", spec.model.__name__, parent_column, plan.cache_key, where_key, wanted)

    async def load_pages(parent_ids: list[int]) -> list[list[Model]]:
        rows = await _fetch_windowed(
            spec.model,
            where & plan.cursor_q(),
            parent_column,
            parent_ids,
            plan.query_keys,
            plan.limit + 1,
        )
        if wanted:
            await spec.attach(info, rows, wanted)
        grouped: dict[int, list[Model]] = defaultdict(list)
        for row in rows:
            grouped[getattr(row, parent_column)].append(row)
        return [grouped.get(parent, []) for parent in parent_ids]

    count_key = ("count", spec.model.__name__, parent_column, where_key)

    async def load_counts(parent_ids: list[int]) -> list[int]:
        counted = (
            await spec.model.filter(where, **{f"{parent_column}__in": parent_ids})
            .annotate(row_count=Count("id"))
            .group_by(parent_column)
            .values_list(parent_column, "row_count")
        )
        totals = dict(counted)
        return [totals.get(parent, 0) for parent in parent_ids]

    rows = await context.loader(key, load_pages).load(parent_id)

    async def count() -> int:
        return await context.loader(count_key, load_counts).load(parent_id)

    return plan.page(list(rows), count)


async def _fetch_windowed(
    model: type[Model],
    where: Q,
    parent_column: str,
    parent_ids: list[int],
    keys: tuple[SortKey, ...],
    per_parent: int,
) -> list[Model]:
    """The first ``per_parent`` rows of each parent, in the order of ``keys``."""
    table = model._meta.basetable
    columns = model._meta.fields_db_projection
    window = RowNumber().over(table[columns[parent_column]])
    for key in keys:
        window = window.orderby(
            table[columns[key.column]], order=SqlOrder.desc if key.descending else SqlOrder.asc
        )
    inner = model.filter(where, **{f"{parent_column}__in": parent_ids}).annotate(_rn=window)
    inner._choose_db_if_not_chosen()
    inner._make_query()
    db = inner._db
    ranked = inner.query.as_("ranked")
    outer = (
        db.query_class.from_(ranked)
        .select(ranked.star)
        .where(ranked._rn <= per_parent)
        .orderby(ranked[columns[parent_column]])
        .orderby(ranked._rn)
    )
    sql, params = outer.get_parameterized_sql()
    executor = db.executor_class(model=model, db=db)
    return await executor.execute_select(sql, params, custom_fields=["_rn"])


# --------------------------------------------------------------------------- shared arguments

First = Annotated[
    int | None,
    strawberry.argument(
        description="Page forwards: at most this many rows after `after` "
        "(default 20, at most 100 unless the server is configured otherwise)."
    ),
]
After = Annotated[str | None, strawberry.argument(description="Cursor: start after this row.")]
Last = Annotated[
    int | None,
    strawberry.argument(description="Page backwards: at most this many rows before `before`."),
]
Before = Annotated[str | None, strawberry.argument(description="Cursor: end before this row.")]


def sortable(
    type_name: str,
    model: type[Model],
    fields: dict[str, tuple[str, str]],
    default: tuple[SortKey, ...],
    references: Mapping[str, Reference] | None = None,
    guarded: Mapping[str, frozenset[Role]] | None = None,
    children: Mapping[str, AttachChildren] | None = None,
) -> tuple[ListSpec, type]:
    """The list spec of a type and its ``<Type>OrderBy`` input.

    ``fields`` maps each GraphQL order field (e.g. ``CREATED_AT``) to its ORM column
    and a description.
    """
    field_enum = Enum(f"{type_name}OrderField", {name: name for name in fields})  # type: ignore[misc]
    field_enum = graphql_enum(
        field_enum,
        f"Fields a {type_name} list can be sorted by.",
        {name: description for name, (_, description) in fields.items()},
    )
    namespace: dict[str, Any] = {
        "__annotations__": {"field": field_enum, "direction": SortDirection},
        "field": strawberry.field(description="The field to sort by."),
        "direction": strawberry.field(
            default=SortDirection.ASC, description="Ascending (default) or descending."
        ),
    }
    order_input = strawberry.input(
        type(f"{type_name}OrderBy", (), namespace),
        description=f"One sort key of a {type_name} list; later keys break ties.",
    )
    spec = ListSpec(
        model=model,
        order_columns={name: column for name, (column, _) in fields.items()},
        default_order=default,
        references=dict(references or {}),
        guarded_order=dict(guarded or {}),
        children=dict(children or {}),
    )
    return spec, order_input


T = TypeVar("T")

#: ``filter:`` argument of a list field.
FilterArg = Annotated[T, strawberry.argument(description="Only rows matching all conditions.")]
#: ``orderBy:`` argument of a list field.
OrderByArg = Annotated[
    T,
    strawberry.argument(
        description="Sort keys, most significant first; the ID breaks remaining ties."
    ),
]
#: ``id:`` argument of a single-record field.
IdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID of the record.")]


async def list_page(
    info: Info,
    spec: ListSpec,
    where: Q,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    order_by: Sequence[Any] | None,
) -> Connection[Any]:
    """A root list field: validate the paging arguments and read one page."""
    plan = plan_page(
        info, spec, first=first, after=after, last=last, before=before, order_by=order_by
    )
    return await paginate(info, plan, spec, where)


async def child_page(
    info: Info,
    spec: ListSpec,
    parent_column: str,
    parent_id: int,
    *,
    filter: Any,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    order_by: Sequence[Any] | None,
    where: Q | None = None,
) -> Connection[Any]:
    """A nested list field (a customer's orders, ...), batched over all parents."""
    plan = plan_page(
        info, spec, first=first, after=after, last=last, before=before, order_by=order_by
    )
    condition = filter_q(filter, info) if where is None else where & filter_q(filter, info)
    return await paginate_children(
        info, plan, spec, parent_column, parent_id, condition, (repr(filter), repr(where))
    )
