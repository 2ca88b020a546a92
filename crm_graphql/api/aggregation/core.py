"""The aggregation core: one grouped SQL statement from whitelisted dimensions and measures.

Every dashboard view and every ``...Aggregate`` field describes what it wants as
:class:`Dimension` (a GROUP BY key: a column, or the local period of a date column) and
:class:`Measure` (COUNT, SUM, AVG, MIN, MAX of a column, optionally only over rows
matching a condition), and :func:`aggregate` turns that into one parameterised
statement through the ORM: the WHERE comes from the same ``Q`` conditions as the lists,
column names only from model fields named in code, values always as parameters. Only
the grouped rows (a handful) come back to Python.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Any, Literal, TypeVar

from tortoise.expressions import (
    Case,
    CombinedExpression,
    Expression,
    F,
    Q,
    RawSQL,
    When,
)
from tortoise.functions import Avg, Count, Max, Min, Sum
from tortoise.models import Model

from crm_graphql.api.aggregation import rollups
from crm_graphql.api.aggregation.periods import Granularity, Shift, decode_period
from crm_graphql.api.aggregation.sql import LocalPeriod, MicrosBetween, MoneyValue

CENT = Decimal("0.01")
T = TypeVar("T")

Function = Literal["count", "sum", "avg", "min", "max", "avg_days"]


@dataclass(frozen=True)
class Dimension:
    """A GROUP BY key: the value of ``field``, or the local period it falls in."""

    alias: str
    field: str
    granularity: Granularity | None = None
    #: UTC offsets of the client's zone over the range (``periods.offset_shifts``).
    shifts: tuple[Shift, ...] = ()

    def expression(self) -> Expression:
        if self.granularity is None:
            return F(self.field)
        return LocalPeriod(self.field, self.granularity, list(self.shifts))

    def decode(self, value: Any) -> Any:
        if self.granularity is None:
            return value
        return decode_period(value, self.granularity)


@dataclass(frozen=True)
class Measure:
    """An aggregate of ``field`` (every row for a COUNT without field).

    ``money`` fields are summed exactly (see ``sql.MoneyValue``); ``weight`` multiplies
    each amount by an integer percentage column first (a weighted amount). ``where``
    restricts the rows the measure looks at (``SUM(CASE WHEN ... END)``), so that
    several measures share one statement. ``avg_days`` is the average number of days
    from ``field`` to ``until``: the exact sum of the microseconds between them and the
    number of rows with both, divided here (:func:`average_days`).

    An average (``avg``) is read as the exact sum and the number of non-NULL values
    (:meth:`parts`) and divided here: the database's ``AVG`` gives another precision on
    each backend (MySQL four places, SQLite a double; SQLite adds amounts as floating
    point), and Tortoise's ``Avg`` turns it into the field's type, cutting the fraction
    off a whole number. An amount's average is rounded once, half up, to cents.
    """

    alias: str
    function: Function
    field: str | None = None
    money: bool = False
    weight: str | None = None
    until: str | None = None
    where: Q | None = dataclasses.field(default=None, compare=False)
    #: A minimum or maximum over the parts of :func:`aggregate_parts` counted -1 only
    #: (what is taken out of hosts), instead of over those counted once.
    taken_out: bool = False

    @property
    def exact_average(self) -> bool:
        """Whether this is an average read as sum and count (see the class doc)."""
        return self.function in ("avg", "avg_days")

    def parts(self) -> tuple[Expression, Expression]:
        """An exact average's sum and count of non-NULL values."""
        assert self.field is not None
        if self.function == "avg_days":
            assert self.until is not None
            micros = MicrosBetween(self.field, self.until)
            return Sum(micros, _filter=self.where), Count(micros, _filter=self.where)  # type: ignore[arg-type]
        value = MoneyValue(self.field) if self.money else self.field
        total = Sum(value, _filter=self.where)  # type: ignore[arg-type]
        return total, Count(self.field, _filter=self.where)

    def expression(self) -> Expression:
        where = self.where
        if self.function == "count":
            return Count(self.field or "id", _filter=where)
        assert self.field is not None
        if self.function == "sum":
            # Tortoise's aggregates take any expression; their annotation names only
            # a column, an F and a CombinedExpression.
            value = MoneyValue(self.field, self.weight) if self.money else self.field
            return Sum(value, _filter=where)  # type: ignore[arg-type]
        aggregate = {"avg": Avg, "min": Min, "max": Max}[self.function]
        return aggregate(self.field, _filter=where)

    def decode(self, value: Any, mysql: bool) -> Any:
        if self.function == "count":
            return int(value or 0)
        if value is None:
            return None
        if self.function == "avg" and self.money:
            return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)
        if self.function == "avg":
            return float(value)
        if not self.money:
            return int(value)
        if self.function == "sum":
            # MySQL: the exact DECIMAL sum; SQLite: whole cents. A weight adds a factor
            # of 100 (it is a percentage).
            scale = (Decimal(1) if mysql else Decimal(100)) * (100 if self.weight else 1)
            amount = Decimal(value) if mysql else Decimal(round(value))
            return (amount / scale).quantize(CENT, ROUND_HALF_UP)
        return Decimal(repr(value) if isinstance(value, float) else value).quantize(CENT)

    def decoder(self, mysql: bool) -> Callable[[Any], Any]:
        """:meth:`decode` for this measure on this backend, its branches taken once (a
        page of groups decodes thousands of values)."""
        if self.function == "count":
            return _count
        if not self.money:
            return _float_or_none if self.function == "avg" else _int_or_none
        measure = self
        return lambda value: measure.decode(value, mysql)


