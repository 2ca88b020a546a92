"""Writing the generated rows, and the seed commands built on it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from crm_graphql.api.aggregation import rollups, samples, tallies
from crm_graphql.api.roles import Role
from crm_graphql.db.setup import open_database
from crm_graphql.db.values import column_values
from crm_graphql.demo.generator import Generator
from crm_graphql.demo.history import History, SeedReport
from crm_graphql.demo.reference import CHUNK_CUSTOMERS
from crm_graphql.demo.steps import STEPS, DemoRun
from crm_graphql.demo.tables import COMPANIES, CUSTOMERS, PRODUCTS, TABLES, USERS
from crm_graphql.domains.customers.models import (
    Customer,
)
from crm_graphql.domains.users.models import User
from crm_graphql.modules import database_config
from crm_graphql.settings import Settings

# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


class _Writer:
    """Multi-row INSERTs of ready-made tuples through the Tortoise connection."""

    def __init__(self, connection_name: str, dialect: str, batch_size: int) -> None:
        self.connection_name = connection_name
        self.batch_size = batch_size
        self.sql = {table.name: table.insert_sql(dialect) for table in TABLES}
        self.rows: dict[str, int] = {table.name: 0 for table in TABLES}

    async def write(self, tables: dict[str, list[tuple]]) -> int:
        """Insert the rows of several tables (in the given order) in one transaction."""
        written = 0
        async with in_transaction(self.connection_name) as connection:
            for name, rows in tables.items():
                for start in range(0, len(rows), self.batch_size):
                    # Tortoise annotates the rows as lists; its drivers take tuples too.
                    await connection.execute_many(
                        self.sql[name],
                        rows[start : start + self.batch_size],  # type: ignore[arg-type]
                    )
                self.rows[name] += len(rows)
                written += len(rows)
        return written


async def _first_ids(connection: BaseDBAsyncClient) -> dict[str, int]:
    # New rows take ids after the current largest so that seeding adds to existing data.
    first = {}
    for table in TABLES:
        quote = "`" if connection.capabilities.dialect == "mysql" else '"'
        _, rows = await connection.execute_query(
            f"SELECT COALESCE(MAX(id), 0) AS top FROM {quote}{table.name}{quote}"
        )
        first[table.name] = int(next(iter(dict(rows[0]).values())))
    return first


def _progress_bar(enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rows]:>12,} rows"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not enabled,
    )


async def generate(
    customers: int,
    seed: int,
    *,
    batch_size: int = 2000,
    progress: bool = True,
    connection_name: str = "default",
    history: History | None = None,
    options: Mapping[str, float] | None = None,
) -> SeedReport:
    """Insert demo data through an ORM that is already open; returns what was written.

    ``customers`` sets the scale: staff, companies and history follow from it (see the
    constants at the top of this module). ``history`` sets the mean number of interactions,
    orders and opportunities per customer (default: :class:`History`). ``batch_size`` is the
    number of rows per INSERT. ``options`` go to the modules' demo steps (e.g. ``tickets``).
    """
    if customers < 1:
        raise ValueError("customers must be at least 1")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    for table in TABLES:
        table.check_columns()
    started = time.perf_counter()
    connection = get_connection(connection_name)
    dialect = connection.capabilities.dialect
    _, existing = await connection.execute_query(f"SELECT email FROM {User._meta.db_table}")
    first_ids = await _first_ids(connection)
    generator = Generator(customers, seed, dialect, first_ids, history)
    writer = _Writer(connection_name, dialect, batch_size)

    with _progress_bar(progress) as bar:
        task = bar.add_task("staff, products, companies", total=customers, rows=0)
        reference = {
            USERS.name: generator.users({dict(row)["email"] for row in existing}),
            PRODUCTS.name: generator.products(),
        }
        generator.subject_pools()
        skeleton = generator.skeleton()
        reference[COMPANIES.name] = generator.companies(skeleton)
        await writer.write(reference)
        bar.update(task, description="customers", rows=sum(writer.rows.values()))

        # One chunk is written while the next is generated: the database and Python then
        # work at the same time (the event loop runs the write between generation steps).
        pending: asyncio.Task[int] | None = None
        try:
            for start in range(0, customers, CHUNK_CUSTOMERS):
                stop = min(customers, start + CHUNK_CUSTOMERS)
                for _ in generator.customer_chunk(skeleton, start, stop):
                    await asyncio.sleep(0)
                if pending is not None:
                    await pending
                    bar.update(task, advance=CHUNK_CUSTOMERS, rows=sum(writer.rows.values()))
                pending = asyncio.create_task(writer.write(generator.chunk))
            if pending is not None:
                await pending
                pending = None
        finally:
            if pending is not None and not pending.done():
                # Generation failed: roll the chunk being written back before leaving.
                pending.cancel()
                await asyncio.gather(pending, return_exceptions=True)
        bar.update(task, completed=customers, rows=sum(writer.rows.values()))

    rows = dict(writer.rows)
    if STEPS:
        run = await _module_run(first_ids[CUSTOMERS.name], seed, batch_size)
        run.options = dict(options or {})
        for step in STEPS:
            for name, count in (await step(run)).items():
                rows[name] = rows.get(name, 0) + count
    # The rows went in without the change hooks: count the dashboards' rollups from them
    # (in the database: INSERT ... SELECT ... GROUP BY per rollup and month).
    counting = time.perf_counter()
    await rollups.rebuild_all()
    await tallies.rebuild_all()
    await samples.rebuild_all()
    finished = time.perf_counter()
    return SeedReport(rows=rows, elapsed=finished - started, rollups_elapsed=finished - counting)


async def _module_run(last_before: int, seed: int, batch_size: int) -> DemoRun:
    """What the modules' demo steps get: the customers (made after ``last_before``) and
    staff of this run."""
    first = last_before
    customer_ids = await column_values(Customer.filter(id__gt=first).order_by("id"), "id")
    staff: dict[Role, list[int]] = {}
    for user_id, role in await User.filter(is_active=True).order_by("id").values_list("id", "role"):
        staff.setdefault(Role(role), []).append(user_id)
    return DemoRun(seed=seed, customer_ids=customer_ids, staff=staff, batch_size=batch_size)


async def seed_database(
    settings: Settings,
    customers: int,
    seed: int,
    *,
    batch_size: int = 2000,
    progress: bool = True,
    history: History | None = None,
    options: Mapping[str, float] | None = None,
) -> SeedReport:
    """Open the (already migrated) database and add demo data for ``customers`` customers.

    The same ``seed`` (and ``history``) gives the same data. Existing rows are kept: new rows
    take ids after the largest existing ones.
    """
    async with open_database(database_config(settings)):
        return await generate(
            customers,
            seed,
            batch_size=batch_size,
            progress=progress,
            history=history,
            options=options,
        )


async def generate_if_empty(customers: int, seed: int, *, progress: bool = True) -> int:
    """Like :func:`generate`, but only into a database without customers (ORM already open).

    Returns the number of customers created: 0 when there were customers already.
    """
    if await Customer.all().exists():
        return 0
    report = await generate(customers, seed, progress=progress)
    return report.customers


async def seed_if_empty(
    settings: Settings, customers: int, seed: int, *, progress: bool = True
) -> int:
    """Seed only a database without customers; returns the customers created (0 if none).

    ``serve --demo`` uses it so that restarting the server reuses the data it made instead of
    adding a second copy.
    """
    async with open_database(database_config(settings)):
        return await generate_if_empty(customers, seed, progress=progress)
