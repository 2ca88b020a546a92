"""Pre-aggregated rollups: counts and sums per quarter hour, UTC day and UTC month and
per dimension values, kept exact in the transaction of every change, read instead of
the raw rows whenever they give the same answer.

A :class:`Rollup` declares, for one kind of record (the *source*), a table with one row
(a *cell*) per combination of

- a grain (``grain``: a quarter hour, a UTC day or a UTC month; every record counts
  once in each) and the stretch of that grain its timestamp column falls in (the
  rollup column of the same name holds its start, NULL for records without a time), and
- the values of its dimension columns (same names in the rollup table),

holding ``n`` (how many records) and per summed column the sum (money in whole cents,
an integer: exact on every backend) and how many of the values were not NULL (a SUM
over none is NULL, not 0).

Why a quarter hour: every UTC offset in use is a multiple of 15 minutes (+05:30 India,
+05:45 Nepal, -09:30 Marquesas, +08:45 Eucla), and so is every daylight-saving change;
so every local day, week, month, quarter and year in every zone begins on a quarter
hour boundary, and a quarter-hour cell never straddles two local periods. Days and
months are read where they lie whole in one local period, and also where they lie mostly
in one: then the quarter hours of them that belong elsewhere are subtracted again (a
signed sum, see :class:`_Cover`), so that a local month in Berlin reads the UTC month's
cells and the few quarter hours at its two ends; at realistic densities a quarter hour
or a day holds about one record per combination, a month many.

Maintenance (:func:`maintain`, an ``@on_change`` hook): a change takes the record's old
contribution out of its old cells and adds the new one to its new cells, as upserts that
add a delta (``INSERT ... ON DUPLICATE KEY UPDATE n = n + ?``, SQLite ``ON CONFLICT DO
UPDATE``), in the change's own transaction: committed together or not at all, and two
concurrent changes of one cell serialise on its row lock instead of overwriting each
other. An update that changes none of the rollup's columns writes nothing.

Reading (:func:`plan`): :func:`crm_graphql.api.aggregation.core.aggregate` asks for a
plan before it builds its statement. A plan exists when every condition of the WHERE
(and of each measure's own condition) names only dimension columns, or the time column
compared with ``>=`` / ``<`` to a quarter-hour instant (or ``IS NULL``); every group key
is a dimension or a local period of the time column whose zone offsets and
daylight-saving changes fall on quarter hours; and every measure is a count of records,
a sum of a summed column or an average of one (its sum divided by its count of
values, as on the raw path; an amount's rounded once to cents), or the minimum or
maximum of a field whose extremes the rollup keeps. Otherwise the raw rows answer, as
before.

Extremes (``Rollup.extremes``): the cells also keep ``<field>_min``/``<field>_max``, a
``stale`` flag and a ``changes`` counter, in the same upsert as the counts (no extra
statement): a value entering a cell lowers/raises them (LEAST/GREATEST); a value leaving
it that equals one marks the cell stale (its extremes are then only bounds); a cell left
empty has none and is not stale. A record's entering row comes before its leaving row in
a cell, so that a value changed within a cell to a new extreme leaves it exact. Nothing
is counted again in the writer: a recount there would read either a snapshot older than
the cell lock or records locked by transactions that may still roll back. Readers take
the extremes of the cells that are not stale and answer the stale cells of the range
from their records (two statements, only when there are any), all in one read
transaction: one snapshot. A host (a month read for the local month it mostly lies in)
keeps the extremes of what it holds beyond its period too, which cannot be taken out of
them: the extremes of what is taken out come with each group, and where one of them
reaches the group's extreme (a tie, or the extreme at the host's edge), the group's
records answer (:meth:`Plan._edge_extremes`: one statement, only when there are any).
A change that takes a value out of a cell writes an outbox event
(:data:`EXTREMES_LEFT`); its subscriber, ``rollups repair`` and ``rollups rebuild``
count stale cells again (:func:`repair`).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import dataclasses
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, cast

from strawberry.extensions import SchemaExtension
from tortoise.expressions import Q, RawSQL
from tortoise.fields import DateField
from tortoise.models import Model

from crm_graphql.api.aggregation.rollup_sql import Batch, CellSql
from crm_graphql.api.conditions import lookup_q
from crm_graphql.api.mutations.changes import Changed, on_change

if TYPE_CHECKING:
    from crm_graphql.api.aggregation.core import Dimension, Measure, Part

#: The two grains of every rollup: quarter hours and UTC days (``grain`` column).
QUARTER = 900
DAY = 86400
#: A calendar month (UTC); the number only names the grain.
MONTH = 31 * DAY
GRAINS = (QUARTER, DAY, MONTH)
#: A condition no cell meets.
NOTHING = Q(grain=-1)
#: The key part of a NULL value in a cell key.
NULL_PART = "~"

#: Whether aggregates of this request may read rollups (off: always the raw rows).
#: Set per request from ``Settings.analytics_rollups``; tests switch it to compare paths.
rollup_reads: ContextVar[bool] = ContextVar("crm_rollup_reads", default=True)
#: The paths that served the aggregates of this request ("rollup" or "live"), in order.
served_paths: ContextVar[list[str] | None] = ContextVar("crm_rollup_paths", default=None)


@dataclass(frozen=True)
class RollupSum:
    """A summed column of the source: its sum in ``column`` (whole cents when ``money``)
    and the number of non-NULL values in ``present``.

    ``weight``: each amount times that integer column first (a weighted amount, in
    cent-percents). ``since``: the microseconds from that timestamp column to ``field``
    (a duration, summed exactly; see :func:`micros_between`)."""

    field: str
    column: str
    present: str
    money: bool = False
    weight: str | None = None
    since: str | None = None

    @property
    def reads(self) -> tuple[str, ...]:
        """The source fields the value is made of."""
        return tuple(f for f in (self.since, self.field, self.weight) if f is not None)

    def value_of(self, get: Any, mysql: bool) -> int | None:
        """The record's value (``get(field)`` reads the record); None when it has none."""
        if self.since is not None:
            start, end = get(self.since), get(self.field)
            if start is None or end is None:
                return None
            return micros_between(start, end, mysql)
        value = get(self.field)
        if value is None:
            return None
        amount = cents(value) if self.money else int(value)
        if self.weight is not None:
            weight = get(self.weight)
            if weight is None:
                return None
            amount *= int(weight)
        return amount


@dataclass(frozen=True)
class Derived:
    """A value computed from a record (see ``Rollup.derived``): ``compute(get)`` in
    Python (``get(field)`` reads the record), ``sql`` the same in SQL (column names of
    the source, unquoted; the same text on every backend)."""

    name: str
    compute: Callable[[Callable[[str], Any]], Any]
    sql: str


