"""Percentiles computed in the database, in SQL that MySQL 8, MariaDB and SQLite all run.

MySQL has no ``PERCENTILE_CONT``; a window numbers the ordered values instead::

    SELECT <keys>, COUNT(*),
           MIN(CASE WHEN rn * 100 >= cnt * 50 THEN v END) AS p50,
           MIN(CASE WHEN rn * 100 >= cnt * 90 THEN v END) AS p90
    FROM (SELECT <keys>, <value> AS v,
                 ROW_NUMBER() OVER (PARTITION BY <keys> ORDER BY <value>) AS rn,
                 COUNT(*) OVER (PARTITION BY <keys>) AS cnt
          FROM <table> WHERE <conditions> AND <value> IS NOT NULL) ranked
    GROUP BY <keys>

The p-th percentile is the value at rank ceil(p/100 x n) of the n values in order (the
"nearest rank" definition: always one of the values, the lower middle value for the
median of an even count). Only the groups come back to Python.

Column and table names come from the code (never from a request); every value is a
parameter.

**From rollups** (:class:`RankedTimes`): the same nearest-rank values without reading a
period's rows. Each ticket's time falls in a *duration bucket* (:data:`BUCKET_STARTS`,
about 10% wide; a generated column of the ticket, e.g. ``first_response_bucket``), and
rollups count the tickets per quarter hour, day or month, group key and bucket. One
statement sums those counts over the range (exact local periods, as every rollup read:
the range begins and ends on quarter hours), a row per group and bucket; adding them up
in bucket order gives ``n`` per group and so the bucket that holds rank ceil(p/100 x n)
and the rank within it. A second statement reads, per group and percentile,
only the tickets of that bucket in the range, through an index ``(bucket, key, time,
value)``, ordered by the value with ``OFFSET`` that rank (``UNION ALL`` of one such read
each). A bucket of one possible value needs no read.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.models import Model

from crm_graphql.api.aggregation import rollups
from crm_graphql.api.aggregation.core import Dimension, Measure, at_once
from crm_graphql.api.aggregation.rollups import Rollup
from crm_graphql.api.conditions import lookup_q

PERCENTILES = (50, 90)


@dataclass(frozen=True)
class Condition:
    """``column <op> value`` (op from the code: ``>=``, ``<``, ``=``, ``IN``)."""

    column: str
    op: str
    value: Any


def conditions_sql(where: Sequence[Condition], mark: str) -> tuple[list[str], list[Any]]:
    """The SQL of each condition (``mark``: the parameter placeholder), and their
    parameters in order."""
    conditions: list[str] = []
    params: list[Any] = []
    for condition in where:
        if condition.op == "IN":
            values = list(condition.value)
            conditions.append(f"{condition.column} IN ({', '.join([mark] * len(values))})")
            params.extend(values)
        else:
            conditions.append(f"{condition.column} {condition.op} {mark}")
            params.append(condition.value)
    return conditions, params


@dataclass(frozen=True)
class PercentileQuery:
    """Percentiles of ``value`` over the rows of ``model`` matching ``where``, per
    combination of ``keys``; ``sums`` are further ``SUM(expression)`` columns over the
    same rows (expressions from the code, over the columns listed in ``carry``)."""

    model: type[Model]
    value: str
    keys: tuple[str, ...] = ()
    where: tuple[Condition, ...] = ()
    carry: tuple[str, ...] = ()
    sums: dict[str, str] = field(default_factory=dict)

    def sql(self, mark: str) -> tuple[str, list[Any]]:
        """The statement (``mark``: the parameter placeholder) and its parameters."""
        table = self.model._meta.db_table
        keys = ", ".join(self.keys)
        partition = f"PARTITION BY {keys} " if self.keys else ""
        inner_columns = [*self.keys, *self.carry, f"{self.value} AS v"]
        where, params = conditions_sql(self.where, mark)
        conditions = [f"{self.value} IS NOT NULL", *where]
        inner = (
            f"SELECT {', '.join(inner_columns)}, "
            f"ROW_NUMBER() OVER ({partition}ORDER BY {self.value}) AS rn, "
            f"COUNT(*) OVER ({partition.strip()}) AS cnt "
            f"FROM {table} WHERE {' AND '.join(conditions)}"
        )
        outer = [*self.keys, "COUNT(*) AS n"]
        for p in PERCENTILES:
            outer.append(f"MIN(CASE WHEN rn * 100 >= cnt * {p} THEN v END) AS p{p}")
        for alias, expression in self.sums.items():
            outer.append(f"SUM({expression}) AS {alias}")
        group = f" GROUP BY {keys}" if self.keys else ""
        return f"SELECT {', '.join(outer)} FROM ({inner}) ranked{group}", params

    async def run(self) -> list[dict[str, Any]]:
        """The groups: each key, ``n``, ``p50``, ``p90`` and the sums (None for no rows)."""
        connection = self.model._meta.db
        mark = "%s" if connection.capabilities.dialect == "mysql" else "?"
        sql, params = self.sql(mark)
        rows = await connection.execute_query_dict(sql, params)
        return [
            row
            for row in rows
            if row["n"]  # no rows: one row of nulls when there are no keys
        ]


# --------------------------------------------------------------------------- from rollups

#: Of the tickets solved: those under an SLA policy, and those that met both targets
#: (booleans are 0/1), as SQL over the ticket's columns.
SLA_SQL = {
    "with_sla": "CASE WHEN sla_policy_id IS NOT NULL THEN 1 ELSE 0 END",
    "met": "CASE WHEN sla_policy_id IS NOT NULL AND first_response_breached = 0 "
    "AND resolution_breached = 0 THEN 1 ELSE 0 END",
}


def _bucket_starts() -> tuple[int, ...]:
    starts = []
    start = 1
    while start <= 10**8:
        starts.append(start)
        start += max(1, start // 10)
    return tuple(starts)


#: Where each duration bucket after the first begins, in seconds: 1, 2, ... 10, 11, 12,
#: 13, 14, 15, 16, 17, 18, 19, 20, 22, 24, ... (each about 10% above the one before)
#: up to three years. Bucket ``i`` holds the values from ``BUCKET_STARTS[i - 1]`` to
#: ``BUCKET_STARTS[i]`` (excluded); bucket 0 those below 1. Migration
#: ``0028_support_percentiles`` computes the same in the generated columns.
BUCKET_STARTS = _bucket_starts()


def duration_bucket(seconds: int | None) -> int | None:
    """The bucket of a duration (None for none)."""
    return None if seconds is None else bisect.bisect_right(BUCKET_STARTS, seconds)


def bucket_bounds(bucket: int) -> tuple[int | None, int | None]:
    """The first value of a bucket and the first after it (None: unbounded)."""
    low = BUCKET_STARTS[bucket - 1] if bucket > 0 else None
    high = BUCKET_STARTS[bucket] if bucket < len(BUCKET_STARTS) else None
    return low, high


def bucket_sql(column: str) -> str:
    """:func:`duration_bucket` in SQL (every backend)."""
    whens = " ".join(f"WHEN {column} < {start} THEN {i}" for i, start in enumerate(BUCKET_STARTS))
    return f"CASE WHEN {column} IS NULL THEN NULL {whens} ELSE {len(BUCKET_STARTS)} END"


def rank_of(percentile: int, n: int) -> int:
    """The nearest rank of a percentile of ``n`` values: the least r with r x 100 >= n x p
    (as the window's ``rn * 100 >= cnt * p``)."""
    return -(-n * percentile // 100)


@dataclass(frozen=True)
class RankedTimes:
    """Percentiles of ``value`` over the tickets whose ``time`` falls in a range, read
    from rollups (see the module doc).

    ``rollups``: per group key (``channel``, ``priority``) the name of the rollup counting
    by that key and ``bucket``; the totals read the first. Per agent there is none: an
    agent answers a few tickets a day, so the cells of agent, bucket and period are about
    as many as the tickets, and the rows are read instead. ``sums``:
    further summed fields of those rollups, totalled per group (the SLA attainment)."""

    model: type[Model]
    value: str
    time: str
    bucket: str
    rollups: dict[str, str]
    sums: tuple[str, ...] = ()

    def serves(self, start: datetime, end: datetime, keys: tuple[str, ...]) -> bool:
        """Whether the rollups answer exactly: they may be read, there is one for the
        group key, and the range begins and ends on quarter hours."""
        return (
            rollups.rollup_reads.get()
            and all(key in self.rollups for key in keys)
            and rollups.on_grain(start)
            and rollups.on_grain(end)
        )

    async def run(
        self, start: datetime, end: datetime, keys: tuple[str, ...]
    ) -> list[dict[str, Any]]:
        """The groups as :meth:`PercentileQuery.run` gives them: each key, ``n``, ``p50``,
        ``p90`` and the sums. Two statements (one when no group needs a read)."""
        return (await ranked_times([(self, keys[0] if keys else None)], start, end))[0]

    def rollup_of(self, key: str | None) -> Rollup:
        """The rollup counting by ``key`` (the first one for the totals)."""
        return rollups.named(self.rollups[key or next(iter(self.rollups))])

    async def counts_sql(self, start: datetime, end: datetime, key: str | None) -> tuple[str, Any]:
        """The statement of the range's cells added up per ``key`` (None: in total) and
        bucket (columns ``d_<key>``, ``d_bucket``, ``m_n`` and ``m_<sum>``), and its
        parameters."""
        measures = [Measure("n", "count"), *(Measure(s, "sum", s) for s in self.sums)]
        where = Q(lookup_q(f"{self.time}__gte", start), lookup_q(f"{self.time}__lt", end))
        plan = rollups.plan_of(
            self.rollup_of(key),
            where,
            [*([Dimension(key, key)] if key else []), Dimension("bucket", self.bucket)],
            measures,
        )
        return await plan.statement()


#: Per group (a key's value, or None for all): ``n``, the sums, and per percentile the
#: bucket that holds its rank and the rank's offset in that bucket (from 0).
Groups = dict[Any, dict[str, Any]]


def _groups_of(cells: dict[Any, dict[int, list[int]]], sums: Sequence[str]) -> Groups:
    """The groups of counted cells (per group, per bucket: the tickets, then each sum):
    ``n``, the sums, and per percentile the bucket holding its rank and the offset there
    (the buckets taken in order, adding up the tickets below each)."""
    groups: Groups = {}
    for name, buckets in cells.items():
        n = sum(counts[0] for counts in buckets.values())
        if not n:
            continue
        totals = [sum(counts[1 + i] for counts in buckets.values()) for i in range(len(sums))]
        found: dict[str, Any] = {"n": n, "ranks": {}} | dict(zip(sums, totals, strict=True))
        ranks = {percentile: rank_of(percentile, n) for percentile in PERCENTILES}
        below = 0
        for bucket in sorted(buckets):
            count = buckets[bucket][0]
            for percentile, rank in ranks.items():
                if below < rank <= below + count:
                    found["ranks"][percentile] = (bucket, rank - below - 1)
            below += count
        groups[name] = found
    return groups


async def _located(
    times: RankedTimes,
    key: str | None,
    by_key: bool,
    in_total: bool,
    start: datetime,
    end: datetime,
) -> tuple[Groups, Groups]:
    """The groups of ``key`` and the total (each only when asked for) of the tickets of
    the range, from one statement over the cells of ``times``' rollup by ``key``.

    The statement adds up the cells per key and bucket (the statement of the rollup's
    plan: a row per key and bucket with tickets, a few hundred for a year by channel);
    the tickets up to each bucket are added up here, per key and in total, which finds
    the bucket of each percentile's rank (in Python: no window functions, which cost
    MariaDB a temporary table and a sort each)."""
    inner, params = await times.counts_sql(start, end, key)
    amounts = ["n", *times.sums]
    columns = [f"d_{key} AS g" if key else "NULL AS g", "d_bucket AS b"]
    columns += [f"m_{name} AS a{i}" for i, name in enumerate(amounts)]
    sql = f"SELECT {', '.join(columns)} FROM ({inner}) AS cells"
    rows = await times.model._meta.db.execute_query_dict(sql, list(params))
    keyed: dict[Any, dict[int, list[int]]] = {}
    total: dict[Any, dict[int, list[int]]] = {}
    for row in rows:
        name, bucket = row["g"], row["b"]
        counts = [int(row[f"a{i}"] or 0) for i in range(len(amounts))]
        for asked, cells, group in ((by_key, keyed, name), (in_total, total, None)):
            if not asked:
                continue
            held = cells.setdefault(group, {}).setdefault(int(bucket), [0] * len(counts))
            for i, amount in enumerate(counts):
                held[i] += amount
    return _groups_of(keyed, times.sums), _groups_of(total, times.sums)


async def ranked_times(
    asks: Sequence[tuple[RankedTimes, str | None]], start: datetime, end: datetime
) -> list[list[dict[str, Any]]]:
    """For each ``(times, key)`` (key None: in total), the groups as
    :meth:`RankedTimes.run` gives them. Per time asked for (first response, resolution),
    and the times at once: a statement that locates the ranks per key the time is asked
    by (:func:`_located`; the total from the cells of one of those keys, else from the
    first rollup's cells per bucket alone), those at once, then one statement that reads the values
    at the time's ranks (none when no rank needs a read)."""
    counted: dict[tuple[int, str | None], Groups] = {}
    answers: dict[tuple[int, Any, int], Any] = {}

    async def ranks_of(times: RankedTimes) -> None:
        own = [(index, key) for index, (t, key) in enumerate(asks) if t is times]
        # The cells the time's asks are answered from: key -> (by key, in total); the
        # total from the cells of a key asked for too, else per bucket alone (None).
        reads: dict[str | None, tuple[bool, bool]] = {}
        for _, key in own:
            if key is not None:
                reads[key] = (True, reads.get(key, (True, False))[1])
        if any(key is None for _, key in own):
            chosen = next(iter(reads), None)
            reads[chosen] = (reads.get(chosen, (False, True))[0], True)
        located = await at_once(
            *(_located(times, key, *sides, start, end) for key, sides in reads.items())
        )
        for (key, (by_key, in_total)), (keyed, total) in zip(reads.items(), located, strict=True):
            if by_key:
                counted[id(times), key] = keyed
            if in_total:
                counted[id(times), None] = total
        # Per ask, group and percentile: the value when the bucket has one, else a read.
        wanted: list[tuple[int, RankedTimes, str | None, Any, int, int, int]] = []
        for index, key in own:
            for name, group in counted[id(times), key].items():
                for percentile, (bucket, offset) in group["ranks"].items():
                    low, high = bucket_bounds(bucket)
                    if low is not None and high == low + 1:
                        answers[index, name, percentile] = low  # one possible value
                    else:
                        wanted.append((index, times, key, name, percentile, bucket, offset))
        if wanted:
            answers.update(await _read(start, end, wanted))

    await at_once(*(ranks_of(times) for times in {id(t): t for t, _ in asks}.values()))
    results = []
    for index, (times, key) in enumerate(asks):
        result = []
        groups = counted[id(times), key]
        for name in sorted(groups, key=lambda name: (name is not None, name)):
            group = groups[name]
            row: dict[str, Any] = {"n": group["n"]}
            if key:
                row[key] = name
            for percentile in PERCENTILES:
                row[f"p{percentile}"] = answers.get((index, name, percentile))
            for summed in times.sums:
                row[summed] = group[summed]
            result.append(row)
        results.append(result)
    return results


async def _read(
    start: datetime,
    end: datetime,
    reads: Sequence[tuple[int, RankedTimes, str | None, Any, int, int, int]],
) -> dict[tuple[int, Any, int], Any]:
    """The value at each (ask, group, percentile) from its bucket and offset, in one
    statement: per read, the tickets of the range in that group and bucket in order of
    the value, the one at the offset (``UNION ALL`` of one such read each).

    Each read is its own range of the index ``(bucket, key, time, value)``: a single read
    of every wanted (group, bucket) under one OR made MariaDB take the bucket's index
    alone and fetch every ticket of those buckets from the table (hundreds of
    milliseconds for a year by channel at 100,000 customers). MySQL and MariaDB take
    each read as a parenthesised part of the ``UNION ALL`` (no derived table to
    materialise per read, one for the whole union); SQLite, which has no such parts, as a
    derived table each."""
    connection = reads[0][1].model._meta.db
    mysql = connection.capabilities.dialect == "mysql"
    mark = "%s" if mysql else "?"
    selects: list[str] = []
    params: list[Any] = []
    for q, (_, times, key, name, _, bucket, offset) in enumerate(reads):
        conditions = [f"{times.bucket} = {mark}"]
        params.append(bucket)
        if key and name is None:
            conditions.append(f"{key} IS NULL")
        elif key:
            conditions.append(f"{key} = {mark}")
            params.append(name)
        conditions += [f"{times.time} >= {mark}", f"{times.time} < {mark}"]
        params += [start, end]
        # The offset is a whole number computed here, never a value from a request.
        read = (
            f"FROM {times.model._meta.db_table} WHERE {' AND '.join(conditions)} "
            f"ORDER BY {times.value} LIMIT 1 OFFSET {int(offset)}"
        )
        if mysql:
            selects.append(f"(SELECT {q} AS q, {times.value} AS v {read})")
        else:
            selects.append(f"SELECT {q} AS q, v FROM (SELECT {times.value} AS v {read}) AS r{q}")
    statement = " UNION ALL ".join(selects)
    if mysql:
        # A statement begins with its verb (what counts and logs statements looks there).
        statement = f"SELECT q, v FROM ({statement}) AS ranks"
    rows = await connection.execute_query_dict(statement, params)
    found = {}
    for row in rows:
        index, _, _, name, percentile, _, _ = reads[row["q"]]
        found[index, name, percentile] = row["v"]
    return found
