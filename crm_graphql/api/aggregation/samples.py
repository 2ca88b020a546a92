"""Samples: per UTC month and key (an agent, say), every value of one field of the records
whose time falls in that month, kept exact in the transaction of every change, so that an
exact order statistic per key over a period (each agent's median resolution time over a
year) reads a row per key and month instead of a row per record.

Why not a rollup: a rollup cell adds up counts and sums, and a median cannot be added up.
Cells per key, month and duration bucket would do it, but an agent solves a few tickets a
day: such cells are about as many as the tickets themselves. A month's values of one
agent, kept as a list, are a few dozen numbers in one row.

A :class:`Samples` declares, for one kind of record (the *source*), a table with one row
(a *cell*) per UTC month of its time column and combination of its key columns: ``cell``
(the month and key values, as :func:`~.rollups.cell_key` writes them: the month first, so
that the cells of a range of months are a range of the primary key), ``month`` (its
start), the key columns (same names as in the source) and ``entries``: 8-byte signed
integers (little-endian), each a value that entered the cell (``v``, never negative) or
left it (``~v``, that is ``-v - 1``). A cell holds the multiset of what entered less what
left; the order of its entries means nothing. A record counts when both its time and its
value are given.

Maintenance (:func:`maintain`, an ``@on_change`` hook): a change that moves a record's
value from one cell to another (or changes it) appends ``~old`` to the old cell and
``new`` to the new one, as upserts that concatenate (``INSERT ... ON DUPLICATE KEY UPDATE
entries = CONCAT(entries, ...)``, SQLite ``ON CONFLICT DO UPDATE``), in the change's own
transaction, cells in key order. Appends commute: two concurrent changes of one cell
serialise on its row lock and both land; a rolled-back change takes its entries back.
Entries that cancel out stay until :func:`rebuild` writes the cells afresh.

Reading (:func:`values`): a range is read as the cells of the months between the month
boundaries nearest its two ends (one statement, a range of the primary key) and the
records between each end and its boundary (one statement through the time column's
index), added where the range reaches beyond the boundary and taken out where it stops
short of it. A local month or year in any zone is then its UTC months and the few hours
of records at each end.
"""

from __future__ import annotations

import sys
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from tortoise.expressions import Q
from tortoise.models import Model

from crm_graphql.api.aggregation.rollups import Difference, cell_key, plain_value
from crm_graphql.api.conditions import lookup_q
from crm_graphql.api.mutations.changes import Changed, on_change


@dataclass(frozen=True)
class Samples:
    """Per UTC month of ``time`` and combination of ``keys`` of ``source`` records, the
    values of ``value``, in ``table`` (see the module doc)."""

    name: str
    source: type[Model]
    table: type[Model]
    time: str
    keys: tuple[str, ...]
    value: str

    def placed(self, get: Any) -> tuple[tuple[Any, ...], int] | None:
        """A record's cell, (month start, key values...), and its value; None when it
        counts nowhere (no time or no value)."""
        at, value = get(self.time), get(self.value)
        if at is None or value is None:
            return None
        return (month_of(at), *(plain_value(get(key)) for key in self.keys)), int(value)


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


def month_of(at: datetime) -> datetime:
    """The start of the UTC month of an instant."""
    return at.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next_month(start: datetime) -> datetime:
    return (start + timedelta(days=32)).replace(day=1)


def _nearest_month(at: datetime) -> datetime:
    """The month boundary nearest an instant (the earlier one at the middle)."""
    first = month_of(at)
    following = _next_month(first)
    return first if at - first <= following - at else following


# --------------------------------------------------------------------------- entries


def pack(entries: Sequence[int]) -> bytes:
    """The bytes of ``entries`` (8-byte little-endian signed integers)."""
    packed = array("q", entries)
    if sys.byteorder != "little":
        packed.byteswap()
    return packed.tobytes()


def unpack(data: bytes | bytearray | memoryview | None) -> array[int]:
    """The entries of a cell's bytes."""
    entries = array("q")
    if data:
        entries.frombytes(bytes(data))
        if sys.byteorder != "little":
            entries.byteswap()
    return entries


def net(entries: Sequence[int]) -> list[int]:
    """The values that entered and did not leave again, in ascending order."""
    ordered = sorted(entries)
    if not ordered or ordered[0] >= 0:
        return ordered
    held = Counter(entry for entry in ordered if entry >= 0)
    held.subtract(~entry for entry in ordered if entry < 0)
    return sorted(held.elements())