@dataclass(frozen=True)
class Rollup:
    """A rollup of ``source`` records in the table of ``table`` (see the module doc)."""

    name: str
    source: type[Model]
    table: type[Model]
    time: str
    dimensions: tuple[str, ...]
    sums: tuple[RollupSum, ...] = ()
    #: Only the records matching this condition are counted (e.g. customers not
    #: soft-deleted); a query is served only when its WHERE requires it (top-level AND).
    only: Q | None = dataclasses.field(default=None, compare=False)
    #: Dimensions and summed fields the source does not declare, computed from the
    #: record: the value in Python and the same value as an SQL expression over the
    #: source's columns (for the rebuild), e.g. the duration bucket of a time.
    derived: tuple[Derived, ...] = dataclasses.field(default=(), compare=False)
    #: Summed fields (plain sums, no weight or duration) whose smallest and largest value
    #: each cell keeps too (``<field>_min``, ``<field>_max``, in the sum's unit), with the
    #: cell's ``stale`` flag and ``changes`` counter (see "Extremes" in the module doc).
    extremes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in self.extremes:
            if self.sum_of(name) is None:
                raise ValueError(f"{self.name}: an extreme of {name} needs a plain sum of it")
        if self.extremes and self.derived:
            raise ValueError(f"{self.name}: extremes are read back from plain columns only")

    @property
    def extreme_sums(self) -> tuple[RollupSum, ...]:
        """The sums whose extremes the cells keep, in the order of ``extremes``."""
        return tuple(cast(RollupSum, self.sum_of(name)) for name in self.extremes)

    @property
    def extreme_columns(self) -> tuple[str, ...]:
        """The columns of the extremes: ``<field>_min``, ``<field>_max`` per field."""
        return tuple(f"{name}_{end}" for name in self.extremes for end in ("min", "max"))

    def value(self, row: Any, name: str) -> Any:
        """The record's value of a field, derived or its own."""
        for derived in self.derived:
            if derived.name == name:
                return derived.compute(lambda field: getattr(row, field))
        return getattr(row, name)

    def sum_of(self, name: str, weight: str | None = None) -> RollupSum | None:
        return next(
            (s for s in self.sums if s.field == name and s.weight == weight and s.since is None),
            None,
        )

    def duration_of(self, since: str, until: str) -> RollupSum | None:
        return next((s for s in self.sums if s.since == since and s.field == until), None)

    def counts(self, row: Any) -> bool:
        """Whether the record is counted at all (see ``only``)."""
        return self.only is None or matches(self.only, lambda name: getattr(row, name))

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns of a cell row, in the order of :func:`_row_values`."""
        measures = [c for s in self.sums for c in (s.column, s.present)]
        return ("cell", "grain", self.time, *self.dimensions, "n", *measures)

    @property
    def stored_columns(self) -> tuple[str, ...]:
        """Every column of a cell row: :attr:`columns`, then the extremes, ``stale`` and
        ``changes`` when the rollup keeps extremes."""
        if not self.extremes:
            return self.columns
        return (*self.columns, *self.extreme_columns, "stale", "changes")

    @property
    def amounts(self) -> tuple[str, ...]:
        """The columns a change adds to: ``n`` and the sums."""
        return self.columns[len(self.dimensions) + 3 :]

    def keys_of(self, row: Any) -> list[tuple[Any, ...]]:
        """The cells a record belongs to, one per grain: (grain, start, dimension values...)."""
        dimensions = tuple(plain_value(self.value(row, d)) for d in self.dimensions)
        at = getattr(row, self.time)
        return [(grain, bucket(at, grain), *dimensions) for grain in GRAINS]

    def contribution(self, row: Any, mysql: bool) -> tuple[int, ...]:
        """What a record adds to its cell: (1, sum, present, sum, present, ...)."""
        values: list[int] = [1]
        for summed in self.sums:
            value = summed.value_of(lambda name: self.value(row, name), mysql)
            values += [0, 0] if value is None else [value, 1]
        return tuple(values)


_ROLLUPS: dict[type[Model], list[Rollup]] = {}


def register(rollup: Rollup) -> Rollup:
    """Declare a rollup (a domain's declaration, at import)."""
    _ROLLUPS.setdefault(rollup.source, []).append(rollup)
    return rollup


def named(name: str) -> Rollup:
    """The declared rollup of that name."""
    return next(rollup for rollup in registered() if rollup.name == name)


def registered() -> list[Rollup]:
    """Every declared rollup."""
    return [rollup for rollups in _ROLLUPS.values() for rollup in rollups]


# --------------------------------------------------------------------------- values


def is_date(rollup: Rollup) -> bool:
    """Whether the rollup's time column is a calendar day (a date, not an instant): its
    records count in the cells of that day (as its UTC midnight) and of its month."""
    return isinstance(rollup.source._meta.fields_map[rollup.time], DateField)


def _bound(rollup: Rollup, value: datetime) -> datetime | date:
    return value.date() if is_date(rollup) else value


def _between(rollup: Rollup, start: datetime, end: datetime) -> Q:
    """Records (or cells) of the rollup's time from ``start`` to ``end`` (excluded)."""
    return Q(
        lookup_q(f"{rollup.time}__gte", _bound(rollup, start)),
        lookup_q(f"{rollup.time}__lt", _bound(rollup, end)),
    )


def quarter_hour(value: datetime | date | None) -> datetime | None:
    """The start of the quarter hour (UTC) that ``value`` falls in (a calendar day: its
    UTC midnight)."""
    if value is None:
        return None
    utc = _instant(value)
    return utc.replace(minute=utc.minute - utc.minute % 15, second=0, microsecond=0)


def bucket(value: datetime | date | None, grain: int) -> datetime | None:
    """The start of the quarter hour or UTC day that ``value`` falls in."""
    start = quarter_hour(value)
    if start is not None and grain == DAY:
        return start.replace(hour=0, minute=0)
    if start is not None and grain == MONTH:
        return start.replace(day=1, hour=0, minute=0)
    return start


def _instant(value: datetime | date) -> datetime:
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc(value: datetime | date) -> datetime:
    """``value`` in UTC (a calendar day: its UTC midnight)."""
    return _instant(value)


def on_grain(value: Any) -> bool:
    """Whether ``value`` is an instant that begins a quarter hour, or a calendar day."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return True
    if not isinstance(value, datetime):
        return False
    return quarter_hour(value) == utc(value)


def cents(value: Any) -> int:
    """An amount in whole cents (amounts have two decimals)."""
    return int((Decimal(str(value)) * 100).to_integral_value())


def plain_value(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def micros_between(start: datetime, end: datetime, mysql: bool) -> int:
    """Microseconds from ``start`` to ``end`` as the database computes them
    (``sql.MicrosBetween``): exact on MySQL/MariaDB; SQLite reads each timestamp to the
    millisecond (its ``julianday`` rounds ``seconds * 1000 + 0.5`` down, in doubles)."""
    if mysql:
        return (end - start) // timedelta(microseconds=1)

    def millis(value: datetime) -> int:
        minute = int(value.replace(second=0, microsecond=0).timestamp()) * 1000
        return minute + int((value.second + value.microsecond / 1e6) * 1000 + 0.5)

    return (millis(end) - millis(start)) * 1000


def matches(condition: Q, get: Any) -> bool:
    """Whether a record meets a simple condition (``field``, ``field__in``,
    ``field__not``, ``field__isnull``, under AND, OR and NOT); ``get(field)`` reads it."""
    results = []
    for key, expected in condition.filters.items():
        name, _, lookup = key.partition("__")
        value = plain_value(get(name))
        if lookup == "isnull":
            results.append((value is None) == bool(expected))
        elif lookup == "in":
            results.append(value in {plain_value(v) for v in cast(Iterable[Any], expected)})
        elif lookup == "not":
            results.append(value != plain_value(expected))
        elif lookup == "":
            results.append(value == plain_value(expected))
        else:
            raise ValueError(f"unsupported condition {key}")
    results += [matches(child, get) for child in condition.children]
    met = any(results) if condition.join_type == Q.OR else all(results)
    return not met if condition._is_negated else met


def cell_key(key: tuple[Any, ...]) -> str:
    """The unique text key of a cell."""
    parts = []
    for value in key:
        if value is None:
            parts.append(NULL_PART)
        elif isinstance(value, bool):
            parts.append("1" if value else "0")  # as the database casts it to text
        elif isinstance(value, datetime):
            parts.append(value.strftime("%Y%m%d%H%M"))
        else:
            parts.append(str(value))
    return "|".join(parts)


# --------------------------------------------------------------------------- maintenance


def _upsert_sql(rollup: Rollup, mysql: bool, rows: int = 1) -> str:
    table = rollup.table._meta.db_table
    columns = rollup.columns
    added = rollup.amounts
    mark = "%s" if mysql else "?"
    quote = "`" if mysql else '"'
    names = ", ".join(f"{quote}{c}{quote}" for c in columns)
    one = "(" + ", ".join([mark] * len(columns)) + ")"
    values = ", ".join([one] * rows)
    if mysql:
        update = ", ".join(f"`{c}` = `{c}` + VALUES(`{c}`)" for c in added)
        return f"INSERT INTO `{table}` ({names}) VALUES {values} ON DUPLICATE KEY UPDATE {update}"
    update = ", ".join(f'"{c}" = "{c}" + excluded."{c}"' for c in added)
    conflict = f'ON CONFLICT("cell") DO UPDATE SET {update}'
    return f'INSERT INTO "{table}" ({names}) VALUES {values} {conflict}'


def is_mysql(model: type[Model]) -> bool:
    return model._meta.db.capabilities.dialect == "mysql"


def _row_values(rollup: Rollup, key: tuple[Any, ...], amounts: Sequence[int]) -> list[Any]:
    time_field = rollup.table._meta.fields_map[rollup.time]
    start = key[1]
    stored = None
    if start is not None:
        stored = time_field.to_db_value(_bound(rollup, start), rollup.table)
    return [cell_key(key), key[0], stored, *key[2:], *amounts]


async def add_to_cells(rollup: Rollup, deltas: dict[tuple[Any, ...], list[int]]) -> None:
    """Add ``deltas`` (cell key -> amounts) to the rollup's cells: one multi-row upsert,
    its rows in key order (two changes lock common cells in the same order)."""
    changed = sorted((key for key, amounts in deltas.items() if any(amounts)), key=cell_key)
    if not changed:
        return
    values = [v for key in changed for v in _row_values(rollup, key, deltas[key])]
    sql = _upsert_sql(rollup, is_mysql(rollup.table), len(changed))
    await rollup.table._meta.db.execute_query(sql, values)


@functools.lru_cache(maxsize=64)
def _extremes_upsert_sql(rollup: Rollup, mysql: bool, rows: int) -> str:
    """The upsert of a rollup with extremes (see "Extremes" in the module doc): each row
    is a record entering a cell (``stale`` 0 in its values) or leaving it (``stale`` 1),
    its amounts signed, its values of the extreme fields given as both ``_min`` and
    ``_max``. Every assignment reads the cell as it was (MySQL assigns left to right, so
    ``stale`` and the extremes come before ``n``): the extremes follow LEAST/GREATEST of
    an entering value; a leaving value at an extreme marks the cell stale; a cell left
    empty has no extremes and is not stale."""
    table = rollup.table._meta.db_table
    columns = rollup.stored_columns
    mark = "%s" if mysql else "?"

    def name(column: str) -> str:
        return f"`{column}`" if mysql else f'"{column}"'

    def given(column: str) -> str:
        return f"VALUES(`{column}`)" if mysql else f'excluded."{column}"'

    smaller, larger = ("LEAST", "GREATEST") if mysql else ("MIN", "MAX")
    emptied = f"{name('n')} + {given('n')} <= 0"
    leaving = f"{given('stale')} = 1"
    hits = " OR ".join(
        f"({given(f + '_min')} IS NOT NULL AND ({name(f + '_min')} IS NULL"
        f" OR {given(f + '_min')} <= {name(f + '_min')}"
        f" OR {given(f + '_max')} >= {name(f + '_max')}))"
        for f in rollup.extremes
    )
    sets = [
        f"{name('stale')} = CASE WHEN {emptied} THEN 0 WHEN {leaving} AND ({hits}) THEN 1"
        f" ELSE {name('stale')} END"
    ]
    for field in rollup.extremes:
        for end, pick in (("min", smaller), ("max", larger)):
            column = f"{field}_{end}"
            sets.append(
                f"{name(column)} = CASE WHEN {emptied} THEN NULL"
                f" WHEN {leaving} OR {given(column)} IS NULL THEN {name(column)}"
                f" WHEN {name(column)} IS NULL THEN {given(column)}"
                f" ELSE {pick}({name(column)}, {given(column)}) END"
            )
    sets.append(f"{name('changes')} = {name('changes')} + 1")
    sets += [f"{name(c)} = {name(c)} + {given(c)}" for c in rollup.amounts]
    one = "(" + ", ".join([mark] * len(columns)) + ")"
    values = ", ".join([one] * rows)
    names = ", ".join(name(c) for c in columns)
    head = f"INSERT INTO {name(table)} ({names}) VALUES {values}"
    if mysql:
        return f"{head} ON DUPLICATE KEY UPDATE {', '.join(sets)}"
    return f"{head} ON CONFLICT({name('cell')}) DO UPDATE SET {', '.join(sets)}"


#: The event that asks for the extremes of cells a record left to be counted again.
EXTREMES_LEFT = "rollup.extremes_left"


async def _move_with_extremes(rollup: Rollup, before: Any, after: Any) -> None:
    """Take a record out of its old cells and put it in its new ones, for a rollup with
    extremes: one multi-row upsert (:func:`_extremes_upsert_sql`), its rows in key order,
    in a cell the record entering before it leaving (a new value that is the cell's new
    extreme then leaves it exact). When a value left a cell, an event asks for the
    cells' extremes to be counted again (:func:`repair`) if they went stale."""
    mysql = is_mysql(rollup.table)
    sides: list[dict[tuple[Any, ...], tuple[tuple[int, ...], list[int | None]]]] = [{}, {}]
    for side, row in zip(sides, (after, before), strict=True):
        if row is None or not rollup.counts(row):
            continue
        contribution = rollup.contribution(row, mysql)
        values = [
            s.value_of(lambda field, row=row: rollup.value(row, field), mysql)
            for s in rollup.extreme_sums
        ]
        for key in rollup.keys_of(row):
            side[key] = (contribution, values)
    entering, leaving = sides
    for key in [k for k in entering if leaving.get(k) == entering[k]]:
        del entering[key], leaving[key]  # the same record with the same values: no change
    rows = sorted(
        [(cell_key(key), 0, key) for key in entering] + [(cell_key(key), 1, key) for key in leaving]
    )
    if not rows:
        return
    params: list[Any] = []
    for _, left, key in rows:
        contribution, values = (leaving if left else entering)[key]
        amounts = [-a for a in contribution] if left else list(contribution)
        params += _row_values(rollup, key, amounts)
        params += [v for value in values for v in (value, value)]
        params += [left, 1]
    sql = _extremes_upsert_sql(rollup, mysql, len(rows))
    await rollup.table._meta.db.execute_query(sql, params)
    departed = [k for k, (_, values) in leaving.items() if any(v is not None for v in values)]
    if departed:
        await _ask_for_repair(rollup, sorted(cell_key(key) for key in departed))


async def _ask_for_repair(rollup: Rollup, cells: list[str]) -> None:
    """An event in the change's transaction: count these cells' extremes again when they
    went stale. Outside a transaction (a script's write) nothing is asked: readers stay
    exact, and ``rollups repair`` or a rebuild clears what is left."""
    from crm_graphql.events import NotInTransaction, emit

    with contextlib.suppress(NotInTransaction):
        await emit(EXTREMES_LEFT, entity="rollup", entity_id=rollup.name, data={"cells": cells})


async def record(model: type[Model], before: Any, after: Any) -> None:
    """Move a record's contribution from its cells before the change to its cells after
    (``before`` None: created; ``after`` None: deleted), in the running transaction."""
    for rollup in _ROLLUPS.get(model, ()):
        if rollup.extremes:
            await _move_with_extremes(rollup, before, after)
            continue
        deltas: dict[tuple[Any, ...], list[int]] = {}
        mysql = is_mysql(rollup.table)
        for row, sign in ((before, -1), (after, 1)):
            if row is None or not rollup.counts(row):
                continue
            contribution = rollup.contribution(row, mysql)
            for key in rollup.keys_of(row):
                total = deltas.setdefault(key, _empty(rollup))
                for index, amount in enumerate(contribution):
                    total[index] += sign * amount
        await add_to_cells(rollup, deltas)


@on_change
async def maintain(change: Changed) -> None:
    """Every change of a rolled-up record updates its cells (see the module doc). A
    soft-deleted record still counts, as in the views' raw path, unless the rollup
    counts only some records (``Rollup.only``)."""
    if change.entity.model in _ROLLUPS:
        await record(change.entity.model, change.before, change.after)


# --------------------------------------------------------------------------- reading

_TIME_LOOKUPS = ("gte", "lt", "isnull")
#: A calendar day's bounds: every one is a whole day.
_DATE_LOOKUPS = ("gte", "gt", "lte", "lt", "isnull")


def _covers_condition(rollup: Rollup, where: Q | None) -> bool:
    if where is None:
        return True
    for key, value in where.filters.items():
        column, _, lookup = key.partition("__")
        if column in rollup.dimensions:
            continue
        if column == rollup.time:
            lookups = _DATE_LOOKUPS if is_date(rollup) else _TIME_LOOKUPS
            if lookup not in lookups:
                return False
            if lookup != "isnull" and not on_grain(value):
                return False
            continue
        if column in ("pk", "id") and lookup == "in" and list(cast(Any, value)) == [0]:
            continue  # the always-false condition of an empty `in` list
        return False
    return all(_covers_condition(rollup, child) for child in where.children)


def _names_time(rollup: Rollup, where: Q | None) -> bool:
    if where is None:
        return False
    if any(key.partition("__")[0] == rollup.time for key in where.filters):
        return True
    return any(_names_time(rollup, child) for child in where.children)


def _split_range(rollup: Rollup, where: Q) -> tuple[Q, list[datetime], list[datetime]] | None:
    """``where`` without its range conditions on the time column, and their bounds
    (``>=`` and ``<``): None when a range condition is under an OR or a NOT."""
    parts = len(where.children) + len(where.filters)
    if where._is_negated or (where.join_type == Q.OR and parts > 1):
        return (where, [], []) if not _names_time(rollup, where) else None
    lows: list[datetime] = []
    highs: list[datetime] = []
    kept: dict[str, Any] = {}
    for key, value in where.filters.items():
        column, _, lookup = key.partition("__")
        if column == rollup.time and lookup in ("gte", "gt"):
            after = timedelta(days=1) if lookup == "gt" else timedelta(0)
            lows.append(utc(cast(datetime, value)) + after)
        elif column == rollup.time and lookup in ("lt", "lte"):
            after = timedelta(days=1) if lookup == "lte" else timedelta(0)
            highs.append(utc(cast(datetime, value)) + after)
        else:
            kept[key] = value
    children = []
    for child in where.children:
        split = _split_range(rollup, child)
        if split is None:
            return None
        children.append(split[0])
        lows += split[1]
        highs += split[2]
    rest = Q(*children, Q(**kept)) if kept else Q(*children)
    return rest, lows, highs


def _days(start: datetime, end: datetime) -> Iterable[datetime]:
    day = start
    while day < end:
        yield day
        day += timedelta(days=1)


@functools.lru_cache(maxsize=256)
def _shift_ends(shifts: tuple[Any, ...]) -> tuple[list[datetime], list[int]]:
    ends = [shift.end for shift in shifts[:-1]]
    return ends, [int(shift.seconds) for shift in shifts]


def _period_of(dimension: Dimension, instant: datetime) -> Any:
    from crm_graphql.api.aggregation.periods import period_start

    assert dimension.granularity is not None
    offset = 0
    if dimension.shifts:
        ends, seconds = _shift_ends(dimension.shifts)
        offset = seconds[bisect.bisect_right(ends, instant)]
    local = instant + timedelta(seconds=offset)
    return period_start(local.date(), dimension.granularity)


def _ranges_q(rollup: Rollup, grain: int, ranges: list[tuple[datetime, datetime]]) -> Q:
    if not ranges:
        return NOTHING
    # The stretches as ranges of the cell key (grain|start|...), the primary key: each is
    # one range of the clustered index, read without a lookup per cell. The key's start
    # has a fixed width, so the range holds exactly the cells from start to end (a cell
    # without a time, `grain|~|...`, sorts after every start); no second condition on
    # the time column is needed, and the statement is built and evaluated with half.
    parts = [
        Q(cell__gte=cell_key((grain, start)), cell__lt=cell_key((grain, end)))
        for start, end in ranges
    ]
    return Q(Q(grain=grain), Q(*parts, join_type=Q.OR))


def _add(ranges: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> None:
    if start >= end:
        return
    if ranges and ranges[-1][1] == start:
        ranges[-1] = (ranges[-1][0], end)
    else:
        ranges.append((start, end))


def _merged(ranges: Ranges) -> Ranges:
    """``ranges`` in order, adjacent ones joined."""
    found: Ranges = []
    for start, end in sorted(ranges):
        _add(found, start, end)
    return found


def next_month(start: datetime) -> datetime:
    return (start + timedelta(days=32)).replace(day=1)


#: A host cell (see :class:`_Cover`) counts in the local period of this instant after its
#: start: the middle of a month or of a day, in the period most of it lies in.
ANCHOR = {MONTH: timedelta(days=14), DAY: timedelta(hours=12)}
#: A cell is read as a host when less than this much of it lies outside that period.
HOST_LIMIT = {MONTH: timedelta(days=1), DAY: timedelta(hours=12)}


class _Segments:
    """The stretches of ``start``..``end`` that lie in one local period of every period
    key, in order (one stretch without period keys)."""

    def __init__(self, periods: Sequence[Dimension], start: datetime, end: datetime) -> None:
        from crm_graphql.api.aggregation.periods import local_boundaries

        points = {start}
        for dimension in periods:
            assert dimension.granularity is not None
            points.update(local_boundaries(dimension.granularity, dimension.shifts, start, end))
        starts: list[datetime] = []
        last: tuple[Any, ...] | None = None
        for point in sorted(points):
            key = tuple(_period_of(d, point) for d in periods)
            if key != last:
                starts.append(point)
                last = key
        self.starts = starts
        self.ends = [*starts[1:], end]

    def around(self, instant: datetime) -> tuple[datetime, datetime]:
        """The stretch that ``instant`` (in the range) lies in."""
        index = bisect.bisect_right(self.starts, instant) - 1
        return self.starts[index], self.ends[index]

    def whole(self, start: datetime, end: datetime) -> bool:
        """Whether ``start``..``end`` (starting in the range) lies in one stretch."""
        return end <= self.around(start)[1]


Ranges = list[tuple[datetime, datetime]]


@dataclass
class _Cover:
    """Cells whose signed sum holds every record of a range exactly once, each under the
    local period it belongs to.

    ``own`` cells lie whole in the range and in one local period: each counts in the
    period of its start. A *host* (a month or a day that lies mostly in one local period
    and mostly in the range) counts whole in the period of its anchor (its start plus
    :data:`ANCHOR`); the quarter hours of it outside that period or outside the range
    are taken out again and, where they lie in the range, counted in their own period
    among ``own``. What is taken out lies at the start or the end of its host and is
    shorter than the part the host keeps, so ``less`` groups it by the shift that lands
    each of its instants in the kept part (plus the anchor's distance at the start, minus
    it at the end): each quarter hour there counts -1 in the period of its time plus
    that shift. A local month in Berlin is so the UTC month plus the quarter hours
    before it that begin the local month, minus those at its end that belong to the
    next one.
    """

    own: dict[int, Ranges] = dataclass_field(default_factory=lambda: {g: [] for g in GRAINS})
    hosts: dict[int, Ranges] = dataclass_field(default_factory=lambda: {MONTH: [], DAY: []})
    less: dict[timedelta, Ranges] = dataclass_field(default_factory=dict)
    #: The grains whose cells may serve as hosts (extremes: months only, of which at most
    #: a day is taken out; see ``Plan._edge_extremes``).
    host_grains: tuple[int, ...] = (MONTH, DAY)

    def read(
        self,
        segments: _Segments,
        grain: int,
        cell: tuple[datetime, datetime],
        within: tuple[datetime, datetime],
    ) -> bool:
        """Read the cell of ``grain`` from ``cell[0]`` to ``cell[1]`` for the records of
        ``within``: whole, or as a host; False when neither serves."""
        begin, finish = cell
        start, end = within
        if start <= begin and finish <= end and segments.whole(begin, finish):
            _add(self.own[grain], begin, finish)
            return True
        if grain not in self.host_grains:
            return False
        anchor = begin + ANCHOR[grain]
        if not start <= anchor < end:
            return False
        low, high = segments.around(anchor)
        kept_start, kept_end = max(low, begin), min(high, finish)
        if (finish - begin) - (kept_end - kept_start) >= HOST_LIMIT[grain]:
            return False
        _add(self.hosts[grain], begin, finish)
        # Less than HOST_LIMIT is taken out, and the kept part is longer than ANCHOR:
        # a time taken out plus (at the start) or minus (at the end) ANCHOR is kept.
        if begin < kept_start:
            _add(self.less.setdefault(ANCHOR[grain], []), begin, kept_start)
            _add(self.own[QUARTER], max(begin, start), min(kept_start, end))
        if kept_end < finish:
            _add(self.less.setdefault(-ANCHOR[grain], []), kept_end, finish)
            _add(self.own[QUARTER], max(kept_end, start), min(finish, end))
        return True


def _cover(
    periods: Sequence[Dimension],
    start: datetime,
    end: datetime,
    host_grains: tuple[int, ...] = (MONTH, DAY),
) -> _Cover:
    """The cells that hold the records from ``start`` to ``end`` (see :class:`_Cover`):
    per UTC month, the month if it serves, else per day the day if it serves, else the
    day's quarter hours; hosts of ``host_grains`` only."""
    segments = _Segments(periods, start, end)
    cover = _Cover(host_grains=host_grains)
    month = start.replace(day=1, hour=0, minute=0)
    while month < end:
        after_month = next_month(month)
        if not cover.read(segments, MONTH, (month, after_month), (start, end)):
            low, high = max(month, start), min(after_month, end)
            for day in _days(low.replace(hour=0, minute=0), high):
                after = day + timedelta(days=1)
                if not cover.read(segments, DAY, (day, after), (low, high)):
                    _add(cover.own[QUARTER], max(day, low), min(after, high))
        month = after_month
    return cover


def _own_condition(rollup: Rollup, cover: _Cover) -> Q:
    found = [_ranges_q(rollup, grain, cover.own[grain]) for grain in GRAINS if cover.own[grain]]
    return Q(*found, join_type=Q.OR) if found else NOTHING


def _with_offset(dimensions: Sequence[Dimension], delta: timedelta) -> list[Dimension]:
    """``dimensions`` with each period read as the local period of the time plus ``delta``."""
    from crm_graphql.api.aggregation.core import Dimension
    from crm_graphql.api.aggregation.periods import displaced

    return [
        d
        if d.granularity is None or not delta
        else Dimension(d.alias, d.field, d.granularity, displaced(d.shifts, delta))
        for d in dimensions
    ]


#: How far before and after a range the cells read may start (a month host; see
#: :func:`_clipped`).
_MARGIN = timedelta(days=32)


def _clipped(dimensions: Sequence[Dimension], low: datetime, high: datetime) -> list[Dimension]:
    """``dimensions`` with each period's offsets only those in force from ``low`` to
    ``high`` (the first and the last open-ended): the same period for every instant
    between them, with fewer intervals to test."""
    from crm_graphql.api.aggregation.core import Dimension

    found = []
    for dimension in dimensions:
        shifts = [
            shift
            for shift in dimension.shifts
            if (shift.end is None or shift.end > low)
            and (shift.start is None or shift.start < high)
        ]
        if dimension.granularity is None or not shifts or len(shifts) == len(dimension.shifts):
            found.append(dimension)
            continue
        shifts[0] = dataclasses.replace(shifts[0], start=None)
        shifts[-1] = dataclasses.replace(shifts[-1], end=None)
        found.append(
            Dimension(dimension.alias, dimension.field, dimension.granularity, tuple(shifts))
        )
    return found


def _covers_dimension(rollup: Rollup, dimension: Dimension) -> bool:
    if dimension.granularity is None:
        return dimension.field in rollup.dimensions
    if dimension.field != rollup.time:
        return False
    for shift in dimension.shifts:
        if shift.seconds % QUARTER:
            return False
        if shift.end is not None and not on_grain(shift.end):
            return False
        if shift.start is not None and not on_grain(shift.start):
            return False
    return True


@dataclass
class _Read:
    """How one measure of the raw path is read from the cells."""

    measure: Measure
    #: "count", "sum", "money", "weighted", "avg", "money_avg", "days", and for extremes
    #: "extreme" or "money_min"/"money_max"
    kind: str
    present: Measure | None = None
    #: An extreme's measure of the raw path (its records answer for stale cells).
    original: Measure | None = None

    @property
    def extreme(self) -> bool:
        return self.original is not None


def _read_of(rollup: Rollup, measure: Measure) -> _Read | None:
    from crm_graphql.api.aggregation.core import Measure

    if not _covers_condition(rollup, measure.where) or _names_time(rollup, measure.where):
        return None
    if measure.function == "count" and measure.field in (None, "id"):
        replaced = Measure(measure.alias, "sum", "n", where=measure.where)
        return _Read(replaced, "count")
    if measure.function in ("min", "max"):
        extreme = rollup.sum_of(measure.field) if measure.field in rollup.extremes else None
        if extreme is None or extreme.money != measure.money:
            return None
        # Stale cells give no extreme here; their records answer (Plan.run).
        fresh = Q(stale=0) if measure.where is None else Q(measure.where, Q(stale=0))
        column = f"{measure.field}_{measure.function}"
        replaced = Measure(measure.alias, measure.function, column, where=fresh)
        kind = f"money_{measure.function}" if measure.money else "extreme"
        return _Read(replaced, kind, None, measure)
    if measure.function == "count" and measure.field is not None:
        # The values given of a summed field: its present column.
        counted = rollup.sum_of(measure.field)
        if counted is None:
            return None
        return _Read(Measure(measure.alias, "sum", counted.present, where=measure.where), "count")
    summed: RollupSum | None = None
    if measure.function == "avg_days" and measure.field and measure.until:
        summed = rollup.duration_of(measure.field, measure.until)
        kind = "days"
    elif measure.function in ("sum", "avg") and measure.field is not None:
        summed = rollup.sum_of(measure.field, measure.weight)
        if summed is not None and summed.money != measure.money:
            summed = None
        if measure.function == "avg":
            kind = "money_avg" if measure.money else "avg"
        else:
            kind = "weighted" if measure.weight else "money" if measure.money else "sum"
        if measure.function == "avg" and measure.weight is not None:
            summed = None
    if summed is None:
        return None
    replaced = Measure(measure.alias, "sum", summed.column, where=measure.where)
    present = Measure(f"{measure.alias}__present", "sum", summed.present, where=measure.where)
    return _Read(replaced, kind, present)


@dataclass
class Plan:
    """An aggregate answered from a rollup's cells."""

    rollup: Rollup
    where: Q
    dimensions: list[Dimension]
    reads: list[_Read]
    #: The conditions of the day and month cells that :meth:`parts` reads with a positive
    #: sign, one per grain (set by :meth:`parts`; see :meth:`_leading_bound`).
    bulk: list[Q] = dataclass_field(default_factory=list)
    #: The query's condition on the records (with the rollup's ``only``): the records of
    #: stale cells answer their extremes under it.
    records: Q | None = None
    #: What the statement of :meth:`parts` is built from (set by it; see
    #: ``core.key_of_parts``), None when it cannot be keyed.
    parts_key: Any = None
    #: The stretch of time the cells of :meth:`parts` hold (set by it; None: the records
    #: without a time, or a range under OR/NOT).
    span: tuple[datetime, datetime] | None = None
    _spanned: bool = False

    @property
    def extremes(self) -> list[_Read]:
        """The minimums and maximums read."""
        return [read for read in self.reads if read.extreme]

    async def parts(self) -> list[Part]:
        """The signed parts of the cells to add up (see :class:`_Cover`): the cells read
        with their own period, then the hosts, then what is taken out of them.

        Kept for later plans of the same question (:data:`_PARTS`) when they do not depend
        on the cells stored (a range with both ends): a dashboard asks the same question
        again and again, and working out the cover (hundreds of quarter-hour ranges for a
        year in a :45 zone) and keying the statement built from it cost more than reading
        the cells."""
        from crm_graphql.api.aggregation.core import key_of_parts, question_key

        key = question_key(
            ("rollup parts", self.rollup.name, repr(self.dimensions), bool(self.extremes)),
            self.where,
        )
        kept = _PARTS.get(key) if key is not None else None
        if kept is None:
            self._spanned = False
            self.span = None
            parts = await self._parts()
            kept = (parts, list(self.bulk), key_of_parts(parts), self.span)
            if key is not None and not self._spanned:
                if len(_PARTS) >= _PARTS_KEPT:
                    del _PARTS[next(iter(_PARTS))]
                _PARTS[key] = kept
        parts, bulk, self.parts_key, self.span = kept
        self.bulk = list(bulk)
        return parts

    async def _parts(self) -> list[Part]:
        from crm_graphql.api.aggregation.core import Part

        rollup = self.rollup
        live = Q(n__gt=0)  # cells emptied by deletions stay with n = 0: they make no group
        split = _split_range(rollup, self.where)
        if split is None:
            # A range under OR/NOT: quarter hours only (their bounds are on the grain).
            return [Part(self.where & Q(grain=QUARTER) & live, 1, self.dimensions)]
        rest, lows, highs = split
        # The bulk conditions leave emptied cells in: an index on the key then answers them
        # alone (a value too many only makes the bound lower).
        bare = rest
        rest &= live
        periods = [d for d in self.dimensions if d.granularity is not None]
        start = max(lows) if lows else None
        end = min(highs) if highs else None
        if start is None and end is None and not periods:
            # Every month, and the records without a time.
            self.bulk = [bare & Q(grain=MONTH)]
            return [Part(rest & Q(grain=MONTH), 1, self.dimensions)]
        if start is None or end is None:
            self._spanned = True  # depends on the cells stored: not kept
            span = await _stored_span(rollup)
            if span is None:
                self.bulk = [bare & Q(grain=MONTH)]
                return [Part(rest & Q(grain=MONTH), 1, self.dimensions)]
            start = start if start is not None else span[0]
            end = end if end is not None else span[1]
        self.span = (start, end)
        # Extremes: month hosts only. A day host may have half of it taken out, and each
        # group whose extreme lies there is read from its records.
        grains = (MONTH,) if self.extremes else (MONTH, DAY)
        cover = _cover(periods, start, end, grains) if start < end else _Cover()
        # Every cell read starts within a month of the range: the offsets of other years
        # (a range open at one end spans them up to 2100) need not be tested per cell.
        dimensions = _clipped(self.dimensions, start - _MARGIN, end + _MARGIN)
        for grain, hosts in cover.hosts.items():
            if hosts and cover.own[grain]:
                # An own cell lies whole in one local period: the period of its anchor is
                # its own. Read with the hosts, the days of a week (six own, a Sunday
                # host) are one range instead of one range each.
                cover.hosts[grain] = _merged([*hosts, *cover.own[grain]])
                cover.own[grain] = []
        own = _own_condition(rollup, cover)
        if not lows and not highs:
            untimed = Q(Q(grain=MONTH), lookup_q(f"{rollup.time}__isnull", True))
            own = Q(own, untimed, join_type=Q.OR)
        found = [Part(rest & own, 1, dimensions)]
        self.bulk = [
            bare & _ranges_q(rollup, grain, ranges)
            for grain in (MONTH, DAY)
            for ranges in (cover.own[grain], cover.hosts[grain])
            if ranges
        ]
        for grain, hosts in cover.hosts.items():
            if hosts:
                anchored = _with_offset(dimensions, ANCHOR[grain])
                found.append(Part(rest & _ranges_q(rollup, grain, hosts), 1, anchored))
        for delta, taken in cover.less.items():
            shifted = _with_offset(dimensions, delta)
            found.append(Part(rest & _ranges_q(rollup, QUARTER, taken), -1, shifted))
        return found

    async def statement(self) -> tuple[str, tuple[Any, ...]]:
        """The plan's cells added up per group as one statement, for an enclosing
        statement to read (no order, no decoding): a column ``d_<alias>`` per dimension
        and ``m_<alias>`` per measure, the plain sum of the cells (a count; or a sum,
        NULL or 0 when no value was given). Not for extremes."""
        from crm_graphql.api.aggregation.core import parts_statement

        if self.extremes:
            raise ValueError("extremes are read by Plan.run")
        measures = [read.measure for read in self.reads]
        parts = await self.parts()
        return parts_statement(
            self.rollup.table,
            parts,
            measures,
            rows_column="n",
            ordered=False,
            parts_key=self.parts_key,
        )

    def orders_by_extreme(self, order_by: Sequence[str]) -> bool:
        """Whether the groups are ranked by a minimum or maximum (stale cells could move
        a group across the limit: the rows answer such a ranking)."""
        names = {read.measure.alias for read in self.extremes}
        return any(name.lstrip("-") in names for name in order_by)

    async def run(self, order_by: Sequence[str], limit: int | None) -> list[dict[str, Any]]:
        """The groups, as :func:`~.core.aggregate_rows` gives them from the records. With
        extremes, the cells and the records of the stale ones are read in one transaction
        (one snapshot on MySQL/MariaDB; SQLite: the one connection's transaction)."""
        if not self.extremes:
            return await self._run(order_by, limit)
        from tortoise.transactions import in_transaction

        async with in_transaction(self.rollup.table._meta.default_connection):
            return await self._run(order_by, limit)

    async def _run(self, order_by: Sequence[str], limit: int | None) -> list[dict[str, Any]]:
        from crm_graphql.api.aggregation.core import (
            Measure,
            Part,
            aggregate_parts,
            aggregate_rows,
            average,
            average_days,
            money_average,
        )

        parts = await self.parts()
        measures = [r.measure for r in self.reads]
        measures += [r.present for r in self.reads if r.present is not None]
        edges = any(part.sign == -1 for part in parts)
        if self.extremes:
            # Whether a group has a stale cell among those counted once (a stale cell taken
            # out of a host still bounds the values taken out: see _edge_extremes).
            measures.append(Measure(_STALE, "max", "stale"))
            if edges:
                # The extremes of what is taken out of each group's hosts.
                measures += [
                    Measure(
                        f"{read.measure.alias}{_EDGE}",
                        read.measure.function,
                        read.measure.field,
                        taken_out=True,
                    )
                    for read in self.extremes
                ]

        async def grouped(parts: list[Part], key: Any) -> list[dict[str, Any]]:
            if len(parts) == 1:
                return await aggregate_rows(
                    self.rollup.table,
                    parts[0].where,
                    parts[0].dimensions,
                    measures,
                    order_by=order_by,
                    limit=limit,
                )
            return await aggregate_parts(
                self.rollup.table,
                parts,
                measures,
                rows_column="n",
                order_by=order_by,
                limit=limit,
                parts_key=key,
            )

        rows: list[dict[str, Any]] | None = None
        if not order_by and limit is not None:
            upto = await self._leading_bound(limit)
            if upto is not None:
                bounded = [Part(p.where & upto, p.sign, p.dimensions) for p in parts]
                rows = await grouped(bounded, None)
                # The groups up to the bound come first: with `limit` of them, they are the
                # answer; with fewer (groups emptied by what is taken out), read them all.
                if len(rows) < limit:
                    rows = None
                else:
                    parts = bounded
        if rows is None:
            rows = await grouped(parts, self.parts_key)
        for row in rows:
            for read in self.reads:
                alias = read.measure.alias
                if read.kind == "count":
                    row[alias] = row[alias] or 0
                    continue
                if read.extreme:
                    row[alias] = _extreme_value(read, row[alias])
                    if edges:
                        row[f"{alias}{_EDGE}"] = _extreme_value(read, row[f"{alias}{_EDGE}"])
                    continue
                present = row.pop(f"{alias}__present")
                if not present:
                    row[alias] = None
                elif read.kind == "money":
                    row[alias] = (Decimal(row[alias]) / 100).quantize(Decimal("0.01"))
                elif read.kind == "weighted":  # cent-percents, as the rows' weighted sum
                    row[alias] = (Decimal(int(row[alias])) / 10000).quantize(
                        Decimal("0.01"), ROUND_HALF_UP
                    )
                elif read.kind == "days":
                    row[alias] = average_days(row[alias], present)
                elif read.kind == "avg":
                    row[alias] = average(row[alias], present)
                elif read.kind == "money_avg":
                    row[alias] = money_average(Decimal(int(row[alias])) / 100, present)
        if self.extremes:
            await self._stale_extremes(rows, parts)
            if edges:
                await self._edge_extremes(rows, parts)
        return rows

    async def _stale_extremes(self, rows: list[dict[str, Any]], parts: Sequence[Part]) -> None:
        """The extremes of the groups with stale cells: those cells (one statement) and
        their records' extremes per group (one more), combined with the fresh cells'."""
        from crm_graphql.api.aggregation.core import aggregate_rows

        stale = [row.pop(_STALE) for row in rows]
        if not any(stale):
            return
        rollup = self.rollup
        counted = [p.where for p in parts if p.sign == 1]
        read = Q(*counted, join_type=Q.OR) & Q(stale=1)
        cells = await rollup.table.filter(read).values("grain", rollup.time, *rollup.dimensions)
        records = Q(*[_records_of(rollup, cell) for cell in cells], join_type=Q.OR)
        if self.records is not None:
            records = Q(self.records, records)
        originals = [cast("Measure", r.original) for r in self.extremes]
        found = await aggregate_rows(rollup.source, records, self.dimensions, originals)
        by_group = {tuple(row[d.alias] for d in self.dimensions): row for row in found}
        for row in rows:
            other = by_group.get(tuple(row[d.alias] for d in self.dimensions))
            if other is None:
                continue
            for extreme in self.extremes:
                alias = extreme.measure.alias
                values = [v for v in (row[alias], other[alias]) if v is not None]
                pick = min if extreme.measure.function == "min" else max
                row[alias] = pick(values) if values else None

    async def _edge_extremes(self, rows: list[dict[str, Any]], parts: Sequence[Part]) -> None:
        """The extremes of the groups that the hosts may not give exactly, from their
        records (one statement, only when there are any).

        A host (a month read for the local period it mostly lies in) holds records of
        other periods or outside the range too: they are taken out of its counts and
        sums, but not out of its minimum. A group's minimum ``c`` from its cells (and the
        records of its stale ones) is still exact when every value taken out of its
        hosts is larger (``_EDGE``: their smallest, a bound where their cell is stale):
        no host's minimum then lies in what it does not count, and nothing the group
        counts is smaller than its hosts' minimums. Otherwise (a tie, or the group's
        minimum in the hours at a host's edge: about as often as those hours hold it)
        the group's records answer, under the query's condition, within its local
        periods: in the same read transaction as the cells. The same holds for
        maximums, the other way round."""
        from crm_graphql.api.aggregation.core import is_mysql

        doubtful = []
        for row in rows:
            edges = [(read, row.pop(f"{read.measure.alias}{_EDGE}")) for read in self.extremes]
            for read, edge in edges:
                found = row[read.measure.alias]
                if edge is None or found is None:
                    continue
                if edge <= found if read.measure.function == "min" else edge >= found:
                    doubtful.append(row)
                    break
        if not doubtful:
            return
        assert self.span is not None  # hosts are read for a stretch of time only
        if len(doubtful) > _GROUPS_APART:
            await self._records_grouped(doubtful)
            return
        # One SELECT per group, without grouping: an index on the keys and the time
        # gives each group's extremes from its own entries only.
        rollup = self.rollup
        stretches = self._stretches()
        originals = [cast("Measure", r.original) for r in self.extremes]
        selects: list[str] = []
        params: list[Any] = []
        for index, row in enumerate(doubtful):
            condition = Q(self._group_records(row, stretches))
            if self.records is not None:
                condition = Q(self.records, condition)
            annotations: dict[str, Any] = {f"m_{m.alias}": m.expression() for m in originals}
            annotations["g_index"] = RawSQL(str(index))
            query = rollup.source.filter(condition).annotate(**annotations).values(*annotations)
            query._choose_db_if_not_chosen()
            query._make_query()
            text, found = query.query.get_parameterized_sql()
            selects.append(f"SELECT * FROM ({text}) AS g{index}")
            params += found
        db = rollup.source._meta.db
        mysql = is_mysql(rollup.source)
        for found_row in (await db.execute_query(" UNION ALL ".join(selects), params))[1]:
            values = dict(found_row)
            row = doubtful[int(values["g_index"])]
            for extreme, original in zip(self.extremes, originals, strict=True):
                row[extreme.measure.alias] = original.decode(values[f"m_{original.alias}"], mysql)

    async def _records_grouped(self, doubtful: list[dict[str, Any]]) -> None:
        """The extremes of many groups from their records: one grouped statement."""
        from crm_graphql.api.aggregation.core import aggregate_rows

        stretches = self._stretches()
        records = Q(*[self._group_records(row, stretches) for row in doubtful], join_type=Q.OR)
        if self.records is not None:
            records = Q(self.records, records)
        originals = [cast("Measure", r.original) for r in self.extremes]
        found = await aggregate_rows(self.rollup.source, records, self.dimensions, originals)
        by_group = {tuple(row[d.alias] for d in self.dimensions): row for row in found}
        for row in doubtful:
            other = by_group.get(tuple(row[d.alias] for d in self.dimensions), {})
            for extreme in self.extremes:
                row[extreme.measure.alias] = other.get(extreme.measure.alias)

    def _stretches(self) -> dict[tuple[Any, ...], Ranges]:
        """The stretches of the range per key of the local periods (one, the whole
        range, without period keys)."""
        assert self.span is not None
        start, end = self.span
        periods = [d for d in self.dimensions if d.granularity is not None]
        segments = _Segments(periods, start, end)
        found: dict[tuple[Any, ...], Ranges] = {}
        for begin, finish in zip(segments.starts, segments.ends, strict=True):
            key = tuple(_period_of(d, begin) for d in periods)
            _add(found.setdefault(key, []), begin, finish)
        return found

    def _group_records(self, row: dict[str, Any], stretches: dict[tuple[Any, ...], Ranges]) -> Q:
        """The condition on the source's records of one group (the query's condition
        aside): its keys, and the time in the stretches of its local periods."""
        rollup = self.rollup
        found = []
        key = []
        for dimension in self.dimensions:
            value = row[dimension.alias]
            if dimension.granularity is not None:
                key.append(value)
            elif value is None:
                found.append(lookup_q(f"{dimension.field}__isnull", True))
            else:
                found.append(Q(**{dimension.field: plain_value(value)}))
        if any(value is None for value in key):
            found.append(lookup_q(f"{rollup.time}__isnull", True))
        else:
            ranges = stretches.get(tuple(key), [])
            times = [_between(rollup, begin, finish) for begin, finish in ranges]
            found.append(Q(*times, join_type=Q.OR) if times else Q(pk__in=[0]))
        return Q(*found)

    async def _leading_bound(self, limit: int) -> Q | None:
        """A condition on the first group key that keeps the first ``limit`` groups of the
        answer, when that key is a dimension the rollup ranks (an index on ``grain`` and
        it): the key at most its value in the ``limit``-th combination of the plain keys
        (NULL first, as the groups are ordered) in the day and month cells read. Each is
        read down that index and stops after ``limit`` combinations, so that the groups
        are summed for those values only, however many others there are. Every group
        holds a combination of its own, so the bound keeps ``limit`` groups unless some
        are emptied by what is taken out. None: no bound (fewer combinations)."""
        if not self.dimensions or self.dimensions[0].granularity is not None or not self.bulk:
            return None
        column = self.dimensions[0].field
        if not _ranks(self.rollup, column):
            return None
        keys = [d.field for d in self.dimensions if d.granularity is None]
        table = self.rollup.table
        quote = "`" if is_mysql(table) else '"'
        names = ", ".join(f"{quote}{key}{quote}" for key in keys)
        selects: list[str] = []
        params: list[Any] = []
        for index, condition in enumerate(self.bulk):
            query = table.filter(condition).distinct().order_by(*keys).limit(limit).values(*keys)
            query._choose_db_if_not_chosen()
            query._make_query()
            text, found = query.query.get_parameterized_sql()
            selects.append(f"SELECT {names} FROM ({text}) AS b{index}")
            params += found
        rows = (await table._meta.db.execute_query(" UNION ALL ".join(selects), params))[1]
        combinations = {tuple(dict(row)[key] for key in keys) for row in rows}
        if len(combinations) < limit:
            return None
        ordered = sorted(combinations, key=lambda c: tuple((v is not None, v) for v in c))
        bound = ordered[limit - 1][0]
        unknown = lookup_q(f"{column}__isnull", True)
        if bound is None:
            return unknown
        return Q(unknown, lookup_q(f"{column}__lte", bound), join_type=Q.OR)


#: The alias of the count of stale cells per group (plans with extremes).
_STALE = "stale__cells"
#: The suffix of the alias of an extreme of what is taken out of a group's hosts.
_EDGE = "__edge"
#: Up to this many groups' extremes are read from their records by a SELECT each (an
#: index range each, no grouping); more by one grouped statement (SQLite takes at most
#: 500 SELECTs in a UNION).
_GROUPS_APART = 100


def _extreme_value(read: _Read, value: Any) -> Any:
    """An extreme read from the cells as the records give it (money from cents)."""
    if value is None:
        return None
    if read.kind.startswith("money"):
        return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))
    return int(value)


