"""How fast the demo-data generator fills a database from scratch.

Drops and recreates the target database (MySQL/MariaDB) or deletes the file (SQLite),
applies the migrations, seeds it, and prints rows per table, total rows, elapsed seconds
and rows per second. The database is left filled, ready for other benchmarks.

    .venv/bin/python benchmarks/seed_throughput.py                      # MariaDB, 100,000
    .venv/bin/python benchmarks/seed_throughput.py \\
        --database-url sqlite://./bench.sqlite3 --customers 10000
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from urllib.parse import urlparse

from crm_graphql.db.setup import migrate_database
from crm_graphql.demo.history import SeedReport
from crm_graphql.demo.seed import seed_database
from crm_graphql.modules import database_config
from crm_graphql.settings import load_settings

DEFAULT_URL = "mysql://root:@127.0.0.1:3306/crm_bench"


async def recreate_mysql_database(url: str) -> None:
    """Drop and create the database named in a mysql:// URL."""
    import asyncmy

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing to drop a database with an unusual name: {name!r}")
    conn = await asyncmy.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
    )
    try:
        async with conn.cursor() as cursor:
            # Checked first: DROP DATABASE IF EXISTS logs a warning when there is none.
            await cursor.execute(
                "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", (name,)
            )
            if await cursor.fetchone():
                await cursor.execute(f"DROP DATABASE `{name}`")
            await cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    finally:
        conn.close()


def remove_sqlite_file(url: str) -> None:
    """Delete an SQLite database file and its WAL companions."""
    path = Path(url.removeprefix("sqlite://"))
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        candidate.unlink(missing_ok=True)


def print_report(url: str, report: SeedReport) -> None:
    """The numbers, one table per line, then the totals."""
    backend = url.split("://", 1)[0]
    print(f"backend: {backend}  ({url})")
    for table, rows in report.rows.items():
        print(f"  {table:<14} {rows:>12,}")
    print(f"  {'total':<14} {report.total_rows:>12,}")
    print(f"elapsed: {report.elapsed:.1f} s")
    print(f"throughput: {report.rows_per_second:,.0f} rows/s")


async def run(args: argparse.Namespace) -> SeedReport:
    """Recreate, migrate and seed the target database."""
    settings = load_settings(database_url=args.database_url)
    if settings.is_sqlite:
        remove_sqlite_file(args.database_url)
    else:
        await recreate_mysql_database(args.database_url)
    await migrate_database(database_config(settings))
    return await seed_database(
        settings,
        args.customers,
        args.seed,
        batch_size=args.batch_size,
        progress=not args.no_progress,
    )


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, run the benchmark, print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL, help=f"default {DEFAULT_URL}")
    parser.add_argument("--customers", type=int, default=100_000, help="default 100000")
    parser.add_argument("--seed", type=int, default=42, help="default 42")
    parser.add_argument("--batch-size", type=int, default=2000, help="rows per INSERT")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    report = asyncio.run(run(args))
    print_report(args.database_url, report)


if __name__ == "__main__":
    sys.exit(main())