# --------------------------------------------------------------------------- maintenance


def _is_mysql(model: type[Model]) -> bool:
    return model._meta.db.capabilities.dialect == "mysql"


def _upsert_sql(samples: Samples, mysql: bool, rows: int) -> str:
    table = samples.table._meta.db_table
    quote = "`" if mysql else '"'
    columns = ("cell", "month", *samples.keys, "entries")
    names = ", ".join(f"{quote}{c}{quote}" for c in columns)
    one = "(" + ", ".join(["%s" if mysql else "?"] * len(columns)) + ")"
    values = ", ".join([one] * rows)
    if mysql:
        update = "`entries` = CONCAT(`entries`, VALUES(`entries`))"
        return f"INSERT INTO `{table}` ({names}) VALUES {values} ON DUPLICATE KEY UPDATE {update}"
    update = '"entries" = CAST("entries" || excluded."entries" AS BLOB)'
    conflict = f'ON CONFLICT("cell") DO UPDATE SET {update}'
    return f'INSERT INTO "{table}" ({names}) VALUES {values} {conflict}'


async def append(samples: Samples, entries: dict[tuple[Any, ...], list[int]]) -> None:
    """Append ``entries`` (cell -> entries) to the cells: one multi-row upsert per 500
    cells, in key order (two changes lock common cells in the same order)."""
    month_field = samples.table._meta.fields_map["month"]
    changed = sorted((cell for cell, added in entries.items() if added), key=cell_key)
    mysql = _is_mysql(samples.table)
    for start in range(0, len(changed), 500):
        chunk = changed[start : start + 500]
        params: list[Any] = []
        for cell in chunk:
            month = month_field.to_db_value(cell[0], samples.table)
            params += [cell_key(cell), month, *cell[1:], pack(entries[cell])]
        await samples.table._meta.db.execute_query(_upsert_sql(samples, mysql, len(chunk)), params)


async def record(model: type[Model], before: Any, after: Any) -> None:
    """Move a record's value from its cell before the change to its cell after."""
    for samples in _SAMPLES.get(model, ()):
        old = samples.placed(before.__getattribute__) if before is not None else None
        new = samples.placed(after.__getattribute__) if after is not None else None
        if old == new:
            continue
        entries: dict[tuple[Any, ...], list[int]] = {}
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
    names = ", ".join(f"{quote}{c}{quote}" for c in (*samples.keys, "entries"))
    table = f"{quote}{samples.table._meta.db_table}{quote}"
    cell = f"{quote}cell{quote}"
    return f"SELECT {names} FROM {table} WHERE {cell} >= {mark} AND {cell} < {mark}"


Stretch = tuple[datetime, datetime, int]


def _ends(start: datetime, end: datetime) -> tuple[datetime, datetime, list[Stretch]]:
    """The months read as cells (``[low, high)``, empty when ``high <= low``) and the
    stretches of records added (+1) or taken out (-1) around them."""
    low, high = _nearest_month(start), _nearest_month(end)
    if high <= low:
        return low, low, [(start, end, 1)]
    edges: list[Stretch] = []
    if start != low:
        edges.append((start, low, 1) if start < low else (low, start, -1))
    if end != high:
        edges.append((high, end, 1) if end > high else (end, high, -1))
    return low, high, edges


async def values(
    samples: Samples, start: datetime, end: datetime
) -> dict[tuple[Any, ...], list[int]]:
    """Per combination of the keys, the values of the records whose time lies in
    ``[start, end)``, in ascending order (keys without any left out). Two statements at
    most (see the module doc)."""
    low, high, edges = _ends(start, end)
    chunks: dict[tuple[Any, ...], list[bytes]] = {}
    if high > low:
        sql = _cells_sql(samples, _is_mysql(samples.table))
        bounds = [cell_key((low,)), cell_key((high,))]
        for row in await samples.table._meta.db.execute_query_dict(sql, bounds):
            key = tuple(row[name] for name in samples.keys)
            chunks.setdefault(key, []).append(bytes(row["entries"]))
    entries = {key: unpack(b"".join(parts)) for key, parts in chunks.items()}
    if edges:
        stretches = [
            Q(lookup_q(f"{samples.time}__gte", a), lookup_q(f"{samples.time}__lt", b))
            for a, b, _ in edges
        ]
        condition = Q(Q(*stretches, join_type="OR"), lookup_q(f"{samples.value}__isnull", False))
        records = await samples.source.filter(condition).values_list(
            *samples.keys, samples.value, samples.time
        )
        for *names, value, at in records:
            sign = next(s for a, b, s in edges if a <= at < b)
            added = int(value) if sign > 0 else ~int(value)
            entries.setdefault(tuple(plain_value(k) for k in names), array("q")).append(added)
    found_values = {key: net(held) for key, held in entries.items()}
    return {key: held for key, held in found_values.items() if held}