#: The parts of questions asked before (see :meth:`Plan.parts`): question -> the parts,
#: the bulk conditions and the parts' key (oldest first).
_PARTS: dict[Any, tuple[list[Part], list[Q], Any, tuple[datetime, datetime] | None]] = {}
_PARTS_KEPT = 256


def _cell_end(grain: int, start: datetime) -> datetime:
    if grain == MONTH:
        return next_month(start)
    return start + timedelta(seconds=grain)


def _records_of(rollup: Rollup, cell: dict[str, Any]) -> Q:
    """The condition on the source's records that a cell counts (its time stretch and
    dimension values; ``only`` is the caller's)."""
    start = cell[rollup.time]
    if start is None:
        time = lookup_q(f"{rollup.time}__isnull", True)
    else:
        begin = utc(start)
        time = _between(rollup, begin, _cell_end(cell["grain"], begin))
    values = [
        lookup_q(f"{d}__isnull", True) if cell[d] is None else Q(**{d: cell[d]})
        for d in rollup.dimensions
    ]
    return Q(time, *values)


def _ranks(rollup: Rollup, column: str) -> bool:
    """Whether the rollup's table has an index on ``grain`` then ``column``."""
    return any(
        isinstance(index, tuple) and index[:2] == ("grain", column)
        for index in rollup.table._meta.indexes
    )


