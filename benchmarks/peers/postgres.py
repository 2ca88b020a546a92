"""The same data in PostgreSQL: the headline query's tables copied from MySQL/MariaDB.

Tables are created from MySQL's ``information_schema`` (same columns, mapped to the
PostgreSQL types), filled with ``COPY`` through ``psql``, and given the same primary
keys, foreign keys and indexes (InnoDB's implicit foreign-key indexes included), then
analysed. ``customer_lifetime_value(customer)`` is the lifetime value as a computed
column (PostGraphile shows it as ``Customer.lifetimeValue``). A copy whose row counts
match the source is kept: the next run does not copy again.

Needs the ``psql`` client and a PostgreSQL server that lets the given user create a
database.
"""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from datetime import date, datetime
from typing import Any
from urllib.parse import urlparse

from benchmarks.peers.shape import BASE_CURRENCY, REVENUE_STATUSES

#: The tables the headline query reads, parents before children.
TABLES = (
    "crm_user",
    "company",
    "customer",
    "product",
    "crm_order",
    "order_item",
    "opportunity",
    "interaction",
)

_BATCH = 5000


def _pg_type(column_type: str) -> str:
    column_type = column_type.lower()
    if column_type.startswith("tinyint(1)"):
        return "boolean"
    if column_type.startswith(("int", "mediumint")):
        return "integer"
    if column_type.startswith(("smallint", "tinyint")):
        return "smallint"
    if column_type.startswith("bigint"):
        return "bigint"
    if column_type.startswith(("varchar", "char")):
        return column_type
    if column_type.startswith(("decimal", "numeric")):
        return column_type.replace("decimal", "numeric")
    if column_type.startswith("datetime") or column_type.startswith("timestamp"):
        return "timestamptz"
    if column_type == "date":
        return "date"
    if "text" in column_type or column_type == "json":
        return "text"
    if column_type.startswith("double") or column_type.startswith("float"):
        return "double precision"
    raise ValueError(f"no PostgreSQL type for {column_type}")


