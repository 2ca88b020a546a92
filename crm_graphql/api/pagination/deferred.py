"""Deferred joins: a page's keys from an index first, then its rows by primary key.

A page is ``SELECT <columns> FROM t WHERE <condition> ORDER BY <keys> LIMIT n + 1``.
When no index gives the order and the condition matches many rows, the database reads
every matching row in full and sorts them all to keep ``n + 1``: 34,600 whole invoices
for the first 50 overdue ones at 100,000 customers. When one index holds every column
the condition, the cursor and the order read (an index also holds the primary key), the
database can choose the page from that index alone::

    SELECT <columns> FROM t
      JOIN (SELECT id FROM t WHERE <condition> ORDER BY <keys> LIMIT n + 1) page
        ON t.id = page.id
    ORDER BY <keys>

and read only the ``n + 1`` rows of the page in full. The outer ``ORDER BY`` names the
same columns of the same rows, and the keys end with the primary key: the rows come
in the same order as from the plain statement, on every backend.

The page statement is written this way only where it pays: an index covers what
choosing the page reads, the page reads more than that (otherwise the plain statement
reads that index alone already), and no index gives the order (otherwise the database
reads the page in order and stops after ``n + 1`` rows: the join would only add their
lookups by key). A nested page (``fetch_windowed``: ``ROW_NUMBER()`` over the pages of
every parent) numbers every row of its parents in a temporary table whatever the
indexes: there the keys alone are numbered, and only the rows of the pages are read.
Conditions that go through a relation or compare with another column are not analysed:
their page is read as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from tortoise.expressions import Expression, F, Q, Subquery, Term
from tortoise.models import Model

from crm_graphql.api.pagination.cursors import SortKey

#: Tortoise's lookups (``due_date__lt``): they compare one column with values.
_LOOKUPS = frozenset(
    {
        "contained_by",
        "contains",
        "day",
        "endswith",
        "filter",
        "gt",
        "gte",
        "hour",
        "icontains",
        "iendswith",
        "iexact",
        "in",
        "iposix_regex",
        "isnull",
        "istartswith",
        "len",
        "lt",
        "lte",
        "microsecond",
        "minute",
        "month",
        "not",
        "not_in",
        "not_isnull",
        "overlap",
        "posix_regex",
        "quarter",
        "range",
        "search",
        "second",
        "startswith",
        "week",
        "year",
    }
)


class _Unknown(Exception):
    """A condition whose columns are not known."""


def condition_columns(model: type[Model], condition: Q) -> frozenset[str] | None:
    """The model columns (field names, e.g. ``customer_id``) ``condition`` reads of a
    row of ``model`` (None: not known, e.g. a filter through a relation)."""
    try:
        return frozenset(_columns(model, condition))
    except _Unknown:
        return None


def _columns(model: type[Model], condition: Q) -> Iterable[str]:
    if type(condition) is not Q:
        raise _Unknown
    for child in condition.children:
        yield from _columns(model, child)
    meta = model._meta
    for name, value in condition.filters.items():
        # A value compared with another column (F, an expression) reads that column too;
        # a subquery (a row rule's ``customer_id IN (SELECT ...)``) reads other tables only.
        if isinstance(value, F | Expression) or (
            isinstance(value, Term) and not isinstance(value, Subquery)
        ):
            raise _Unknown
        field, _, lookup = name.partition("__")
        if lookup and lookup not in _LOOKUPS:
            raise _Unknown
        if field == "pk":
            field = meta.pk_attr
        if field in meta.fk_fields:
            field = getattr(meta.fields_map[field], "source_field", None) or ""
        if field not in meta.fields_db_projection:
            raise _Unknown
        yield field


@cache
def _declared_indexes(model: type[Model]) -> tuple[tuple[str, ...], ...]:
    """The columns of the model's indexes, in their order (the primary key first)."""
    meta = model._meta
    found: list[tuple[str, ...]] = [(meta.pk_attr,)]
    for index in (*meta.indexes, *meta.unique_together):
        # A tuple of field names, or an ``Index`` with its ``fields``.
        found.append(tuple(getattr(index, "fields", None) or index))  # type: ignore[arg-type]
    for name, field in meta.fields_map.items():
        if name in meta.fields_db_projection and (field.index or field.unique):
            found.append((name,))
    return tuple(found)


def _covered(model: type[Model], columns: set[str]) -> bool:
    """Whether one index holds all of ``columns``: every secondary index of InnoDB, and
    every SQLite index of a table with an integer key, holds the primary key too."""
    pk = model._meta.pk_attr
    return any(columns <= {*index, pk} for index in _declared_indexes(model))


def _fixed(condition: Q) -> set[str]:
    """The columns ``condition`` holds to one value (``column = value``, ``IS NULL``)
    for every row it matches."""
    if type(condition) is not Q or condition._is_negated or condition.join_type != "AND":
        return set()
    filters: dict[str, Any] = condition.filters
    fixed = {
        name.partition("__")[0]
        for name, value in filters.items()
        if ("__" not in name and not isinstance(value, Term | list | tuple | set))
        or (name.endswith("__isnull") and value is True)
    }
    for child in condition.children:
        fixed |= _fixed(child)
    return fixed


def _ordered(model: type[Model], fixed: set[str], keys: tuple[SortKey, ...]) -> bool:
    """Whether an index gives the order of ``keys`` for rows whose ``fixed`` columns
    each hold one value: the database then reads the page in order and stops after it,
    and a deferred join would only add the page's lookups by key."""
    if len({key.descending for key in keys}) > 1:
        return False  # the indexes are ascending: read forwards or backwards only
    pk = model._meta.pk_attr
    wanted = [key.column for key in keys]
    for index in _declared_indexes(model):
        columns = list(index)
        while columns and columns[0] in fixed:
            columns.pop(0)
        if pk not in columns:
            columns.append(pk)  # an index entry ends with the primary key
        if columns[: len(wanted)] == wanted:
            return True
    return False


def deferred_pays(
    model: type[Model],
    conditions: Iterable[Q],
    keys: tuple[SortKey, ...],
    columns: Iterable[str] | None,
    also: Iterable[str] = (),
    *,
    ordered: bool = True,
) -> bool:
    """Whether a page of ``model`` is read with a deferred join: one index holds every
    column ``conditions`` and ``keys`` read (and the columns ``also``: a nested page's
    parent key), and the page reads more than those (``columns``; None: every column).
    With ``ordered``, only when no index gives the order either (a root page; a nested
    page's window sorts every row of its parents whatever the indexes)."""
    conditions = tuple(conditions)
    projection = model._meta.fields_db_projection
    chosen = {model._meta.pk_attr, *also}
    for condition in conditions:
        read = condition_columns(model, condition)
        if read is None:
            return False
        chosen |= read
    for key in keys:
        if key.column not in projection:
            return False
        chosen.add(key.column)
    wanted = set(projection) if columns is None else set(columns)
    if wanted <= chosen or not _covered(model, chosen):
        return False
    if ordered:
        fixed = set().union(*(_fixed(condition) for condition in conditions))
        return not _ordered(model, fixed, keys)
    return True