async def _stored_span(rollup: Rollup) -> tuple[datetime, datetime] | None:
    """The first day and the day after the last one that have cells."""
    from tortoise.functions import Max, Min

    # MIN and MAX skip NULLs; without a condition on the time they are read from the ends
    # of the (grain, time) index instead of from every day cell.
    found = (
        await rollup.table.filter(grain=DAY)
        .annotate(first=Min(rollup.time), last=Max(rollup.time))
        .values("first", "last")
    )
    if not found or found[0]["first"] is None:
        return None
    return utc(found[0]["first"]), utc(found[0]["last"]) + timedelta(days=1)


def _without(where: Q, only: Q) -> Q | None:
    """``where`` without the conditions of ``only``, when ``where`` requires all of them
    (each stands in an AND reached from the top); None otherwise."""
    if only.children or only._is_negated:
        return None
    missing = dict(only.filters)
    rest = _strip(where, missing)
    return None if missing else rest


def _strip(where: Q, missing: dict[str, Any]) -> Q:
    """``where`` without the conditions of ``missing`` found in its AND parts (each found
    is removed from ``missing``)."""
    parts = len(where.children) + len(where.filters)
    if where._is_negated or (where.join_type == Q.OR and parts > 1):
        return where
    kept: dict[str, Any] = {}
    for key, value in where.filters.items():
        if key in missing and missing[key] == value:
            del missing[key]
        else:
            kept[key] = value
    children = [_strip(child, missing) for child in where.children]
    return Q(*children, Q(**kept)) if kept else Q(*children)


