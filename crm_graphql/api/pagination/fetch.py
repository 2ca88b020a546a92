"""Reading pages: one statement for a root list, one for a nested list of every parent."""

from __future__ import annotations

import asyncio
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable
from typing import Any

from graphql import FieldNode
from pypika_tortoise.analytics import RowNumber
from pypika_tortoise.enums import Order as SqlOrder
from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.models import Model

from crm_graphql.api.columns import Join, attach_joined, join_references, row_builder
from crm_graphql.api.context import Info
from crm_graphql.api.keyed import (
    Unkeyable,
    cached_keyed_statement,
    cached_statement,
    condition_key,
    dialect_key,
    read_connection,
)
from crm_graphql.api.loaders import load_all
from crm_graphql.api.pagination.cursors import SortKey
from crm_graphql.api.pagination.deferred import deferred_pays
from crm_graphql.api.pagination.listing import ListSpec
from crm_graphql.api.pagination.pages import PagePlan
from crm_graphql.api.pagination.types import Connection
from crm_graphql.api.references import reference_joins


async def paginate(
    info: Info,
    plan: PagePlan,
    spec: ListSpec,
    where: Q,
    columns: tuple[str, ...] | None = None,
) -> Connection[object]:
    """One page of a root list: rows matching ``where``, in the plan's order.

    ``columns``: read only these (partial rows, see :mod:`crm_graphql.api.columns`).
    """
    wanted = spec.wanted_references(info)
    joins: tuple[Join, ...] = ()

    async def counted() -> int:
        if columns is None:
            total = await spec.model.filter(where).count()
        else:
            total = await _kept_count(spec.model, where)
        _remember_length(spec.model, where, total)
        return total

    counting: asyncio.Future[int] | None = None
    if columns is not None:
        joins = reference_joins(info, spec.model, wanted, ("nodes",))
        if _asks_total_count(info) and _longer_than(spec.model, where, plan.limit):
            # The count does not depend on the page: both statements at once, on two
            # pooled connections, so the answer waits for the slower, not the sum. Only
            # for a list that was longer than its page the last time it was counted: a
            # page that holds the whole list is its own count, without a statement.
            counting = asyncio.ensure_future(counted())
            counting.add_done_callback(_seen)
    rows = await _select_page(spec.model, where, plan, columns, joins)
    if plan.after is None and plan.before is None and len(rows) <= plan.limit:
        _remember_length(spec.model, where, len(rows))  # the whole list is on the page
    rest = wanted.difference(join.name for join in joins)
    if rest:
        await spec.attach(info, rows, rest)

    async def count() -> int:
        nonlocal counting
        if counting is None:  # one statement however many fields ask
            counting = asyncio.ensure_future(counted())
        return await counting

    return plan.page(list(rows), count)


def _asks_total_count(info: Info) -> bool:
    """Whether the list's own selection asks ``totalCount`` plainly (no directive, not
    through a fragment): then it is certainly resolved, and read ahead."""
    nodes = info._raw_info.field_nodes
    if len(nodes) != 1 or nodes[0].selection_set is None:
        return False
    return any(
        isinstance(selection, FieldNode)
        and selection.name.value == "totalCount"
        and not selection.directives
        for selection in nodes[0].selection_set.selections
    )


#: The last count of each list counted (by model and condition), the longest-unused
#: forgotten first: whether its next page is likely to need a count statement.
_LENGTHS: OrderedDict[Hashable, int] = OrderedDict()
_LENGTHS_KEPT = 4096


def _length_key(model: type[Model], where: Q) -> Hashable | None:
    try:
        return (model, condition_key(where))
    except Unkeyable:
        return None


def _longer_than(model: type[Model], where: Q, limit: int) -> bool:
    """Whether the list was longer than ``limit`` rows when it was last counted."""
    key = _length_key(model, where)
    if key is None or key not in _LENGTHS:
        return False
    _LENGTHS.move_to_end(key)
    return _LENGTHS[key] > limit


def _remember_length(model: type[Model], where: Q, total: int) -> None:
    key = _length_key(model, where)
    if key is None:
        return
    _LENGTHS[key] = total
    _LENGTHS.move_to_end(key)
    while len(_LENGTHS) > _LENGTHS_KEPT:
        _LENGTHS.popitem(last=False)


def forget_list_lengths() -> None:
    """Forget every list's last count (its rows were emptied behind the API's back)."""
    _LENGTHS.clear()


def _seen(task: asyncio.Task[Any]) -> None:
    """A count read ahead whose field is never resolved (its page failed, or a null
    cut its parent off) runs to its end (a statement cancelled midway can leave its
    connection unusable) without asyncio reporting its error as never retrieved; the
    field that awaits it still gets the error."""
    if not task.cancelled():
        task.exception()