def _text_value(value: Any) -> str:
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat() + ("+00" if value.tzinfo is None else "")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Psql:
    """Statements through the ``psql`` command line client."""

    def __init__(self, url: str) -> None:
        self.url = url

    def run(self, sql: str) -> str:
        result = subprocess.run(
            ["psql", self.url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise SystemExit(f"psql failed: {result.stderr.strip()}\n{sql[:500]}")
        return result.stdout

    def copy_in(self, table: str, columns: list[str]) -> subprocess.Popen:
        """A ``psql`` that reads rows (COPY text format) from its standard input."""
        quoted = ", ".join(f'"{c}"' for c in columns)
        return subprocess.Popen(
            [
                "psql",
                self.url,
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "-c",
                f"\\copy {table} ({quoted}) from stdin",
            ],
            stdin=subprocess.PIPE,
            text=True,
        )


def postgres_url(base: str, mysql_url: str) -> str:
    """``base`` (a PostgreSQL server URL) with the database named as the MySQL one."""
    name = urlparse(mysql_url).path.lstrip("/")
    return urlparse(base)._replace(path=f"/{name}").geturl()


async def _mysql_connect(url: str) -> Any:
    import asyncmy

    parts = urlparse(url)
    return await asyncmy.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
        db=parts.path.lstrip("/"),
        charset="utf8mb4",
    )


async def _rows(connection: Any, sql: str, params: tuple = ()) -> list[tuple]:
    async with connection.cursor() as cursor:
        await cursor.execute(sql, params)
        return list(await cursor.fetchall())


async def copy_to_postgres(mysql_url: str, pg_url: str, *, force: bool = False) -> str:
    """Copy the headline query's tables into the PostgreSQL database ``pg_url`` (created
    when missing); returns what was done."""
    server = Psql(urlparse(pg_url)._replace(path="/postgres").geturl())
    name = urlparse(pg_url).path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"unexpected database name {name!r}")
    if not server.run(f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip():
        server.run(f"CREATE DATABASE {name}")
    pg = Psql(pg_url)
    mysql = await _mysql_connect(mysql_url)
    try:
        schema = urlparse(mysql_url).path.lstrip("/")
        counts = {t: (await _rows(mysql, f"SELECT COUNT(*) FROM {t}"))[0][0] for t in TABLES}
        if not force and _same_counts(pg, counts):
            _create_functions(pg)
            return f"PostgreSQL copy {name} is up to date ({sum(counts.values()):,} rows)"
        pg.run("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        columns = await _columns(mysql, schema)
        for table in TABLES:
            pg.run(
                f"CREATE TABLE {table} ("
                + ", ".join(
                    f'"{column}" {pg_type}' + ("" if nullable else " NOT NULL")
                    for column, pg_type, nullable in columns[table]
                )
                + ")"
            )
            names = [column for column, _, _ in columns[table]]
            await _copy_table(mysql, pg, table, names)
        await _constraints_and_indexes(mysql, pg, schema)
        _create_functions(pg)
        pg.run("ANALYZE")
        return f"copied {sum(counts.values()):,} rows into PostgreSQL database {name}"
    finally:
        mysql.close()


def _same_counts(pg: Psql, counts: dict[str, int]) -> bool:
    for table, count in counts.items():
        try:
            have = pg.run(
                f"SELECT COUNT(*) FROM {table}"
                if pg.run(f"SELECT to_regclass('public.{table}')").strip()
                else "SELECT -1"
            )
        except SystemExit:
            return False
        if int(have.strip()) != count:
            return False
    return True


async def _columns(mysql: Any, schema: str) -> dict[str, list[tuple[str, str, bool]]]:
    found: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
    for table, column, column_type, nullable in await _rows(
        mysql,
        "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME, ORDINAL_POSITION",
        (schema,),
    ):
        if table in TABLES:
            found[table].append((column, _pg_type(column_type), nullable == "YES"))
    return found


async def _copy_table(mysql: Any, pg: Psql, table: str, columns: list[str]) -> None:
    process = pg.copy_in(table, columns)
    assert process.stdin is not None
    selected = ", ".join(f"`{c}`" for c in columns)
    last_id = 0
    id_index = columns.index("id")
    while True:
        batch = await _rows(
            mysql,
            f"SELECT {selected} FROM {table} WHERE id > %s ORDER BY id LIMIT {_BATCH}",
            (last_id,),
        )
        if not batch:
            break
        process.stdin.write(
            "".join("\t".join(_text_value(value) for value in row) + "\n" for row in batch)
        )
        last_id = batch[-1][id_index]
    process.stdin.close()
    if process.wait() != 0:
        raise SystemExit(f"copying {table} into PostgreSQL failed")


async def _constraints_and_indexes(mysql: Any, pg: Psql, schema: str) -> None:
    indexes: dict[tuple[str, str], list[str]] = defaultdict(list)
    unique: dict[tuple[str, str], bool] = {}
    for table, index, column, non_unique in await _rows(
        mysql,
        "SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME, NON_UNIQUE FROM information_schema.STATISTICS "
        "WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
        (schema,),
    ):
        if table in TABLES:
            indexes[(table, index)].append(column)
            unique[(table, index)] = not non_unique
    statements = []
    for (table, index), columns in indexes.items():
        listed = ", ".join(f'"{c}"' for c in columns)
        if index == "PRIMARY":
            statements.append(f"ALTER TABLE {table} ADD PRIMARY KEY ({listed})")
        else:
            kind = "UNIQUE INDEX" if unique[(table, index)] else "INDEX"
            pg_name = f"{table}_{index}"[:63]  # PostgreSQL index names are per schema
            statements.append(f'CREATE {kind} "{pg_name}" ON {table} ({listed})')
    for table, constraint, column, target, target_column, on_delete in await _rows(
        mysql,
        "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, "
        "k.REFERENCED_COLUMN_NAME, r.DELETE_RULE FROM information_schema.KEY_COLUMN_USAGE k "
        "JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = "
        "k.TABLE_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME "
        "WHERE k.TABLE_SCHEMA = %s AND k.REFERENCED_TABLE_NAME IS NOT NULL",
        (schema,),
    ):
        if table in TABLES and target in TABLES:
            statements.append(
                f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" FOREIGN KEY ("{column}") '
                f'REFERENCES {target} ("{target_column}") ON DELETE {on_delete}'
            )
    pg.run(";\n".join(statements))


def _create_functions(pg: Psql) -> None:
    statuses = ", ".join(f"'{status}'" for status in REVENUE_STATUSES)
    pg.run(
        "CREATE OR REPLACE FUNCTION customer_lifetime_value(c customer) RETURNS numeric "
        "LANGUAGE sql STABLE AS $$ SELECT coalesce(sum(total), 0)::numeric(14,2) "
        f"FROM crm_order WHERE customer_id = c.id AND status IN ({statuses}) "
        f"AND currency = '{BASE_CURRENCY}' $$;\n"
        "COMMENT ON FUNCTION customer_lifetime_value(customer) IS "
        "'Sum of the totals of PAID and SHIPPED orders in the base currency.'"
    )