def plan(
    model: type[Model], where: Q, dimensions: Sequence[Dimension], measures: Sequence[Measure]
) -> Plan | None:
    """A rollup that gives exactly the answer of the raw rows, if one does (the first
    declared that covers the query: narrow rollups are declared first)."""
    if not rollup_reads.get():
        return None
    for rollup in _ROLLUPS.get(model, ()):
        served = where if rollup.only is None else _without(where, rollup.only)
        if served is None or not _covers_condition(rollup, served):
            continue
        if not all(_covers_dimension(rollup, d) for d in dimensions):
            continue
        reads = [_read_of(rollup, m) for m in measures]
        if any(r is None for r in reads):
            continue
        found = Plan(rollup, served, list(dimensions), [r for r in reads if r is not None])
        found.records = where
        return found
    return None


def plan_of(
    rollup: Rollup, where: Q, dimensions: Sequence[Dimension], measures: Sequence[Measure]
) -> Plan:
    """The plan that reads ``rollup`` for a query it covers (the caller knows it does:
    ``where`` names the time on quarter hours and dimensions, the measures are counts and
    sums of its summed fields)."""
    reads = [_read_of(rollup, m) for m in measures]
    if any(r is None for r in reads) or not _covers_condition(rollup, where):
        raise ValueError(f"the rollup {rollup.name} does not cover the query")
    found = Plan(rollup, where, list(dimensions), [r for r in reads if r is not None])
    found.records = where if rollup.only is None else Q(where, rollup.only)
    return found