async def _kept_count(model: type[Model], where: Q) -> int:
    """``model.filter(where).count()``, its statement kept for later requests that
    count the same (see ``api.keyed``)."""
    try:
        kept = ("count", model, condition_key(where))
    except Unkeyable:
        return await model.filter(where).count()
    db = read_connection(model)

    def statement() -> tuple[str, list[Any]]:
        query = model.filter(where).count()
        query._choose_db_if_not_chosen()
        query._make_query()
        return query.query.get_parameterized_sql()

    sql, params = cached_statement((*kept, dialect_key(db)), statement)
    _, found = await db.execute_query(sql, params)
    # As Tortoise reads a count: the first column of the first row, none when no row.
    return max(0, next(iter(dict(found[0]).values()))) if found else 0


async def _select_page(
    model: type[Model],
    where: Q,
    plan: PagePlan,
    columns: tuple[str, ...] | None,
    joins: tuple[Join, ...],
) -> list[Model]:
    """The rows of a root page, with only ``columns`` read (see ``api.columns``; None:
    whole rows) and the targets of ``joins`` attached (joins need ``columns``). Its
    statement is a deferred join where that pays (see ``deferred``), and is kept for
    later pages that ask the same (see ``api.keyed``)."""
    cursor = plan.cursor_q()
    keys = plan.query_keys
    if columns is None and not deferred_pays(model, (where, cursor), keys, None):
        return list(
            await model.filter(where)
            .filter(cursor)
            .order_by(*(key.ordering for key in keys))
            .limit(plan.limit + 1)
        )
    db = read_connection(model)
    table = model._meta.basetable
    projection = model._meta.fields_db_projection

    def statement() -> tuple[str, list[Any]]:
        # Decided with the statement: a kept statement is not decided again.
        deferred = deferred_pays(model, (where, cursor), keys, columns)
        query = (
            model.filter(where)
            .filter(cursor)
            .order_by(*(key.ordering for key in keys))
            .limit(plan.limit + 1)
        )
        if deferred:
            query = query.only(model._meta.pk_attr)
        elif columns is not None:
            query = query.only(*columns)
        query._choose_db_if_not_chosen()
        query._make_query()
        page = query.query
        if deferred:
            page = _rows_of_keys(db, model, page, keys, columns)
        if joins:
            page = join_references(page, lambda column: table[projection[column]], joins)
        return page.get_parameterized_sql()

    kept: tuple[Any, ...] | None
    try:
        conditions = (condition_key(where), condition_key(cursor))
    except Unkeyable:
        kept = None
    else:
        kept = ("page", model, conditions, keys, plan.limit + 1, columns, joins)
        kept = (*kept, dialect_key(db))
    sql, params = cached_statement(kept, statement)
    if columns is None:
        executor = db.executor_class(model=model, db=db)
        return list(await executor.execute_select(sql, params))
    _, found = await db.execute_query(sql, params)
    build = row_builder(model, columns)
    rows = [build(row) for row in found]
    if joins:
        attach_joined(rows, found, joins)
    return rows


def _rows_of_keys(
    db: Any,
    model: type[Model],
    page: Any,
    keys: tuple[SortKey, ...],
    columns: tuple[str, ...] | None,
) -> Any:
    """The deferred join (see ``deferred``): the rows whose primary keys ``page`` (a
    pypika query selecting them) chooses, with ``columns`` (None: all), in the order of
    ``keys``."""
    meta = model._meta
    table = meta.basetable
    projection = meta.fields_db_projection
    chosen = page.as_("_page")
    query = (
        db.query_class.from_(table)
        .join(chosen)
        .on(table[meta.db_pk_column] == chosen[meta.pk_attr])
    )
    if columns is None:
        query = query.select(table.star)
    else:
        query = query.select(*(table[projection[column]].as_(column) for column in columns))
    for key in keys:
        order = SqlOrder.desc if key.descending else SqlOrder.asc
        query = query.orderby(table[projection[key.column]], order=order)
    return query


async def paginate_children(
    info: Info,
    plan: PagePlan,
    spec: ListSpec,
    parent_column: str,
    parent_id: int,
    where: Q,
    where_key: Hashable,
    columns: tuple[str, ...] | None = None,
    wanted: frozenset[str] | None = None,
) -> Connection[object]:
    """One page of a nested list (e.g. a customer's orders), batched over all parents.

    Every parent in the response that asks for the same page shares one statement:
    ``ROW_NUMBER() OVER (PARTITION BY parent_column ...)`` cuts each parent's page.
    ``where_key`` identifies ``where`` (filters are not hashable themselves).
    ``columns``: read only these (partial rows, see :mod:`crm_graphql.api.columns`);
    ``wanted``: the selected references and child lists, when already known.
    """
    pages, page_of = _child_pages(
        info, plan, spec, parent_column, where, where_key, columns, wanted
    )
    return page_of(parent_id, await pages.load(parent_id))


