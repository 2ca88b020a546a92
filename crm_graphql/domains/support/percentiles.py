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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tortoise.models import Model

PERCENTILES = (50, 90)


@dataclass(frozen=True)
class Condition:
    """``column <op> value`` (op from the code: ``>=``, ``<``, ``=``, ``IN``)."""

    column: str
    op: str
    value: Any


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
        conditions = [f"{self.value} IS NOT NULL"]
        params: list[Any] = []
        for condition in self.where:
            if condition.op == "IN":
                values = list(condition.value)
                conditions.append(f"{condition.column} IN ({', '.join([mark] * len(values))})")
                params.extend(values)
            else:
                conditions.append(f"{condition.column} {condition.op} {mark}")
                params.append(condition.value)
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