def note_path(path: str) -> None:
    """Remember which path served an aggregate of the running request."""
    paths = served_paths.get()
    if paths is not None:
        paths.append(path)


# --------------------------------------------------------------------------- rebuild, verify


@dataclass(frozen=True)
class Difference:
    """A cell whose stored amounts differ from those counted from the records (and its
    extremes, unless it is stale)."""

    rollup: str
    cell: str
    stored: tuple[int | None, ...]
    counted: tuple[int | None, ...]


def _empty(rollup: Rollup) -> list[int]:
    return [0] * (1 + 2 * len(rollup.sums))


def month_ranges(first: datetime, last: datetime) -> Iterable[tuple[datetime, datetime]]:
    start = first.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while start <= last:
        end = (start + timedelta(days=32)).replace(day=1)
        yield start, end
        start = end


async def _time_span(rollup: Rollup) -> tuple[datetime, datetime] | None:
    from tortoise.functions import Max, Min

    found = (
        await rollup.source.filter(lookup_q(f"{rollup.time}__isnull", False))
        .annotate(first=Min(rollup.time), last=Max(rollup.time))
        .values("first", "last")
    )
    if not found or found[0]["first"] is None:
        return None
    return quarter_hour(found[0]["first"]), quarter_hour(found[0]["last"])  # type: ignore[return-value]