def _count(value: Any) -> int:
    return int(value or 0)


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


async def at_once(*reads: Awaitable[T]) -> list[T]:
    """The results of independent reads, run at the same time (on MySQL/MariaDB each on
    a connection of the pool, so that the server works on them in parallel; SQLite's one
    connection takes them in turn), in order. When one fails, the others still run to
    their end (a statement cancelled midway can leave its pooled connection unusable),
    then the first failure is raised as it is."""
    done = await asyncio.gather(*reads, return_exceptions=True)
    for result in done:
        if isinstance(result, BaseException):
            raise result
    return list(done)  # type: ignore[arg-type]


def is_mysql(model: type[Model]) -> bool:
    """True when ``model`` lives in MySQL/MariaDB (else SQLite)."""
    return model._meta.db.capabilities.dialect == "mysql"


async def aggregate(
    model: type[Model],
    where: Q,
    dimensions: Sequence[Dimension],
    measures: Sequence[Measure],
    *,
    order_by: Sequence[str] = (),
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """One statement: ``measures`` per combination of ``dimensions`` over the rows of
    ``model`` matching ``where``; each result row maps aliases to decoded values.

    Groups are ordered by ``order_by`` (measure aliases, ``-alias`` for descending), then
    by the dimensions. Without dimensions the result is one row over every matching row.
    When a rollup of ``model`` gives the same answer (see :mod:`.rollups`), the statement
    reads its cells instead of the rows.
    """
    found = rollups.plan(model, where, dimensions, measures)
    if found is not None and not found.orders_by_extreme(order_by):
        rollups.note_path("rollup")
        return await found.run(order_by, limit)
    rollups.note_path("live")
    return await aggregate_rows(model, where, dimensions, measures, order_by=order_by, limit=limit)


async def aggregate_rows(
    model: type[Model],
    where: Q,
    dimensions: Sequence[Dimension],
    measures: Sequence[Measure],
    *,
    order_by: Sequence[str] = (),
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """:func:`aggregate` over the rows themselves (no rollup)."""
    # SQL aliases get a prefix: a key named like a column ("placed_at") must not make
    # GROUP BY pick the raw column instead of the period.
    annotations: dict[str, Expression] = {f"d_{d.alias}": d.expression() for d in dimensions}
    for measure in measures:
        if measure.exact_average:
            total, count = measure.parts()
            annotations[f"m_{measure.alias}"] = total
            annotations[f"n_{measure.alias}"] = count
        else:
            annotations[f"m_{measure.alias}"] = measure.expression()
    query = model.filter(where).annotate(**annotations)
    if dimensions:
        keys = [f"d_{d.alias}" for d in dimensions]
        query = query.group_by(*keys)
        first = [f"-m_{name[1:]}" if name.startswith("-") else f"m_{name}" for name in order_by]
        query = query.order_by(*first, *keys)
    if limit is not None:
        query = query.limit(limit)
    rows = await query.values(*annotations)
    return _decoded(rows, dimensions, measures, is_mysql(model))


def _decoded(
    rows: Sequence[Any],
    dimensions: Sequence[Dimension],
    measures: Sequence[Measure],
    mysql: bool,
) -> list[dict[str, Any]]:
    """The result rows from the statement's rows (columns ``d_<alias>``, ``m_<alias>``
    and an exact average's count ``n_<alias>``): each group's keys and measures decoded.
    The column names are worked out once, not per row (a page holds hundreds)."""
    keys = [(d.alias, f"d_{d.alias}", d.decode if d.granularity else None) for d in dimensions]
    values = [
        (m, m.alias, m.decoder(mysql), f"m_{m.alias}", f"n_{m.alias}" if m.exact_average else None)
        for m in measures
    ]
    found = []
    for row in rows:
        group = {
            alias: row[column] if decode is None else decode(row[column])
            for alias, column, decode in keys
        }
        for measure, alias, decode_value, column, count in values:
            group[alias] = (
                decode_value(row[column])
                if count is None
                else _average_of(measure, row[column], row[count], mysql)
            )
        found.append(group)
    return found


@dataclass(frozen=True)
class Part:
    """Rows of ``model`` for :func:`aggregate_parts`: those matching ``where``, each counted
    ``sign`` times (1 or -1), grouped by ``dimensions`` (the statement's, possibly with
    other offsets for a period)."""

    where: Q
    sign: int
    dimensions: Sequence[Dimension]


async def aggregate_parts(
    model: type[Model],
    parts: Sequence[Part],
    measures: Sequence[Measure],
    *,
    rows_column: str,
    order_by: Sequence[str] = (),
    limit: int | None = None,
    parts_key: Any = None,
) -> list[dict[str, Any]]:
    """Sums of integer columns over signed parts of one table, in one statement: the
    parts' SELECTs joined by UNION ALL, summed per group. A group exists when the signed
    sum of ``rows_column`` (how many records a row stands for) is positive. ``measures``
    are sums of a column, or its minimum or maximum over the parts counted once (or,
    ``taken_out``, over those counted -1), optionally with a condition; each result row
    maps aliases to decoded values, as :func:`aggregate_rows` does. ``parts_key``:
    :func:`key_of_parts` of ``parts`` when the caller kept it."""
    db = model._meta.db
    statement, params = parts_statement(
        model,
        parts,
        measures,
        rows_column=rows_column,
        order_by=order_by,
        limit=limit,
        parts_key=parts_key,
    )
    rows = (await db.execute_query(statement, list(params)))[1]
    return _decoded(rows, parts[0].dimensions, measures, is_mysql(model))


def parts_statement(
    model: type[Model],
    parts: Sequence[Part],
    measures: Sequence[Measure],
    *,
    rows_column: str,
    order_by: Sequence[str] = (),
    limit: int | None = None,
    ordered: bool = True,
    parts_key: Any = None,
) -> tuple[str, tuple[Any, ...]]:
    """The statement of :func:`aggregate_parts` and its parameters, built once per
    question (see :data:`_STATEMENTS`); the columns of its rows are ``d_<alias>`` per
    dimension of the first part and ``m_<alias>`` per measure. Without ``ordered`` it
    has no ORDER BY (to be read by an enclosing statement). ``parts_key``:
    :func:`key_of_parts` of ``parts`` when the caller kept it (else it is computed)."""
    if parts_key is None:
        parts_key = key_of_parts(parts)
    key = (
        None
        if parts_key is None
        else _statement_key(model, parts_key, measures, rows_column, order_by, limit, ordered)
    )
    built = _STATEMENTS.get(key) if key is not None else None
    if built is None:
        built = _parts_statement(model, parts, measures, rows_column, order_by, limit, ordered)
        if key is not None:
            if len(_STATEMENTS) >= _STATEMENTS_KEPT:
                del _STATEMENTS[next(iter(_STATEMENTS))]
            _STATEMENTS[key] = built
    return built


#: Statements of :func:`aggregate_parts` already built, by what they were built from
#: (oldest first). A dashboard asks the same question again and again; building its
#: statement (some hundred conditions through the ORM's query builder) costs more
#: than running it on the rollup cells.
_STATEMENTS: dict[tuple[Any, ...], tuple[str, tuple[Any, ...]]] = {}
_STATEMENTS_KEPT = 256


class _Unkeyed(Exception):
    """A value that :func:`_value_key` does not know how to key (not cached)."""


def _value_key(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_value_key(v) for v in value))
    if value is None or isinstance(value, (str, int, float, Decimal, date, Enum)):
        # The type and repr: equal values of other types or zones (1 and True, the same
        # instant at two offsets) may make other SQL.
        return (type(value).__name__, repr(value))
    raise _Unkeyed


def _q_key(condition: Q | None) -> Any:
    if condition is None:
        return None
    filters = tuple(sorted((k, _value_key(v)) for k, v in condition.filters.items()))
    children = tuple(_q_key(child) for child in condition.children)
    return (condition.join_type, condition._is_negated, filters, children)


def question_key(prefix: tuple[Any, ...], condition: Q | None) -> tuple[Any, ...] | None:
    """``prefix`` and ``condition`` as a key of a question asked again (None: a value in
    the condition cannot be keyed)."""
    try:
        return (*prefix, _q_key(condition))
    except _Unkeyed:
        return None


def key_of_parts(parts: Sequence[Part]) -> tuple[Any, ...] | None:
    """What the parts of :func:`aggregate_parts` contribute to its statement (None: a
    value cannot be keyed)."""
    try:
        return tuple((_q_key(p.where), p.sign, repr(list(p.dimensions))) for p in parts)
    except _Unkeyed:
        return None


def _statement_key(
    model: type[Model],
    parts: tuple[Any, ...],
    measures: Sequence[Measure],
    rows_column: str,
    order_by: Sequence[str],
    limit: int | None,
    ordered: bool,
) -> tuple[Any, ...] | None:
    """What the statement of :func:`aggregate_parts` is built from (None: not keyable)."""
    try:
        return (
            model,
            model._meta.db.capabilities.dialect,
            parts,
            tuple(
                (
                    m.alias,
                    m.function,
                    m.field,
                    m.money,
                    m.weight,
                    m.until,
                    m.taken_out,
                    _q_key(m.where),
                )
                for m in measures
            ),
            rows_column,
            tuple(order_by),
            limit,
            ordered,
        )
    except _Unkeyed:
        return None


def _parts_statement(
    model: type[Model],
    parts: Sequence[Part],
    measures: Sequence[Measure],
    rows_column: str,
    order_by: Sequence[str],
    limit: int | None,
    ordered: bool = True,
) -> tuple[str, tuple[Any, ...]]:
    """The statement of :func:`aggregate_parts` and its parameters."""
    selects: list[str] = []
    params: list[Any] = []
    for part in parts:
        annotations: dict[str, Any] = {f"d_{d.alias}": d.expression() for d in part.dimensions}
        for measure in measures:
            assert measure.field is not None
            assert measure.function == "sum" or measure.function in _EXTREMES
            value: Any = _signed(measure.field, part.sign)
            if measure.function in _EXTREMES:
                # An extreme looks at the parts counted once, or (taken_out) at the parts
                # counted -1 only: NULL in the others.
                value = F(measure.field) if (part.sign == -1) == measure.taken_out else _NULL
            annotations[f"m_{measure.alias}"] = (
                value
                if measure.where is None or value is _NULL
                else Case(When(measure.where, then=value))
            )
        annotations["k_rows"] = _signed(rows_column, part.sign)
        query = model.filter(part.where).annotate(**annotations).values(*annotations)
        query._choose_db_if_not_chosen()
        query._make_query()
        text, found = query.query.get_parameterized_sql()
        selects.append(text)
        params += found
    quote = "`" if is_mysql(model) else '"'
    keys = [f"{quote}d_{d.alias}{quote}" for d in parts[0].dimensions]
    sums = [
        f"{_EXTREMES.get(m.function, 'SUM')}({name}) AS {name}"
        for m in measures
        for name in [f"{quote}m_{m.alias}{quote}"]
    ]
    statement = f"SELECT {', '.join([*keys, *sums])} FROM ({' UNION ALL '.join(selects)}) AS t"
    if keys:
        ordering = [
            f"{quote}m_{name.lstrip('-')}{quote}{' DESC' if name.startswith('-') else ''}"
            for name in order_by
        ]
        statement += f" GROUP BY {', '.join(keys)} HAVING SUM({quote}k_rows{quote}) > 0"
        if ordered:
            statement += f" ORDER BY {', '.join([*ordering, *keys])}"
    if limit is not None:
        statement += f" LIMIT {int(limit)}"
    return statement, tuple(params)


#: The outer aggregate of a part's minimum or maximum.
_EXTREMES = {"min": "MIN", "max": "MAX"}
#: No value (an extreme of the parts it does not look at).
_NULL = RawSQL("NULL")


def _signed(column: str, sign: int) -> F | CombinedExpression:
    return F(column) if sign == 1 else F(column) * sign


def _average_of(measure: Measure, total: Any, count: Any, mysql: bool) -> Any:
    if measure.function == "avg_days":
        return average_days(total, count)
    if not measure.money:
        return average(total, count)
    if not count:
        return None
    # The exact sum: MySQL's DECIMAL sum, SQLite's whole cents (``MoneyValue``).
    exact = Decimal(total) if mysql else Decimal(round(total)) / 100
    return money_average(exact, count)


def money_average(total: Decimal, count: Any) -> Decimal:
    """The average of amounts from their exact sum: rounded once, half up, to cents."""
    return (total / int(count)).quantize(CENT, ROUND_HALF_UP)


def average(total: Any, count: Any) -> float | None:
    """The average of whole numbers from their sum and count: the nearest double to the
    exact quotient (Python divides two integers exactly, then rounds once), the same on
    every backend and from rollups; None over no values."""
    if not count:
        return None
    return int(total) / int(count)


#: Microseconds in a day.
DAY_MICROS = 86_400_000_000


def average_days(total_micros: Any, count: Any) -> float | None:
    """The average of durations in days from their exact sum in microseconds: the nearest
    double to the exact quotient, the same on every backend and from rollups."""
    if not count:
        return None
    return int(total_micros) / (int(count) * DAY_MICROS)
