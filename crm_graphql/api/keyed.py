"""Statements that select rows by a list of keys (``WHERE key IN (...)``), built
without pypika's work per key.

pypika builds an ``IN`` list term by term, and that cost grows with the keys: about
20 µs a key, so the 500 order IDs of a customer-360 page's items cost more than the
rest of the statement. :func:`keyed_statement` builds the statement with a single
stand-in key and writes one placeholder per key in its place: the same SQL text and
parameters pypika writes for the whole list.

Building even that one statement is most of the CPU a page's read costs outside the
database (a windowed page: a few hundred microseconds of query sets, filters and
pypika terms). :func:`cached_keyed_statement` keeps the statement built with the
stand-in, per everything it is built from (model, conditions with their values,
columns, order, the connection's SQL dialect), for every later request that asks the
same; conditions with values of other kinds are built every time
(:func:`condition_key`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.router import router

#: The stand-in key: an integer no key of a page is.
STAND_IN = -4_611_686_018_427_387_904 + 7

#: Builds the statement (SQL text, parameters) for a list of keys.
Build = Callable[[list[Any]], tuple[str, list[Any]]]

_PLACEHOLDERS = ("%s", "?")


def keyed_statement(build: Build, keys: Sequence[Any]) -> tuple[str, list[Any]]:
    """``build(list(keys))``, built once with the stand-in key and expanded when the
    keys are plain integers (anything else is built as given)."""
    if keys and all(type(key) is int for key in keys):
        sql, params = build([STAND_IN])
        expanded = _expand(sql, params, keys)
        if expanded is not None:
            return expanded
    return build(list(keys))


def _expand(sql: str, params: list[Any], keys: Sequence[int]) -> tuple[str, list[Any]] | None:
    """The statement with the stand-in's placeholder repeated once per key, and the
    keys in the stand-in's place among the parameters (None: not recognised)."""
    positions = [i for i, value in enumerate(params) if type(value) is int and value == STAND_IN]
    if len(positions) != 1:
        return None
    position = positions[0]
    for placeholder in _PLACEHOLDERS:
        parts = sql.split(placeholder)
        if len(parts) == len(params) + 1:
            break
    else:
        return None
    if f"({placeholder})" not in parts[position][-1:] + placeholder + parts[position + 1][:1]:
        return None
    repeated = ",".join([placeholder] * len(keys))
    text = (
        placeholder.join(parts[: position + 1]) + repeated + placeholder.join(parts[position + 1 :])
    )
    return text, [*params[:position], *keys, *params[position + 1 :]]


#: Statements built with the stand-in key, by what they are built from.
_TEMPLATES: dict[Hashable, tuple[str, list[Any]]] = {}
#: Kept statements: a full cache starts over (each costs one build to make again).
TEMPLATE_CACHE_SIZE = 1024


def cached_keyed_statement(
    key: Hashable | None, build: Build, keys: Sequence[Any]
) -> tuple[str, list[Any]]:
    """:func:`keyed_statement`, with the statement built with the stand-in kept under
    ``key`` (which must identify everything ``build`` depends on; None: not kept)."""
    if key is None or not keys or not all(type(value) is int for value in keys):
        return keyed_statement(build, keys)
    template = _TEMPLATES.get(key)
    if template is None:
        template = build([STAND_IN])
        if len(_TEMPLATES) >= TEMPLATE_CACHE_SIZE:
            _TEMPLATES.clear()
        _TEMPLATES[key] = template
    expanded = _expand(*template, keys)
    return expanded if expanded is not None else build(list(keys))


def cached_statement(key: Hashable | None, build: Callable[[], tuple[str, list[Any]]]) -> Any:
    """``build()``, kept under ``key`` (which must identify everything ``build``
    depends on; None: not kept)."""
    if key is None:
        return build()
    statement = _TEMPLATES.get(key)
    if statement is None:
        statement = build()
        if len(_TEMPLATES) >= TEMPLATE_CACHE_SIZE:
            _TEMPLATES.clear()
        _TEMPLATES[key] = statement
    sql, params = statement
    return sql, list(params)


async def keyed_values(
    model: type[Model], key: Hashable, make: Callable[[list[Any]], Any], keys: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """``await make(list(keys))``: the rows of a ``values_list`` query (not ``flat``) of
    ``model`` over a list of keys, converted as Tortoise converts them. Its statement is built
    once with the stand-in key and kept with the columns' conversions under ``key``
    (which must identify everything ``make`` builds besides the keys) and the
    connection's dialect."""
    if not keys or not all(type(value) is int for value in keys):
        return list(await make(list(keys)))
    db = read_connection(model)
    kept = ("values", model, key, dialect_key(db))
    template = _VALUES.get(kept)
    if template is None:
        probe = make([STAND_IN])
        probe._choose_db_if_not_chosen()
        probe._make_query()
        sql, params = probe.query.get_parameterized_sql()
        conversions = [
            (column, probe.resolve_to_python_value(probe.model, name))
            for column, name in probe.fields.items()
        ]
        if len(_VALUES) >= TEMPLATE_CACHE_SIZE:
            _VALUES.clear()
        template = _VALUES[kept] = (sql, params, conversions)
    sql, params, conversions = template
    expanded = _expand(sql, params, keys)
    if expanded is None:
        return list(await make(list(keys)))
    _, rows = await db.execute_query(*expanded)
    return [tuple(convert(row[column]) for column, convert in conversions) for row in rows]


#: ``values_list`` statements built with the stand-in key, with their conversions.
_VALUES: dict[Hashable, tuple[str, list[Any], list[tuple[str, Callable[[Any], Any]]]]] = {}


class Unkeyable(Exception):
    """A condition whose statement is not kept (see :func:`condition_key`)."""


#: Values a condition may hold for its statement to be kept: compared by type and value.
_PLAIN = frozenset({type(None), bool, int, float, str, Decimal, UUID})


def condition_key(condition: Q) -> Hashable:
    """What the SQL of ``condition`` is made from: its tree, filter names and values
    (with their types: ``1`` and ``True`` are different keys). Raises :class:`Unkeyable`
    for anything but a plain ``Q`` with values of plain types, enums and tuples or
    lists of those (expressions, subqueries, sets, times: their SQL may depend on more
    than their value)."""
    if type(condition) is not Q:
        raise Unkeyable
    return (
        condition.join_type,
        condition._is_negated,
        tuple(condition_key(child) for child in condition.children),
        tuple((name, _value_key(value)) for name, value in condition.filters.items()),
    )


def _value_key(value: Any) -> Hashable:
    kind = type(value)
    if kind in _PLAIN or isinstance(value, Enum):
        return (kind, value)
    if kind is list or kind is tuple:
        return (kind, tuple(_value_key(item) for item in value))
    raise Unkeyable


def read_connection(model: type[Model]) -> Any:
    """The connection a query set of ``model`` reads through (what Tortoise's
    ``_choose_db`` picks for a read)."""
    return router.db_for_read(model) or model._meta.db


def dialect_key(db: Any) -> Hashable:
    """What the SQL a connection's queries are written in depends on."""
    return (db.capabilities.dialect, db.query_class, db.executor_class)
