"""Tallies: counts and sums per value of a key (per customer, say), kept exact in the
transaction of every change, so that a ranking ("the ten customers with the most
orders") is a range of an index instead of a GROUP BY over every record.

A :class:`Tally` declares, for one kind of record (the *source*), a table with one row
per combination of its key columns (``cell``: the key values joined by ``|``, the
primary key; the key columns themselves, same names as in the source) and one column
per :class:`TallyMeasure`: how many records meet its condition, or the sum of a column
over them (money in whole cents: exact on every backend).

Maintenance is the rollups' (:mod:`.rollups`): the ``@on_change`` hook :func:`maintain`
takes a changed record's old contribution out of its old row and adds the new one to its
new row, as upserts that add a delta, in the change's own transaction. Rows written
behind the API's back are repaired by :func:`recount` (the records of some keys, e.g.
after a merge moved them in bulk) or :func:`rebuild`; :func:`verify` compares.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q
from tortoise.models import Model

from crm_graphql.api.aggregation.rollups import (
    Difference,
    cell_key,
    cents,
    matches,
    plain_value,
)
from crm_graphql.api.conditions import lookup_q
from crm_graphql.api.mutations.changes import Changed, on_change


@dataclass(frozen=True)
class TallyMeasure:
    """A column of the tally: the records meeting ``when`` counted, or ``field`` summed
    over them (in whole cents when ``money``)."""

    column: str
    field: str | None = None
    money: bool = False
    when: Q | None = dataclasses.field(default=None, compare=False)


@dataclass(frozen=True)
class Tally:
    """Per combination of ``keys`` of ``source`` records, ``measures`` in ``table``."""

    name: str
    source: type[Model]
    table: type[Model]
    keys: tuple[str, ...]
    measures: tuple[TallyMeasure, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return ("cell", *self.keys, *(m.column for m in self.measures))

    def key_of(self, get: Any) -> tuple[Any, ...]:
        return tuple(plain_value(get(k)) for k in self.keys)

    def contribution(self, get: Any) -> list[int]:
        """What a record adds to its row, one amount per measure."""
        amounts = []
        for measure in self.measures:
            if measure.when is not None and not matches(measure.when, get):
                amounts.append(0)
            elif measure.field is None:
                amounts.append(1)
            else:
                value = get(measure.field)
                amounts.append(
                    0 if value is None else cents(value) if measure.money else int(value)
                )
        return amounts


_TALLIES: dict[type[Model], list[Tally]] = {}


def register(tally: Tally) -> Tally:
    """Declare a tally (a domain's declaration, at import)."""
    _TALLIES.setdefault(tally.source, []).append(tally)
    return tally


def registered() -> list[Tally]:
    """Every declared tally."""
    return [tally for tallies in _TALLIES.values() for tally in tallies]


def named(name: str) -> Tally:
    """The declared tally of that name."""
    return next(tally for tally in registered() if tally.name == name)


def _upsert_sql(tally: Tally, mysql: bool, rows: int) -> str:
    table = tally.table._meta.db_table
    quote = "`" if mysql else '"'
    names = ", ".join(f"{quote}{c}{quote}" for c in tally.columns)
    one = "(" + ", ".join(["%s" if mysql else "?"] * len(tally.columns)) + ")"
    values = ", ".join([one] * rows)
    added = [m.column for m in tally.measures]
    if mysql:
        update = ", ".join(f"`{c}` = `{c}` + VALUES(`{c}`)" for c in added)
        return f"INSERT INTO `{table}` ({names}) VALUES {values} ON DUPLICATE KEY UPDATE {update}"
    update = ", ".join(f'"{c}" = "{c}" + excluded."{c}"' for c in added)
    return (
        f'INSERT INTO "{table}" ({names}) VALUES {values} '
        f'ON CONFLICT("cell") DO UPDATE SET {update}'
    )


async def add_to_rows(tally: Tally, deltas: dict[tuple[Any, ...], list[int]]) -> None:
    """Add ``deltas`` (key -> amounts) to the tally's rows: one multi-row upsert, its
    rows in key order (two changes lock common rows in the same order)."""
    changed = sorted((key for key, amounts in deltas.items() if any(amounts)), key=cell_key)
    for start in range(0, len(changed), 500):
        chunk = changed[start : start + 500]
        values = [v for key in chunk for v in (cell_key(key), *key, *deltas[key])]
        mysql = tally.table._meta.db.capabilities.dialect == "mysql"
        await tally.table._meta.db.execute_query(_upsert_sql(tally, mysql, len(chunk)), values)


async def record(model: type[Model], before: Any, after: Any) -> None:
    """Move a record's contribution from its row before the change to its row after."""
    for tally in _TALLIES.get(model, ()):
        deltas: dict[tuple[Any, ...], list[int]] = {}
        for row, sign in ((before, -1), (after, 1)):
            if row is None:
                continue
            get = row.__getattribute__
            total = deltas.setdefault(tally.key_of(get), [0] * len(tally.measures))
            for index, amount in enumerate(tally.contribution(get)):
                total[index] += sign * amount
        await add_to_rows(tally, deltas)


@on_change
async def maintain(change: Changed) -> None:
    """Every change of a tallied record updates its rows (see the module doc)."""
    if change.entity.model in _TALLIES:
        await record(change.entity.model, change.before, change.after)


async def count_rows(tally: Tally, where: Q) -> dict[tuple[Any, ...], list[int]]:
    """The rows of the records matching ``where``, counted from the records."""
    fields_read = list(tally.keys)
    for measure in tally.measures:
        names = [measure.field] if measure.field else []
        names += [k.split("__")[0] for k in (measure.when.filters if measure.when else {})]
        fields_read += [n for n in names if n not in fields_read]
    counted: dict[tuple[Any, ...], list[int]] = {}
    for row in await tally.source.filter(where).values(*fields_read):
        total = counted.setdefault(tally.key_of(row.__getitem__), [0] * len(tally.measures))
        for index, amount in enumerate(tally.contribution(row.__getitem__)):
            total[index] += amount
    return {key: amounts for key, amounts in counted.items() if any(amounts)}


async def _stored(tally: Tally, where: Q) -> dict[str, tuple[int, ...]]:
    columns = [m.column for m in tally.measures]
    rows = await tally.table.filter(where).values_list("cell", *columns)
    return {row[0]: tuple(int(v) for v in row[1:]) for row in rows if any(row[1:])}


async def recount(model: type[Model], column: str, values: Sequence[Any]) -> None:
    """Count again, in the running transaction, the rows of every tally of ``model``
    keyed by ``column`` whose value is one of ``values`` (after their records were
    changed in bulk, e.g. moved to another customer by a merge)."""
    for tally in _TALLIES.get(model, ()):
        if column not in tally.keys:
            continue
        where = lookup_q(f"{column}__in", list(values))
        await tally.table.filter(where).delete()
        await add_to_rows(tally, await count_rows(tally, where))


async def rebuild(tally: Tally) -> int:
    """Count the tally again from every record, in one transaction (concurrent changes
    wait for it, then add their deltas); the rows written."""
    from tortoise.transactions import in_transaction

    async with in_transaction():
        await tally.table.all().delete()
        counted = await count_rows(tally, Q())
        await add_to_rows(tally, counted)
    return len(counted)


async def rebuild_all() -> int:
    """Rebuild every declared tally; the rows written."""
    return sum([await rebuild(tally) for tally in registered()])


async def verify(tally: Tally) -> list[Difference]:
    """Compare every stored row with the row counted from the records."""
    counted = {cell_key(k): tuple(v) for k, v in (await count_rows(tally, Q())).items()}
    stored = await _stored(tally, Q())
    zero = (0,) * len(tally.measures)
    return [
        Difference(tally.name, cell, stored.get(cell, zero), counted.get(cell, zero))
        for cell in sorted(set(counted) | set(stored))
        if counted.get(cell, zero) != stored.get(cell, zero)
    ]
