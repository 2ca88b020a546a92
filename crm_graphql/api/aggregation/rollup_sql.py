"""The statements that count rollup cells from the records in the database itself, for
``rollups rebuild`` (``INSERT INTO rollup ... SELECT ... GROUP BY``) and ``rollups
verify`` (the same ``SELECT``), on MySQL/MariaDB and SQLite.

Each statement computes in SQL what :mod:`crm_graphql.api.aggregation.rollups` computes
in Python for one record: the start of its quarter hour, UTC day or UTC month, stored
in the form the change hook stores it (SQLite compares these as text), the cell key
``grain|start|dimension values`` byte for byte as :func:`~.rollups.cell_key` makes it
(``~`` for NULL), money in whole cents and the number of values given of each sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tortoise.expressions import Q

if TYPE_CHECKING:
    from crm_graphql.api.aggregation.rollups import Rollup, RollupSum

#: The grains (see :mod:`~.rollups`), repeated here to keep this module free of imports.
_QUARTER, _DAY, _MONTH = 900, 86400, 31 * 86400


@dataclass(frozen=True)
class Batch:
    """The records of one calendar month (UTC) of the time column, from ``start`` to
    ``end`` (excluded), or those without a time (both None)."""

    start: datetime | None = None
    end: datetime | None = None

    @property
    def label(self) -> str:
        return self.start.strftime("%Y-%m") if self.start is not None else "no time"


@dataclass(frozen=True)
class CellSql:
    """The SQL of one rollup in one dialect."""

    rollup: Rollup
    mysql: bool

    # ------------------------------------------------------------------ names and values

    def _name(self, name: str) -> str:
        return f"`{name}`" if self.mysql else f'"{name}"'

    def _column(self, field: str) -> str:
        """The source's column of a field (``author_id`` is its own column), or the SQL
        of a derived value."""
        for derived in self.rollup.derived:
            if derived.name == field:
                return f"({derived.sql})"
        meta = self.rollup.source._meta
        return self._name(meta.fields_db_projection.get(field, field))

    @property
    def _mark(self) -> str:
        return "%s" if self.mysql else "?"

    @property
    def _dated(self) -> bool:
        """Whether the time column is a calendar day (a DATE)."""
        from crm_graphql.api.aggregation.rollups import is_date

        return is_date(self.rollup)

    def _instant(self, value: datetime) -> Any:
        if self._dated:
            return value.astimezone(UTC).date()
        # MySQL: the session's zone is UTC and DATETIME is naive; SQLite: the stored text.
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if self.mysql else utc

    def _text(self, expression: str) -> str:
        kind = "CHAR" if self.mysql else "TEXT"
        return f"COALESCE(CAST({expression} AS {kind}), '~')"

    def _concat(self, parts: list[str]) -> str:
        return f"CONCAT({', '.join(parts)})" if self.mysql else " || ".join(parts)

    # ------------------------------------------------------------------ time

    def _start(self, column: str, grain: int) -> str:
        """The start of the grain that ``column`` falls in, as the hook stores it (MySQL:
        ``%%`` is a percent sign, as the driver formats every statement with its
        parameters). A calendar day is its own quarter hour and day."""
        if self._dated:
            if grain != _MONTH:
                return column
            return (
                f"DATE_FORMAT({column}, '%%Y-%%m-01')"
                if self.mysql
                else f"strftime('%Y-%m-01', {column})"
            )
        if self.mysql:
            if grain == _QUARTER:
                minute = f"MINUTE({column}) DIV 15 * 15"
                return f"TIMESTAMP(DATE({column}), MAKETIME(HOUR({column}), {minute}, 0))"
            if grain == _DAY:
                return f"TIMESTAMP(DATE({column}))"
            return f"TIMESTAMP(DATE_FORMAT({column}, '%%Y-%%m-01'))"
        # SQLite keeps a time zone aware datetime as text, "2026-01-01 10:15:00+00:00".
        if grain == _QUARTER:
            minute = f"CAST(strftime('%M', {column}) AS INTEGER) / 15 * 15"
            return (
                f"strftime('%Y-%m-%d %H:', {column}) || substr('0' || ({minute}), -2)"
                " || ':00+00:00'"
            )
        if grain == _DAY:
            return f"strftime('%Y-%m-%d 00:00:00+00:00', {column})"
        return f"strftime('%Y-%m-01 00:00:00+00:00', {column})"

    def _key_time(self, start: str) -> str:
        if self.mysql:
            return f"COALESCE(DATE_FORMAT({start}, '%%Y%%m%%d%%H%%i'), '~')"
        return f"COALESCE(strftime('%Y%m%d%H%M', {start}), '~')"

    def _cents(self, column: str) -> str:
        if self.mysql:
            return f"CAST({column} * 100 AS SIGNED)"
        # SQLite holds a DECIMAL(14,2) as a double: 14 digits, so x * 100 rounds exactly.
        return f"CAST(ROUND({column} * 100) AS INTEGER)"

    def _micros(self, start: str, end: str) -> str:
        """Microseconds from ``start`` to ``end`` as ``sql.MicrosBetween`` computes them."""
        if self.mysql:
            return f"TIMESTAMPDIFF(MICROSECOND, {start}, {end})"
        return f"CAST(ROUND((julianday({end}) - julianday({start})) * 86400000) AS INTEGER) * 1000"

    def _value(self, summed: RollupSum) -> str:
        """A record's value of a summed column (NULL when it has none)."""
        if summed.since is not None:
            return self._micros(self._column(summed.since), self._column(summed.field))
        column = self._column(summed.field)
        value = self._cents(column) if summed.money else column
        if summed.weight is not None:
            value = f"{value} * {self._column(summed.weight)}"
        return value

    # ------------------------------------------------------------------ conditions

    def _only(self, condition: Q) -> tuple[str, list[Any]]:
        """A rollup's ``only`` condition in SQL (the lookups ``rollups.matches`` knows)."""
        from crm_graphql.api.aggregation.rollups import plain_value

        parts: list[str] = []
        values: list[Any] = []
        for key, expected in condition.filters.items():
            name, _, lookup = key.partition("__")
            column = self._column(name)
            if lookup == "isnull":
                parts.append(f"{column} IS {'' if expected else 'NOT '}NULL")
            elif lookup == "in":
                items = [plain_value(v) for v in expected]
                marks = ", ".join(self._mark for _ in items) or "NULL"
                parts.append(f"{column} IN ({marks})")
                values += items
            elif lookup in ("", "not"):
                parts.append(f"{column} {'=' if lookup == '' else '<>'} {self._mark}")
                values.append(plain_value(expected))
            else:
                raise ValueError(f"unsupported condition {key}")
        for child in condition.children:
            sql, child_values = self._only(child)
            parts.append(sql)
            values += child_values
        joined = f" {'OR' if condition.join_type == Q.OR else 'AND'} ".join(
            f"({part})" for part in parts
        )
        return (f"NOT ({joined})" if condition._is_negated else joined), values

    def records(self, batch: Batch) -> tuple[str, list[Any]]:
        """The condition on the source's rows of ``batch`` (and the rollup's ``only``)
        and its parameters."""
        time = self._column(self.rollup.time)
        if batch.start is None or batch.end is None:
            where, values = f"{time} IS NULL", []
        else:
            mark = self._mark
            where = f"{time} >= {mark} AND {time} < {mark}"
            values = [self._instant(batch.start), self._instant(batch.end)]
        if self.rollup.only is not None:
            only, only_values = self._only(self.rollup.only)
            where, values = f"{where} AND ({only})", [*values, *only_values]
        return where, values

    def cells(self, batch: Batch) -> tuple[str, list[Any]]:
        """The condition on the rollup's cells of ``batch`` (every grain), read through
        the (grain, time) index."""
        time = self._name(self.rollup.time)
        grains = f"{self._name('grain')} IN ({_QUARTER}, {_DAY}, {_MONTH})"
        if batch.start is None or batch.end is None:
            return f"{grains} AND {time} IS NULL", []
        mark = self._mark
        return f"{grains} AND {time} >= {mark} AND {time} < {mark}", [
            self._instant(batch.start),
            self._instant(batch.end),
        ]

    # ------------------------------------------------------------------ statements

    def counted(self, grain: int, batch: Batch) -> tuple[str, list[Any]]:
        """SELECT the cells of ``grain`` counted from the rows of ``batch``, one row per
        cell with the rollup's columns (:attr:`Rollup.columns`)."""
        rollup = self.rollup
        inner = [f"{self._start(self._column(rollup.time), grain)} AS bucket_start"]
        inner += [f"{self._column(d)} AS {self._name(d)}" for d in rollup.dimensions]
        outer_sums = []
        for index, summed in enumerate(rollup.sums):
            inner.append(f"{self._value(summed)} AS m{index}")
            outer_sums.append(f"COALESCE(SUM(m{index}), 0) AS {self._name(summed.column)}")
            outer_sums.append(f"COUNT(m{index}) AS {self._name(summed.present)}")
        for field in rollup.extremes:
            index = next(i for i, s in enumerate(rollup.sums) if s is rollup.sum_of(field))
            outer_sums.append(f"MIN(m{index}) AS {self._name(field + '_min')}")
            outer_sums.append(f"MAX(m{index}) AS {self._name(field + '_max')}")
        if rollup.extremes:  # counted now: exact, and no upsert since
            outer_sums += [f"0 AS {self._name('stale')}", f"0 AS {self._name('changes')}"]
        key = [f"'{grain}|'", self._key_time("bucket_start")]
        for dimension in rollup.dimensions:
            key += ["'|'", self._text(self._name(dimension))]
        dimensions = [self._name(d) for d in rollup.dimensions]
        outer = [
            f"{self._concat(key)} AS {self._name('cell')}",
            f"{grain} AS {self._name('grain')}",
            f"bucket_start AS {self._name(rollup.time)}",
            *dimensions,
            f"COUNT(*) AS {self._name('n')}",
            *outer_sums,
        ]
        where, values = self.records(batch)
        source = self._name(rollup.source._meta.db_table)
        sql = (
            f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} FROM {source}"
            f" WHERE {where}) counted GROUP BY {', '.join(['bucket_start', *dimensions])}"
        )
        return sql, values

    def insert(self, grain: int, batch: Batch) -> tuple[str, list[Any]]:
        """INSERT the counted cells of ``grain`` of ``batch`` into the rollup."""
        select, values = self.counted(grain, batch)
        table = self._name(self.rollup.table._meta.db_table)
        names = ", ".join(self._name(c) for c in self.rollup.stored_columns)
        return f"INSERT INTO {table} ({names}) {select}", values

    def delete(self, batch: Batch) -> tuple[str, list[Any]]:
        """DELETE the rollup's cells of ``batch``."""
        where, values = self.cells(batch)
        return f"DELETE FROM {self._name(self.rollup.table._meta.db_table)} WHERE {where}", values

    def lock(self, batch: Batch) -> tuple[str, list[Any]]:
        """Read the rows of ``batch`` with shared locks (MySQL): a change to one of them,
        or a new row in the month, waits for the rebuild's commit."""
        where, values = self.records(batch)
        source = self._name(self.rollup.source._meta.db_table)
        return f"SELECT COUNT(*) AS found FROM {source} WHERE {where} LOCK IN SHARE MODE", values

    def stored(self, batch: Batch) -> tuple[str, list[Any]]:
        """SELECT the stored cells of ``batch``: the key and the amounts."""
        where, values = self.cells(batch)
        extremes = (*self.rollup.extreme_columns, "stale") if self.rollup.extremes else ()
        names = ", ".join(self._name(c) for c in ("cell", *self.rollup.amounts, *extremes))
        table = self._name(self.rollup.table._meta.db_table)
        return f"SELECT {names} FROM {table} WHERE {where}", values
