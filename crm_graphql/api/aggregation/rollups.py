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
months are read where they lie whole in one local period (see :class:`Plan`): at
realistic densities a quarter hour holds about one record per combination.

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
values, as on the raw path; an amount's rounded once to cents). Otherwise the raw rows
answer, as before.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, cast

from strawberry.extensions import SchemaExtension
from tortoise.expressions import Q
from tortoise.models import Model

from crm_graphql.api.conditions import lookup_q
from crm_graphql.api.mutations.changes import Changed, on_change

if TYPE_CHECKING:
    from crm_graphql.api.aggregation.core import Dimension, Measure

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
    def amounts(self) -> tuple[str, ...]:
        """The columns a change adds to: ``n`` and the sums."""
        return self.columns[len(self.dimensions) + 3 :]

    def keys_of(self, row: Any) -> list[tuple[Any, ...]]:
        """The cells a record belongs to, one per grain: (grain, start, dimension values...)."""
        dimensions = tuple(plain_value(getattr(row, d)) for d in self.dimensions)
        at = getattr(row, self.time)
        return [(grain, bucket(at, grain), *dimensions) for grain in GRAINS]

    def contribution(self, row: Any, mysql: bool) -> tuple[int, ...]:
        """What a record adds to its cell: (1, sum, present, sum, present, ...)."""
        values: list[int] = [1]
        for summed in self.sums:
            value = summed.value_of(lambda name: getattr(row, name), mysql)
            values += [0, 0] if value is None else [value, 1]
        return tuple(values)


_ROLLUPS: dict[type[Model], list[Rollup]] = {}


def register(rollup: Rollup) -> Rollup:
    """Declare a rollup (a domain's declaration, at import)."""
    _ROLLUPS.setdefault(rollup.source, []).append(rollup)
    return rollup


def registered() -> list[Rollup]:
    """Every declared rollup."""
    return [rollup for rollups in _ROLLUPS.values() for rollup in rollups]


# --------------------------------------------------------------------------- values


def _between(rollup: Rollup, start: datetime, end: datetime) -> Q:
    """Records (or cells) of the rollup's time from ``start`` to ``end`` (excluded)."""
    return Q(lookup_q(f"{rollup.time}__gte", start), lookup_q(f"{rollup.time}__lt", end))


def quarter_hour(value: datetime | None) -> datetime | None:
    """The start of the quarter hour (UTC) that ``value`` falls in."""
    if value is None:
        return None
    utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return utc.replace(minute=utc.minute - utc.minute % 15, second=0, microsecond=0)


def bucket(value: datetime | None, grain: int) -> datetime | None:
    """The start of the quarter hour or UTC day that ``value`` falls in."""
    start = quarter_hour(value)
    if start is not None and grain == DAY:
        return start.replace(hour=0, minute=0)
    if start is not None and grain == MONTH:
        return start.replace(day=1, hour=0, minute=0)
    return start


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def on_grain(value: Any) -> bool:
    """Whether ``value`` is an instant that begins a quarter hour."""
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


def _is_mysql(model: type[Model]) -> bool:
    return model._meta.db.capabilities.dialect == "mysql"


def _row_values(rollup: Rollup, key: tuple[Any, ...], amounts: Sequence[int]) -> list[Any]:
    time_field = rollup.table._meta.fields_map[rollup.time]
    start = key[1]
    stored = time_field.to_db_value(start, rollup.table) if start is not None else None
    return [cell_key(key), key[0], stored, *key[2:], *amounts]


async def add_to_cells(rollup: Rollup, deltas: dict[tuple[Any, ...], list[int]]) -> None:
    """Add ``deltas`` (cell key -> amounts) to the rollup's cells: one multi-row upsert,
    its rows in key order (two changes lock common cells in the same order)."""
    changed = sorted((key for key, amounts in deltas.items() if any(amounts)), key=cell_key)
    if not changed:
        return
    values = [v for key in changed for v in _row_values(rollup, key, deltas[key])]
    sql = _upsert_sql(rollup, _is_mysql(rollup.table), len(changed))
    await rollup.table._meta.db.execute_query(sql, values)


