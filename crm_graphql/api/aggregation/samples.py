"""Samples: per UTC day, every value of one field of the records whose time falls in that
day, with the record's key (an agent, say), kept exact in the transaction of every
change, so that exact percentiles per key over a period (each agent's median resolution
time over a year) read a row per day instead of a row per record, and are taken in one
sort.

Why not a rollup: a rollup cell adds up counts and sums, and a median cannot be added up.
Cells per key, duration bucket and month would do it, but an agent solves a few tickets a
day: such cells are about as many as the tickets themselves. Cells per key and month
hold a few dozen values each, but are still a row per agent and month to read and a list
per agent to sort. A day's values of every key in one row are a few hundred numbers: a
year is 365 rows, and one sort of all their numbers orders every key's values at once.

A :class:`Samples` declares, for one kind of record (the *source*), an integer ``key``
column, a ``value`` column (non-negative integers below 2**32), a ``time`` column and
``flags``: yes/no facts of a record counted per key beside the percentiles (whether a
ticket was under an SLA policy, whether it met both targets); and a table with one row
(a *cell*) per UTC day: ``cell`` (the day as :func:`~.rollups.cell_key` writes it, so that
the cells of a range of days are a range of the primary key), ``day`` (its start) and
``entries``: 8-byte little-endian signed integers, each a record that entered the cell
(``key * 2**32 + value * 2**f + flag bits``, with ``f`` flags: never negative) or left it
(the complement of that, ``-(...) - 1``). A cell holds the multiset of what entered less
what left; the order of its entries means nothing. A record counts when its time, key
and value are all given.

Maintenance (:func:`maintain`, an ``@on_change`` hook): a change that moves a record from
one cell to another, or changes its key or value, appends the complement of its old
entry to the old cell and its new entry to the new one, as upserts that concatenate
(``INSERT ... ON DUPLICATE KEY UPDATE entries = CONCAT(entries, ...)``, SQLite ``ON
CONFLICT DO UPDATE``), in the change's own transaction, cells in key order. Appends
commute: two concurrent changes of one day serialise on its row lock and both land; a
rolled-back change takes its entries back. Entries that cancel out stay until
:func:`rebuild` writes the cells afresh.

Reading (:func:`percentiles`): a range is read as the cells of the days between the day
boundaries nearest its two ends (one statement, a range of the primary key) and the
records between each end and its boundary (one statement through the time column's
index), added where the range reaches beyond the boundary and taken out where it stops
short of it: a local month or year in any zone is its UTC days and the hours of records
at each end. The entries are then sorted once (numpy): ascending, they are grouped by
key and ordered by value within it, so each key's nearest-rank percentiles are found by
position, and its flags counted per group. What left is taken out of what entered by
matching each left entry with one equal entered entry in that order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray
from tortoise.expressions import Q
from tortoise.models import Model

from crm_graphql.api.aggregation.rollups import (
    Derived,
    Difference,
    cell_key,
    is_mysql,
    month_ranges,
    next_month,
)
from crm_graphql.api.conditions import lookup_q
from crm_graphql.api.mutations.changes import Changed, on_change

#: An entry: the key in the high 32 bits, the value in the low 32.
SHIFT = 32
LOW = (1 << SHIFT) - 1
#: The entries' type: 8-byte little-endian signed integers.
ENTRY = np.dtype("<i8")

Entries = NDArray[np.int64]


@dataclass(frozen=True)
class Samples:
    """Per UTC day of ``time``, the ``key`` and ``value`` of every ``source`` record, in
    ``table`` (see the module doc)."""

    name: str
    source: type[Model]
    table: type[Model]
    time: str
    key: str
    value: str
    #: Yes/no facts of each record counted per key beside the percentiles (e.g. whether
    #: a ticket met its SLA), each a bit below the value: the values then stay below
    #: 2**(32 - len(flags)).
    flags: tuple[Derived, ...] = dataclasses.field(default=(), compare=False)
    #: The source fields the flags read.
    flag_fields: tuple[str, ...] = ()

    def entry_of(self, get: Any) -> tuple[datetime, int] | None:
        """A record's day and entry; None when it counts nowhere (no time, key or
        value)."""
        at, key, value = get(self.time), get(self.key), get(self.value)
        if at is None or key is None or value is None:
            return None
        return day_of(at), self._entry(key, value, get)

    @property
    def columns(self) -> tuple[str, ...]:
        """What a read of records takes: the key, the value, the fields the flags read."""
        return (self.key, self.value, *self.flag_fields)

    def entry_of_row(self, row: Sequence[Any]) -> int:
        """The entry of a record read as :attr:`columns`."""
        fields = dict(zip(self.flag_fields, row[2:], strict=True))
        return self._entry(row[0], row[1], fields.__getitem__)

    def _entry(self, key: Any, value: Any, get: Any) -> int:
        """The entry of a key, a value and the flags computed with ``get(field)``."""
        return entry(int(key), int(value), [bool(flag.compute(get)) for flag in self.flags])


def entry(key: int, value: int, bits: Sequence[bool] = ()) -> int:
    """The entry of a key, a value and its flags (the first flag the lowest bit)."""
    width = SHIFT - len(bits)
    if not (0 <= key < 1 << (63 - SHIFT) and 0 <= value < 1 << width):
        raise ValueError(f"a sample needs a key below 2**31 and a value below 2**{width}")
    flags = sum(1 << index for index, bit in enumerate(bits) if bit)
    return (key << SHIFT) | (value << len(bits)) | flags


_SAMPLES: dict[type[Model], list[Samples]] = {}


def register(samples: Samples) -> Samples:
    """Declare samples (a domain's declaration, at import)."""
    _SAMPLES.setdefault(samples.source, []).append(samples)
    return samples


def registered() -> list[Samples]:
    """Every declared kind of samples."""
    return [samples for declared in _SAMPLES.values() for samples in declared]


def named(name: str) -> Samples:
    """The declared samples of that name."""
    return next(samples for samples in registered() if samples.name == name)


def day_of(at: datetime) -> datetime:
    """The start of the UTC day of an instant."""
    return at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _nearest_day(at: datetime) -> datetime:
    """The day boundary nearest an instant (the earlier one at noon)."""
    first = day_of(at)
    return first if at - first <= timedelta(hours=12) else first + timedelta(days=1)


def pack(entries: Sequence[int]) -> bytes:
    """The bytes of ``entries``."""
    return np.asarray(entries, dtype=ENTRY).tobytes()


def unpack(data: bytes | bytearray | memoryview | None) -> Entries:
    """The entries of a cell's bytes."""
    return np.frombuffer(bytes(data or b""), dtype=ENTRY)


def net(entries: Entries) -> Entries:
    """What entered and did not leave again, ascending (by key, then value): each entry
    that left takes out one equal entry that entered."""
    entered = np.sort(entries[entries >= 0])
    left = ~entries[entries < 0]
    if not left.size:
        return entered
    left.sort()
    # The i-th of equal left entries takes out the i-th of the equal entered ones.
    first = np.searchsorted(left, left, side="left")
    places = np.searchsorted(entered, left, side="left") + (np.arange(left.size) - first)
    if places.size and (places.max() >= entered.size or not np.array_equal(entered[places], left)):
        raise ValueError("samples: an entry left a cell it never entered")
    return np.delete(entered, places)


# --------------------------------------------------------------------------- maintenance


def _upsert_sql(samples: Samples, mysql: bool, rows: int) -> str:
    table = samples.table._meta.db_table
    if mysql:
        values = ", ".join(["(%s, %s, %s)"] * rows)
        update = "`entries` = CONCAT(`entries`, VALUES(`entries`))"
        return (
            f"INSERT INTO `{table}` (`cell`, `day`, `entries`) VALUES {values} "
            f"ON DUPLICATE KEY UPDATE {update}"
        )
    values = ", ".join(["(?, ?, ?)"] * rows)
    update = '"entries" = CAST("entries" || excluded."entries" AS BLOB)'
    return (
        f'INSERT INTO "{table}" ("cell", "day", "entries") VALUES {values} '
        f'ON CONFLICT("cell") DO UPDATE SET {update}'
    )


async def append(samples: Samples, entries: Mapping[datetime, Sequence[int]]) -> None:
    """Append ``entries`` (day -> entries) to the cells: one multi-row upsert per 500
    days, in key order (two changes lock common cells in the same order)."""
    day_field = samples.table._meta.fields_map["day"]
    changed = sorted(day for day, added in entries.items() if len(added))
    mysql = is_mysql(samples.table)
    for start in range(0, len(changed), 500):
        chunk = changed[start : start + 500]
        params: list[Any] = []
        for day in chunk:
            params += [cell_key((day,)), day_field.to_db_value(day, samples.table)]
            params.append(pack(entries[day]))
        await samples.table._meta.db.execute_query(_upsert_sql(samples, mysql, len(chunk)), params)


async def record(model: type[Model], before: Any, after: Any) -> None:
    """Move a record's entry from its cell before the change to its cell after."""
    for samples in _SAMPLES.get(model, ()):
        old = samples.entry_of(before.__getattribute__) if before is not None else None
        new = samples.entry_of(after.__getattribute__) if after is not None else None
        if old == new:
            continue
        entries: dict[datetime, list[int]] = {}
        if old is not None:
            entries.setdefault(old[0], []).append(~old[1])
        if new is not None:
            entries.setdefault(new[0], []).append(new[1])
        await append(samples, entries)


@on_change
async def maintain(change: Changed) -> None:
    """Every change of a sampled record updates its cells (see the module doc)."""
    if change.entity.model in _SAMPLES:
        await record(change.entity.model, change.before, change.after)


# --------------------------------------------------------------------------- reading


def _cells_sql(samples: Samples, mysql: bool) -> str:
    quote = "`" if mysql else '"'
    mark = "%s" if mysql else "?"
    table = f"{quote}{samples.table._meta.db_table}{quote}"
    cell = f"{quote}cell{quote}"
    return f"SELECT {cell}, entries FROM {table} WHERE {cell} >= {mark} AND {cell} < {mark}"


Stretch = tuple[datetime, datetime, int]


def _ends(start: datetime, end: datetime) -> tuple[datetime, datetime, list[Stretch]]:
    """The days read as cells (``[low, high)``, none when ``high <= low``) and the
    stretches of records added (+1) or taken out (-1) around them."""
    low, high = _nearest_day(start), _nearest_day(end)
    if high <= low:
        return low, low, [(start, end, 1)]
    edges: list[Stretch] = []
    if start != low:
        edges.append((start, low, 1) if start < low else (low, start, -1))
    if end != high:
        edges.append((high, end, 1) if end > high else (end, high, -1))
    return low, high, edges


async def _tuples(db: Any, sql: str, params: list[Any]) -> Sequence[Sequence[Any]]:
    """The rows of a read, by position (MySQL: as the driver's cursor gives them, without
    the dict per row the ORM's client builds), logged as the ORM logs its statements and
    its driver's errors raised as the ORM's."""
    if db.capabilities.dialect != "mysql":
        return cast(Sequence[Sequence[Any]], (await db.execute_query(sql, params))[1])
    from asyncmy.errors import Error as DriverError
    from tortoise.exceptions import OperationalError

    try:
        async with db.acquire_connection() as connection:
            db.log.debug("%s: %s", sql, params)
            async with connection.cursor() as cursor:
                await cursor.execute(sql, params)
                return cast(Sequence[Sequence[Any]], await cursor.fetchall())
    except DriverError as exc:  # as the ORM's client reports it
        raise OperationalError(exc) from exc


async def gathered(
    samples: Samples, start: datetime, end: datetime, among: Sequence[int] | None = None
) -> Entries:
    """The entries of the records whose time lies in ``[start, end)``, ascending (by key,
    then value); ``among``: of those keys only (left out before the sort). Two
    statements at most (see the module doc)."""
    low, high, edges = _ends(start, end)
    parts: list[bytes] = []
    if high > low:
        sql = _cells_sql(samples, is_mysql(samples.table))
        rows = await _tuples(samples.table._meta.db, sql, [cell_key((low,)), cell_key((high,))])
        parts = [bytes(row[1]) for row in rows]
    if edges:
        stretches = [
            Q(lookup_q(f"{samples.time}__gte", a), lookup_q(f"{samples.time}__lt", b))
            for a, b, _ in edges
        ]
        condition = Q(
            Q(*stretches, join_type="OR"),
            lookup_q(f"{samples.key}__isnull", False),
            lookup_q(f"{samples.value}__isnull", False),
        )
        records = await samples.source.filter(condition).values_list(*samples.columns, samples.time)
        found = []
        for row in records:
            at, added = row[-1], samples.entry_of_row(row[:-1])
            found.append(added if next(s for a, b, s in edges if a <= at < b) > 0 else ~added)
        parts.append(pack(found))
    entries = unpack(b"".join(parts))
    if among is not None:
        wanted = np.asarray(sorted(set(among)), dtype=ENTRY)
        entries = entries[np.isin(np.where(entries < 0, ~entries, entries) >> SHIFT, wanted)]
    return net(entries)


@dataclass(frozen=True)
class Ranked:
    """One key's values in a range: how many, the nearest-rank value of each percentile
    asked for (in that order), and how many have each flag (in the order declared)."""

    n: int
    values: list[int]
    flags: list[int]


def ranked(entries: Entries, ranks: Sequence[int], flags: int = 0) -> dict[int, Ranked]:
    """Per key of ascending ``entries`` (with ``flags`` flag bits): its :class:`Ranked`
    (the value at rank ceil(p/100 x n) for each p of ``ranks``, as the window over the
    rows gives it)."""
    if not entries.size:
        return {}
    keys = entries >> SHIFT
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    counts = np.diff(np.r_[starts, entries.size])
    values = (entries & LOW) >> flags
    picked = [values[starts + (-(-counts * p // 100)) - 1].tolist() for p in ranks]
    flagged = [np.add.reduceat((entries >> bit) & 1, starts).tolist() for bit in range(flags)]
    return {
        key: Ranked(n, [column[i] for column in picked], [column[i] for column in flagged])
        for i, (key, n) in enumerate(zip(keys[starts].tolist(), counts.tolist(), strict=True))
    }


async def percentiles(
    samples: Samples,
    start: datetime,
    end: datetime,
    ranks: Sequence[int],
    among: Sequence[int] | None = None,
) -> dict[int, Ranked]:
    """Per key with values in ``[start, end)`` (of ``among`` only, when given): how many,
    the nearest-rank value of each percentile of ``ranks``, and how many have each
    flag."""
    entries = await gathered(samples, start, end, among)
    return ranked(entries, ranks, len(samples.flags))


# --------------------------------------------------------------------------- rebuild, verify


async def _counted(samples: Samples, month: datetime) -> dict[datetime, Entries]:
    """The cells of a month's days counted from its records: day -> entries, ascending."""
    condition = Q(
        lookup_q(f"{samples.time}__gte", month),
        lookup_q(f"{samples.time}__lt", next_month(month)),
        lookup_q(f"{samples.key}__isnull", False),
        lookup_q(f"{samples.value}__isnull", False),
    )
    found: dict[datetime, list[int]] = {}
    rows = await samples.source.filter(condition).values_list(*samples.columns, samples.time)
    for row in rows:
        found.setdefault(day_of(row[-1]), []).append(samples.entry_of_row(row[:-1]))
    return {
        day: np.sort(np.asarray(day_entries, dtype=ENTRY)) for day, day_entries in found.items()
    }


async def _stored(samples: Samples, month: datetime) -> dict[str, Entries]:
    """The stored cells of a month that hold any entry: cell key -> entries, ascending."""
    sql = _cells_sql(samples, is_mysql(samples.table))
    bounds = [cell_key((month,)), cell_key((next_month(month),))]
    rows = await _tuples(samples.table._meta.db, sql, bounds)
    found = {str(row[0]): net(unpack(row[1])) for row in rows}
    return {cell: entries for cell, entries in found.items() if entries.size}


async def _months(samples: Samples) -> list[datetime]:
    """Every UTC month with a record or a stored cell."""
    from tortoise.functions import Max, Min

    months: set[datetime] = set()
    span = (
        await samples.source.filter(lookup_q(f"{samples.time}__isnull", False))
        .annotate(first=Min(samples.time), last=Max(samples.time))
        .values("first", "last")
    )
    if span and span[0]["first"] is not None:
        first, last = day_of(span[0]["first"]), day_of(span[0]["last"])
        months.update(start for start, _ in month_ranges(first, last))
    stored = await samples.table.all().values_list("day", flat=True)
    months.update(day_of(cast(datetime, day)).replace(day=1) for day in stored)
    return sorted(months)


async def _rebuild_month(samples: Samples, month: datetime) -> int:
    """One transaction: delete the cells of the month's days (MySQL: which locks them and
    the gaps between them, so that a change of one waits), then count them again from
    the records. A writer that changed one of them committed before the delete went
    through, and its record is in the snapshot read after it; a writer that changed a
    record and not yet its cell waits and appends to the new cell."""
    from tortoise.transactions import in_transaction

    bounds = Q(cell__gte=cell_key((month,)), cell__lt=cell_key((next_month(month),)))
    async with in_transaction(samples.table._meta.default_connection):
        await samples.table.filter(bounds).delete()
        counted = await _counted(samples, month)
        await append(samples, {day: entries.tolist() for day, entries in counted.items()})
    return len(counted)


async def rebuild(samples: Samples) -> int:
    """Write every cell afresh from the records, a month of days per transaction (the
    server may keep serving); the cells written."""
    return sum([await _rebuild_month(samples, month) for month in await _months(samples)])


async def rebuild_all() -> int:
    """Rebuild every declared kind of samples; the cells written."""
    return sum([await rebuild(samples) for samples in registered()])


def _summary(entries: Entries) -> tuple[int | None, ...]:
    """What a difference shows of a cell: how many entries, and the sums of their keys
    and of their low halves (the values and flags)."""
    return (int(entries.size), int((entries >> SHIFT).sum()), int((entries & LOW).sum()))


async def verify(samples: Samples) -> list[Difference]:
    """Compare every stored cell with the entries of its records, month by month."""
    differences = []
    none = np.zeros(0, dtype=ENTRY)
    for month in await _months(samples):
        counted = {
            cell_key((day,)): found for day, found in (await _counted(samples, month)).items()
        }
        stored = await _stored(samples, month)
        for cell in sorted(set(counted) | set(stored)):
            mine, theirs = stored.get(cell, none), counted.get(cell, none)
            if not np.array_equal(mine, theirs):
                differences.append(Difference(samples.name, cell, _summary(mine), _summary(theirs)))
    return differences