async def _batches(rollup: Rollup, *, stale: Sequence[Rollup] = ()) -> list[Batch]:
    """The rebuild's batches: one calendar month (UTC) of the time column each, and the
    records without a time. The months that hold cells of ``stale`` rollups also count
    (cells of times no record has any more, moved behind the API's back), so that they
    are emptied under the same locks as every other month."""
    batches = [Batch()]
    spans = [await _time_span(rollup)]
    for other in stale:
        stored = await _stored_span(other)
        if stored is not None:
            spans.append((stored[0], stored[1] - timedelta(minutes=15)))
    known = [span for span in spans if span is not None]
    if known:
        first = min(span[0] for span in known)
        last = max(span[1] for span in known)
        batches += [Batch(start, end) for start, end in month_ranges(first, last)]
    return batches


async def _within_batches(rollup: Rollup) -> Q:
    """The cells of the rebuild's batches: the months of the records' span and no time."""
    known = lookup_q(f"{rollup.time}__isnull", True)
    span = await _time_span(rollup)
    if span is not None:
        first = span[0].replace(day=1, hour=0, minute=0)
        last = (span[1].replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
        known = known | _between(rollup, first, last)
    return known


def _sql(rollup: Rollup) -> CellSql:
    return CellSql(rollup, is_mysql(rollup.table))


#: MySQL errors after which a month is counted again: a deadlock, a lock wait timeout.
_RETRIED = ("1213", "1205")


async def _rebuild_month(rollup: Rollup, batch: Batch) -> int:
    """One transaction: lock the month's records (MySQL: shared locks, so that a change
    of one waits), delete the month's cells, insert them again counted in SQL."""
    from tortoise.transactions import in_transaction

    statements = _sql(rollup)
    async with in_transaction() as connection:
        if statements.mysql:
            await connection.execute_query(*statements.lock(batch))
        await connection.execute_query(*statements.delete(batch))
        written = 0
        for grain in GRAINS:
            count, _ = await connection.execute_query(*statements.insert(grain, batch))
            written += count
    return written


async def _rebuild_rollup(rollup: Rollup, batches: Sequence[Batch], progress: Any) -> int:
    """Count ``rollup`` again month by month (a month again after a deadlock or a lock
    wait timeout, at most three times); the cells written."""
    written = 0
    for batch in batches:
        for attempt in range(3):
            try:
                cells = await _rebuild_month(rollup, batch)
                break
            except Exception as error:  # retried on lock errors only, raised otherwise
                if attempt == 2 or not any(code in str(error) for code in _RETRIED):
                    raise
        written += cells
        if progress is not None:
            progress(rollup, batch, cells)
    return written


#: Rollups counted at the same time on MySQL/MariaDB (see :func:`rebuild_groups`).
REBUILT_AT_ONCE = 2


async def rebuild(rollups: Sequence[Rollup], *, progress: Any = None) -> int:
    """Count the cells of ``rollups`` (all of one kind of record) again from the records,
    in the database (``INSERT ... SELECT ... GROUP BY``), one transaction per rollup and
    calendar month (UTC): it reads the month's records with shared locks (MySQL), deletes
    the month's cells and inserts them again. A concurrent change of a record of that
    month waits for its commit, then adds its delta to the new cells; the server keeps
    serving. Returns the number of cells written; ``progress(rollup, batch, cells)``
    after each month. Several rollups at once as :func:`rebuild_groups` says."""
    return await rebuild_groups([rollups], progress)


async def rebuild_groups(groups: Sequence[Sequence[Rollup]], progress: Any = None) -> int:
    """Rebuild ``groups`` of rollups (each of one kind of record and time, as
    :func:`by_source` makes them; each as :func:`rebuild`); the cells written. A
    group's months are found once, when its first rollup is taken. On MySQL/MariaDB
    :data:`REBUILT_AT_ONCE` rollups are counted at a time, in the order given, each on
    its own connection of the pool (the server counts an ``INSERT ... SELECT`` on one
    core); SQLite's one connection takes them in turn. Each rollup keeps its own
    months' transactions: a concurrent change waits for the months that hold its
    record, whichever rollups count them (shared locks do not wait for each other)."""
    from crm_graphql.api.aggregation.core import at_once

    chosen = [list(group) for group in groups if group]
    waiting = [(rollup, index) for index, group in enumerate(chosen) for rollup in group]
    if not waiting:
        return 0
    workers = REBUILT_AT_ONCE if is_mysql(waiting[0][0].table) else 1
    # Each group's months, found when its first rollup is taken (once for the group).
    months: dict[int, asyncio.Task[list[Batch]]] = {}
    written = 0

    async def worker() -> None:
        nonlocal written
        while waiting:
            rollup, index = waiting.pop(0)
            if index not in months:
                group = chosen[index]
                months[index] = asyncio.ensure_future(_batches(group[0], stale=group))
            cells = await _rebuild_rollup(rollup, await months[index], progress)
            written += cells  # after the await: another worker may have added meanwhile

    await at_once(*(worker() for _ in range(min(workers, len(waiting)))))
    return written


def by_source() -> list[list[Rollup]]:
    """The declared rollups, grouped by the kind of record they count and its time column
    (a rebuild reads one stretch of that column for every rollup of a group)."""
    groups: dict[tuple[type[Model], str], list[Rollup]] = {}
    for rollup in registered():
        groups.setdefault((rollup.source, rollup.time), []).append(rollup)
    return list(groups.values())


async def rebuild_all(progress: Any = None) -> int:
    """Rebuild every declared rollup (see :func:`rebuild_groups`); the cells written."""
    return await rebuild_groups(by_source(), progress)


def _amounts(rollup: Rollup, row: Any) -> tuple[int | None, ...]:
    """A cell's amounts, then (a rollup with extremes) its extremes and ``stale``."""
    values = dict(row)
    amounts: tuple[int | None, ...] = tuple(int(values[column]) for column in rollup.amounts)
    if rollup.extremes:
        extremes = (*rollup.extreme_columns, "stale")
        amounts += tuple(None if values[c] is None else int(values[c]) for c in extremes)
    return amounts


def _differs(
    rollup: Rollup, stored: tuple[int | None, ...], counted: tuple[int | None, ...]
) -> bool:
    """Whether a stored cell is wrong: its amounts differ, or it is not stale and its
    extremes differ (a stale cell's extremes are only bounds; its records answer)."""
    size = len(rollup.amounts)
    if stored[:size] != counted[:size]:
        return True
    return bool(rollup.extremes) and not stored[-1] and stored[size:-1] != counted[size:-1]


def _nothing(rollup: Rollup) -> tuple[int | None, ...]:
    """The amounts of a cell that counts nothing (no extremes, not stale)."""
    extra: tuple[int | None, ...] = (None,) * len(rollup.extreme_columns) + (0,)
    return tuple(_empty(rollup)) + (extra if rollup.extremes else ())


async def counted_cells(rollup: Rollup, batch: Batch) -> dict[str, tuple[int | None, ...]]:
    """The cells of ``batch`` counted from the records in SQL (cell key -> amounts)."""
    statements = _sql(rollup)
    connection = rollup.table._meta.db
    found: dict[str, tuple[int | None, ...]] = {}
    for grain in GRAINS:
        _, rows = await connection.execute_query(*statements.counted(grain, batch))
        found.update((dict(row)["cell"], _amounts(rollup, row)) for row in rows)
    return found


async def stored_cells(rollup: Rollup, batch: Batch) -> dict[str, tuple[int | None, ...]]:
    """The stored cells of ``batch`` that count something (cell key -> amounts)."""
    _, rows = await rollup.table._meta.db.execute_query(*_sql(rollup).stored(batch))
    found = {dict(row)["cell"]: _amounts(rollup, row) for row in rows}
    nothing = _nothing(rollup)
    return {cell: amounts for cell, amounts in found.items() if amounts != nothing}


async def verify(rollup: Rollup) -> list[Difference]:
    """Compare every stored cell with the cell counted from the records (in SQL)."""
    differences = []
    zero = _nothing(rollup)
    for batch in await _batches(rollup):
        counted = await counted_cells(rollup, batch)
        stored = await stored_cells(rollup, batch)
        for cell in sorted(set(counted) | set(stored)):
            if _differs(rollup, stored.get(cell, zero), counted.get(cell, zero)):
                differences.append(
                    Difference(rollup.name, cell, stored.get(cell, zero), counted.get(cell, zero))
                )
    # Cells outside every batch (a time beyond the records' span) are differences too.
    rows = await rollup.table.filter(~await _within_batches(rollup)).values_list(
        "cell", *rollup.amounts
    )
    for cell, *amounts in rows:
        if any(amounts):
            differences.append(Difference(rollup.name, cell, tuple(int(a) for a in amounts), zero))
    return differences


async def repair(rollup: Rollup, cells: Sequence[str] | None = None) -> int:
    """Count the extremes of stale cells again from their records: ``cells`` (keys; the
    stale ones among them), or every stale cell of the rollup. One transaction per cell:
    it locks the cell first (MySQL: ``FOR UPDATE``), then reads its records, then writes
    the extremes and clears ``stale``. Exact: a writer that changed the cell has
    committed or rolled back before the lock is granted, so the records read after it
    (the snapshot starts at that first plain read) include every committed change the
    cell counts; a writer that changed a record but not yet the cell is not in the
    snapshot and adds its change to the repaired extremes after the lock is released
    (writers lock records, then cells: no deadlock with a reader of records that takes
    no lock on them). Returns the cells repaired."""
    if not rollup.extremes:
        return 0
    if cells is None:
        cells = cast(list[str], await rollup.table.filter(stale=1).values_list("cell", flat=True))
    repaired = 0
    for cell in sorted(cells):
        repaired += await _repair_cell(rollup, cell)
    return repaired


async def _repair_cell(rollup: Rollup, cell: str) -> int:
    from tortoise.functions import Max, Min
    from tortoise.transactions import in_transaction

    table = rollup.table
    mysql = is_mysql(table)
    quote = "`" if mysql else '"'
    names = ", ".join(f"{quote}{c}{quote}" for c in ("grain", rollup.time, *rollup.dimensions))
    lock = " FOR UPDATE" if mysql else ""
    mark = "%s" if mysql else "?"
    stored = f"{quote}{table._meta.db_table}{quote}"
    async with in_transaction(table._meta.default_connection) as connection:
        _, found = await connection.execute_query(
            f"SELECT {names}, {quote}stale{quote} FROM {stored}"
            f" WHERE {quote}cell{quote} = {mark}{lock}",
            [cell],
        )
        if not found or not dict(found[0])["stale"]:
            return 0
        values = dict(found[0])
        values[rollup.time] = table._meta.fields_map[rollup.time].to_python_value(
            values[rollup.time]
        )
        condition = _records_of(rollup, values)
        if rollup.only is not None:
            condition = Q(condition, rollup.only)
        annotations: dict[str, Any] = {}
        for field in rollup.extremes:
            annotations[f"{field}_min"] = Min(field)
            annotations[f"{field}_max"] = Max(field)
        counted = (
            await rollup.source.filter(condition).annotate(**annotations).values(*annotations)
        )[0]
        sets = []
        params: list[Any] = []
        for summed in rollup.extreme_sums:
            for end in ("min", "max"):
                value = counted[f"{summed.field}_{end}"]
                sets.append(f"{quote}{summed.field}_{end}{quote} = {mark}")
                params.append(None if value is None else cents_of(summed, value))
        await connection.execute_query(
            f"UPDATE {stored} SET {', '.join(sets)}, {quote}stale{quote} = 0"
            f" WHERE {quote}cell{quote} = {mark}",
            [*params, cell],
        )
    return 1


def cents_of(summed: RollupSum, value: Any) -> int:
    """A plain summed column's value as its cells hold it (money in cents)."""
    return cents(value) if summed.money else int(value)


class AggregationPaths(SchemaExtension):
    """Per operation: whether aggregates may read rollups (``Settings.analytics_rollups``),
    and which path served each (``extensions.aggregation``: ``["rollup", "live"]`` in the
    order they ran; absent when the operation ran none)."""

    def on_execute(self) -> Iterator[None]:
        settings = getattr(self.execution_context.context, "settings", None)
        rollup_reads.set(bool(getattr(settings, "analytics_rollups", True)))
        served_paths.set([])
        yield

    def get_results(self) -> dict[str, Any]:
        paths = served_paths.get()
        return {"aggregation": list(paths)} if paths else {}