async def record(model: type[Model], before: Any, after: Any) -> None:
    """Move a record's contribution from its cells before the change to its cells after
    (``before`` None: created; ``after`` None: deleted), in the running transaction."""
    for rollup in _ROLLUPS.get(model, ()):
        deltas: dict[tuple[Any, ...], list[int]] = {}
        mysql = _is_mysql(rollup.table)
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


def _covers_condition(rollup: Rollup, where: Q | None) -> bool:
    if where is None:
        return True
    for key, value in where.filters.items():
        column, _, lookup = key.partition("__")
        if column in rollup.dimensions:
            continue
        if column == rollup.time:
            if lookup not in _TIME_LOOKUPS:
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
        if column == rollup.time and lookup == "gte":
            lows.append(utc(cast(datetime, value)))
        elif column == rollup.time and lookup == "lt":
            highs.append(utc(cast(datetime, value)))
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
    # The same stretches as ranges of the cell key (grain|start|...), the primary key:
    # each is one range of the clustered index, read without a lookup per cell.
    parts = [
        Q(
            _between(rollup, start, end),
            Q(cell__gte=cell_key((grain, start)), cell__lt=cell_key((grain, end))),
        )
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


def _next_month(start: datetime) -> datetime:
    return (start + timedelta(days=32)).replace(day=1)


def _whole(periods: Sequence[Dimension], start: datetime, end: datetime) -> bool:
    """Whether ``start``..``end`` lies in one local period of every period key."""
    last = end - timedelta(seconds=QUARTER)
    return all(_period_of(d, start) == _period_of(d, last) for d in periods)


def _grain_condition(
    rollup: Rollup, periods: Sequence[Dimension], start: datetime, end: datetime
) -> Q:
    """The cells that together hold every record from ``start`` to ``end`` exactly once:
    the months (UTC) that lie whole in the range and in one local period of every period
    key, then such days of the other months, and the quarter hours of the other days."""
    months: list[tuple[datetime, datetime]] = []
    days: list[tuple[datetime, datetime]] = []
    quarters: list[tuple[datetime, datetime]] = []
    month = start.replace(day=1, hour=0, minute=0)
    while month < end:
        after_month = _next_month(month)
        if month >= start and after_month <= end and _whole(periods, month, after_month):
            _add(months, month, after_month)
            month = after_month
            continue
        for day in _days(max(month, start.replace(hour=0, minute=0)), min(after_month, end)):
            after = day + timedelta(days=1)
            if day >= start and after <= end and _whole(periods, day, after):
                _add(days, day, after)
            else:
                _add(quarters, max(day, start), min(after, end))
        month = after_month
    return Q(
        _ranges_q(rollup, MONTH, months),
        _ranges_q(rollup, DAY, days),
        _ranges_q(rollup, QUARTER, quarters),
        join_type=Q.OR,
    )


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
    kind: str  # "count", "sum", "money", "weighted", "avg", "money_avg", "days"
    present: Measure | None = None


def _read_of(rollup: Rollup, measure: Measure) -> _Read | None:
    from crm_graphql.api.aggregation.core import Measure

    if not _covers_condition(rollup, measure.where) or _names_time(rollup, measure.where):
        return None
    if measure.function == "count" and measure.field in (None, "id"):
        replaced = Measure(measure.alias, "sum", "n", where=measure.where)
        return _Read(replaced, "count")
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

    async def cells(self) -> Q:
        """The condition on the cells: which grain serves which stretch of time."""
        rollup = self.rollup
        split = _split_range(rollup, self.where)
        if split is None:
            # A range under OR/NOT: quarter hours only (their bounds are on the grain).
            return self.where & Q(grain=QUARTER)
        rest, lows, highs = split
        periods = [d for d in self.dimensions if d.granularity is not None]
        start = max(lows) if lows else None
        end = min(highs) if highs else None
        if start is None and end is None and not periods:
            return rest & Q(grain=MONTH)  # every month, and the records without a time
        if start is None or end is None:
            span = await _stored_span(rollup)
            if span is None:
                return rest & Q(grain=MONTH)
            start = start if start is not None else span[0]
            end = end if end is not None else span[1]
        timed = _grain_condition(rollup, periods, start, end) if start < end else NOTHING
        if not lows and not highs:
            untimed = Q(Q(grain=MONTH), lookup_q(f"{rollup.time}__isnull", True))
            timed = Q(timed, untimed, join_type=Q.OR)
        return rest & timed

    async def run(self, order_by: Sequence[str], limit: int | None) -> list[dict[str, Any]]:
        from crm_graphql.api.aggregation.core import (
            aggregate_rows,
            average,
            average_days,
            money_average,
        )

        measures = [r.measure for r in self.reads]
        measures += [r.present for r in self.reads if r.present is not None]
        # Cells emptied by deletions stay with n = 0: they make no group.
        rows = await aggregate_rows(
            self.rollup.table,
            await self.cells() & Q(n__gt=0),
            self.dimensions,
            measures,
            order_by=order_by,
            limit=limit,
        )
        for row in rows:
            for read in self.reads:
                alias = read.measure.alias
                if read.kind == "count":
                    row[alias] = row[alias] or 0
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
        return rows


async def _stored_span(rollup: Rollup) -> tuple[datetime, datetime] | None:
    """The first day and the day after the last one that have cells."""
    from tortoise.functions import Max, Min

    found = (
        await rollup.table.filter(Q(grain=DAY), lookup_q(f"{rollup.time}__isnull", False))
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
        return Plan(rollup, served, list(dimensions), [r for r in reads if r is not None])
    return None


def note_path(path: str) -> None:
    """Remember which path served an aggregate of the running request."""
    paths = served_paths.get()
    if paths is not None:
        paths.append(path)


# --------------------------------------------------------------------------- rebuild, verify


@dataclass(frozen=True)
class Difference:
    """A cell whose stored amounts differ from those counted from the records."""

    rollup: str
    cell: str
    stored: tuple[int, ...]
    counted: tuple[int, ...]


def _empty(rollup: Rollup) -> list[int]:
    return [0] * (1 + 2 * len(rollup.sums))


async def count_cells(rollup: Rollup, where: Q) -> dict[tuple[Any, ...], list[int]]:
    """The cells of the records matching ``where``, counted from the records."""
    return (await _count_many([rollup], where))[0]


async def _count_many(
    rollups: Sequence[Rollup], where: Q
) -> list[dict[tuple[Any, ...], list[int]]]:
    """The cells of several rollups of one kind of record, reading the records once."""
    fields: list[str] = []
    for rollup in rollups:
        reads = [name for s in rollup.sums for name in s.reads]
        only = list(rollup.only.filters) if rollup.only is not None else []
        for name in (rollup.time, *rollup.dimensions, *reads, *(k.split("__")[0] for k in only)):
            if name not in fields:
                fields.append(name)
    rows = await rollups[0].source.filter(where).values(*fields)
    mysql = _is_mysql(rollups[0].table)
    found: list[dict[tuple[Any, ...], list[int]]] = []
    for rollup in rollups:
        cells: dict[tuple[Any, ...], list[int]] = {}
        for row in rows:
            if rollup.only is not None and not matches(rollup.only, row.__getitem__):
                continue
            dimensions = tuple(plain_value(row[d]) for d in rollup.dimensions)
            amounts = [1]
            for summed in rollup.sums:
                value = summed.value_of(row.__getitem__, mysql)
                amounts += [0, 0] if value is None else [value, 1]
            for grain in GRAINS:
                key = (grain, bucket(row[rollup.time], grain), *dimensions)
                total = cells.setdefault(key, _empty(rollup))
                for position, amount in enumerate(amounts):
                    total[position] += amount
        found.append(cells)
    return found


async def stored_cells(rollup: Rollup, where: Q) -> dict[str, tuple[int, ...]]:
    """The stored cells (cell key -> amounts) whose quarter hour matches ``where``."""
    rows = await rollup.table.filter(where).values_list("cell", *rollup.amounts)
    return {row[0]: tuple(int(v) for v in row[1:]) for row in rows if any(row[1:])}


def _month_ranges(first: datetime, last: datetime) -> Iterable[tuple[datetime, datetime]]:
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


async def _batches(rollup: Rollup) -> list[Q]:
    """The rebuild's batches: one calendar month (UTC) of the time column each, and the
    records without a time."""
    batches = [lookup_q(f"{rollup.time}__isnull", True)]
    span = await _time_span(rollup)
    if span is not None:
        for start, end in _month_ranges(*span):
            batches.append(_between(rollup, start, end))
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


async def rebuild(rollups: Sequence[Rollup], *, progress: Any = None) -> int:
    """Count the cells of ``rollups`` (all of one kind of record) again from the records, a
    month at a time. Each month is one transaction that first deletes its cells, holding
    their locks: concurrent changes of that month wait for it, then add their deltas to
    the new cells; the records are read once per month for every rollup. Returns the
    number of cells written; ``progress(rollups, where, cells)`` after each month."""
    from tortoise.transactions import in_transaction

    written = 0
    first = rollups[0]
    mysql = _is_mysql(first.table)
    # Cells of times no record has any more (moved behind the API's back) go first.
    for rollup in rollups:
        await rollup.table.filter(~await _within_batches(rollup)).delete()
    for where in await _batches(first):
        async with in_transaction():
            for rollup in rollups:
                await rollup.table.filter(where).delete()
            counted = await _count_many(rollups, where)
            for rollup, cells in zip(rollups, counted, strict=True):
                items = sorted(cells.items(), key=lambda item: cell_key(item[0]))
                for start in range(0, len(items), 500):
                    chunk = items[start : start + 500]
                    values = [
                        v for key, amounts in chunk for v in _row_values(rollup, key, amounts)
                    ]
                    await rollup.table._meta.db.execute_query(
                        _upsert_sql(rollup, mysql, len(chunk)), values
                    )
                written += len(items)
        if progress is not None:
            progress(rollups, where, sum(len(cells) for cells in counted))
    return written


def by_source() -> list[list[Rollup]]:
    """The declared rollups, grouped by the kind of record they count."""
    return [list(rollups) for rollups in _ROLLUPS.values()]


async def rebuild_all(progress: Any = None) -> int:
    """Rebuild every declared rollup (see :func:`rebuild`); the cells written."""
    return sum([await rebuild(group, progress=progress) for group in by_source()])


async def verify(rollup: Rollup) -> list[Difference]:
    """Compare every stored cell with the cell counted from the records."""
    differences = []
    for where in await _batches(rollup):
        counted = {
            cell_key(key): tuple(amounts)
            for key, amounts in (await count_cells(rollup, where)).items()
        }
        stored = await stored_cells(rollup, where)
        zero = tuple(_empty(rollup))
        for cell in sorted(set(counted) | set(stored)):
            if counted.get(cell, zero) != stored.get(cell, zero):
                differences.append(
                    Difference(rollup.name, cell, stored.get(cell, zero), counted.get(cell, zero))
                )
    # Cells outside every batch (a time beyond the records' span) are differences too.
    for cell, amounts in (await stored_cells(rollup, ~await _within_batches(rollup))).items():
        differences.append(Difference(rollup.name, cell, amounts, tuple(_empty(rollup))))
    return differences


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