# --------------------------------------------------------------------------- rebuild, verify


async def _counted(samples: Samples, month: datetime) -> dict[tuple[Any, ...], list[int]]:
    """The cells of a month counted from its records: cell -> values, ascending."""
    condition = Q(
        lookup_q(f"{samples.time}__gte", month),
        lookup_q(f"{samples.time}__lt", _next_month(month)),
        lookup_q(f"{samples.value}__isnull", False),
    )
    found: dict[tuple[Any, ...], list[int]] = {}
    rows = await samples.source.filter(condition).values_list(*samples.keys, samples.value)
    for *key, value in rows:
        found.setdefault((month, *(plain_value(k) for k in key)), []).append(int(value))
    return {cell: sorted(held) for cell, held in found.items()}


async def _stored(samples: Samples, month: datetime) -> dict[str, list[int]]:
    """The stored cells of a month that hold any value: cell key -> values, ascending."""
    sql = _cells_sql(samples, _is_mysql(samples.table)).replace("SELECT ", "SELECT cell, ", 1)
    bounds = [cell_key((month,)), cell_key((_next_month(month),))]
    rows = await samples.table._meta.db.execute_query_dict(sql, bounds)
    held = {row["cell"]: net(unpack(row["entries"])) for row in rows}
    return {cell: found for cell, found in held.items() if found}


async def _months(samples: Samples) -> list[datetime]:
    """Every month with a record or a stored cell."""
    from tortoise.functions import Max, Min

    months: set[datetime] = set()
    span = (
        await samples.source.filter(lookup_q(f"{samples.time}__isnull", False))
        .annotate(first=Min(samples.time), last=Max(samples.time))
        .values("first", "last")
    )
    if span and span[0]["first"] is not None:
        month, last = month_of(span[0]["first"]), month_of(span[0]["last"])
        while month <= last:
            months.add(month)
            month = _next_month(month)
    stored = await samples.table.all().distinct().values_list("month", flat=True)
    months.update(month_of(cast(datetime, start)) for start in stored if start is not None)
    return sorted(months)


async def _rebuild_month(samples: Samples, month: datetime) -> int:
    """One transaction: delete the month's cells (MySQL: which locks them and the gaps
    between them, so that a change of one waits), then count them again from the
    records. A writer that changed one of them committed before the delete went
    through, and its record is in the snapshot read after it; a writer that changed a
    record and not yet its cell waits and appends to the new cell."""
    from tortoise.transactions import in_transaction

    bounds = Q(month__gte=month, month__lt=_next_month(month))
    async with in_transaction(samples.table._meta.default_connection):
        await samples.table.filter(bounds).delete()
        counted = await _counted(samples, month)
        await append(samples, counted)
    return len(counted)


async def rebuild(samples: Samples) -> int:
    """Write every cell afresh from the records, a month per transaction (the server may
    keep serving); the cells written."""
    return sum([await _rebuild_month(samples, month) for month in await _months(samples)])


async def rebuild_all() -> int:
    """Rebuild every declared kind of samples; the cells written."""
    return sum([await rebuild(samples) for samples in registered()])


def _summary(held: list[int]) -> tuple[int | None, ...]:
    """What a difference shows of a cell's values: how many, their sum, least, largest."""
    if not held:
        return (0, 0, None, None)
    return (len(held), sum(held), held[0], held[-1])


async def verify(samples: Samples) -> list[Difference]:
    """Compare every stored cell's values with those of its records, month by month."""
    differences = []
    for month in await _months(samples):
        counted = {cell_key(cell): held for cell, held in (await _counted(samples, month)).items()}
        stored = await _stored(samples, month)
        for cell in sorted(set(counted) | set(stored)):
            if counted.get(cell, []) != stored.get(cell, []):
                differences.append(
                    Difference(
                        samples.name,
                        cell,
                        _summary(stored.get(cell, [])),
                        _summary(counted.get(cell, [])),
                    )
                )
    return differences