async def children_pages(
    info: Info,
    plan: PagePlan,
    spec: ListSpec,
    parent_column: str,
    parent_ids: list[int],
    where: Q,
    where_key: Hashable,
    columns: tuple[str, ...] | None = None,
    wanted: frozenset[str] | None = None,
) -> list[Connection[object]]:
    """The pages :func:`paginate_children` gives each of ``parent_ids``, read at once
    (the same statements, shared with it)."""
    pages, page_of = _child_pages(
        info, plan, spec, parent_column, where, where_key, columns, wanted
    )
    found = await load_all(pages, parent_ids)
    return [page_of(parent_id, rows) for parent_id, rows in zip(parent_ids, found, strict=True)]


def _child_pages(
    info: Info,
    plan: PagePlan,
    spec: ListSpec,
    parent_column: str,
    where: Q,
    where_key: Hashable,
    columns: tuple[str, ...] | None,
    wanted: frozenset[str] | None,
) -> tuple[Any, Callable[[int, list[Model]], Connection[object]]]:
    """The request's loader of these pages, and how a parent's rows become its page."""
    context = info.context
    if wanted is None:
        wanted = spec.wanted_references(info)
    planned = context.settings.planned_reads
    related = spec.wanted_selection(info, wanted) if planned and wanted else None
    key = (
        "page",
        spec.model.__name__,
        parent_column,
        plan.cache_key,
        where_key,
        wanted,
        columns,
        related,
    )

    async def load_pages(parent_ids: list[int]) -> list[list[Model]]:
        joins = reference_joins(info, spec.model, wanted, ("nodes",)) if columns is not None else ()
        rows = await fetch_windowed(
            spec.model,
            where & plan.cursor_q(),
            parent_column,
            parent_ids,
            plan.query_keys,
            plan.limit + 1,
            columns,
            joins,
        )
        rest = wanted.difference(join.name for join in joins)
        if rest:
            await spec.attach(info, rows, rest)
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

    def page_of(parent_id: int, rows: list[Model]) -> Connection[object]:
        async def count() -> int:
            return await context.loader(count_key, load_counts).load(parent_id)

        return plan.page(list(rows), count)

    return context.loader(key, load_pages), page_of


async def fetch_windowed(
    model: type[Model],
    where: Q,
    parent_column: str,
    parent_ids: list[int],
    keys: tuple[SortKey, ...],
    per_parent: int,
    only: tuple[str, ...] | None = None,
    joins: tuple[Join, ...] = (),
) -> list[Model]:
    """The first ``per_parent`` rows of each parent, in the order of ``keys`` (``only``:
    just these columns, as partial rows, with the targets of ``joins`` attached; joins
    need ``only``)."""
    meta = model._meta
    columns = meta.fields_db_projection
    db = read_connection(model)

    def statement(values: list[Any]) -> tuple[str, list[Any]]:
        # The page's keys from an index, then its rows by primary key, where that pays.
        deferred = deferred_pays(model, (where,), keys, only, (parent_column,), ordered=False)
        table = meta.basetable
        window = RowNumber().over(table[columns[parent_column]])
        for key in keys:
            order = SqlOrder.desc if key.descending else SqlOrder.asc
            window = window.orderby(table[columns[key.column]], order=order)
        inner = model.filter(where, **{f"{parent_column}__in": values}).annotate(_rn=window)
        if deferred:
            inner = inner.only(meta.pk_attr, parent_column)
        elif only is not None:
            inner = inner.only(*only)
        inner._choose_db_if_not_chosen()
        inner._make_query()
        ranked = inner.query.as_("ranked")
        outer = db.query_class.from_(ranked)
        if deferred:
            outer = outer.join(table).on(table[meta.db_pk_column] == ranked[meta.pk_attr])
            if only is None:
                outer = outer.select(table.star)
            else:
                outer = outer.select(*(table[columns[column]].as_(column) for column in only))
            outer = outer.select(ranked._rn)
        else:
            outer = outer.select(ranked.star)
        # ``only`` names a column by its field name, a whole row by its column.
        parent = ranked[parent_column if deferred else columns[parent_column]]
        outer = outer.where(ranked._rn <= per_parent).orderby(parent).orderby(ranked._rn)
        if joins:
            # Joined to the page's rows only, outside the window.
            if deferred:
                outer = join_references(outer, lambda column: table[columns[column]], joins)
            else:
                outer = join_references(outer, lambda column: ranked[column], joins)
        return outer.get_parameterized_sql()

    kept: tuple[Any, ...] | None
    try:
        condition = condition_key(where)
    except Unkeyable:
        kept = None
    else:
        kept = ("windowed", model, condition, parent_column, keys, per_parent, only, joins)
        kept = (*kept, dialect_key(db))
    sql, params = cached_keyed_statement(kept, statement, parent_ids)
    if only is not None:
        build = row_builder(model, only)
        _, found = await db.execute_query(sql, params)
        rows = [build(row) for row in found]
        if joins:
            attach_joined(rows, found, joins)
        return rows
    executor = db.executor_class(model=model, db=db)
    return await executor.execute_select(sql, params, custom_fields=["_rn"])
