"""CSV import and export: rows per second and the memory they take.

    python -m benchmarks.integration_csv --database-url mysql://root:@127.0.0.1:3306/test \\
        [--import-rows 100000] [--export-rows 1000000]

A fresh database is created next to the one in the URL (MySQL/MariaDB; SQLite: a file in
a temporary folder) and dropped afterwards; a URL naming a database that ends in
``_bench`` (``.../crm_import2_bench``) uses that name. ``--profile FILE`` writes a
cProfile of the import (``python -m pstats FILE``).

- import: a CSV of ``--import-rows`` customers (names, e-mail, phone, country, stage; 1 in
  50 rows with a bad e-mail) is uploaded and run as a job (policy SKIP), timed from the
  upload to the job's end; then the same file again with policy UPDATE (every row matches).
- export: ``--export-rows`` customers are bulk-inserted, then ``/exports/customers.csv``
  (default order, and with a filter) is read over real HTTP from a uvicorn server as a
  stream; rows/s, and the server's peak RSS growth (VmHWM) against a 10 times smaller
  export, to show the memory does not grow with the rows.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import httpx
from tortoise import Tortoise, connections

from benchmarks.common import server_statement
from crm_graphql.db.setup import migrate_database
from crm_graphql.domains.integration import imports
from crm_graphql.domains.integration.models import DuplicatePolicy, ImportJob
from crm_graphql.events.sql import db_time, is_mysql, placeholders, sql
from crm_graphql.modules import database_config
from crm_graphql.settings import load_settings

JWT_SECRET = "benchmark-only-jwt-secret-0123456789-abcdefghijkl"


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    stages = ["LEAD", "PROSPECT", "CUSTOMER", "CHURNED"]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("First Name,Last Name,E-mail,Phone,Country,Lifecycle Stage\n")
        for i in range(rows):
            email = f"person{i}@example{i % 97}.com" if i % 50 else f"broken{i}-at-example"
            phone = f"+1415{rng.randrange(2000000, 9999999)}" if i % 3 == 0 else ""
            out.write(f"Pat{i},Doe{i % 1000},{email},{phone},US,{stages[i % 4]}\n")


async def _chunks(path: Path):  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 16):
            yield chunk


async def bench_import(settings, folder: Path, rows: int) -> None:  # type: ignore[no-untyped-def]
    path = folder / "customers.csv"
    write_csv(path, rows)
    size = path.stat().st_size
    for policy in (DuplicatePolicy.SKIP, DuplicatePolicy.UPDATE):
        started = time.perf_counter()
        cpu = time.process_time()
        stored = await imports.store_upload(_chunks(path), str(folder / "uploads"))
        job = await imports.start_job(
            "customers",
            stored,
            file_name="customers.csv",
            dry_run=False,
            policy=policy,
            mapping=None,
            created_by_id=None,
        )
        await imports.run_job(job.pk, settings)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
        done = await ImportJob.get(pk=job.pk)
        print(
            f"import {rows:,} rows ({size / 1e6:.1f} MB), policy {policy.value}: "
            f"{elapsed:.1f} s = {rows / elapsed:,.0f} rows/s, client CPU {cpu:.1f} s "
            f"(created {done.created:,}, updated {done.updated:,}, skipped {done.skipped:,}, "
            f"failed {done.failed:,}; batch {settings.import_batch_rows})"
        )


async def insert_customers(rows: int) -> None:
    connection = connections.get("default")
    columns = (
        "created_at, updated_at, version, first_name, last_name, email, phone, "
        "lifecycle_stage, source, marketing_consent, tags, custom_fields, country"
    )
    batch = 5000
    stamp = db_time(connection, datetime(2026, 1, 1, tzinfo=UTC))
    for start in range(0, rows, batch):
        values = []
        for i in range(start, min(rows, start + batch)):
            values.append(
                [
                    stamp,
                    stamp,
                    1,
                    f"Exp{i}",
                    f"Row{i % 1000}",
                    f"exp{i}@example.com",
                    None,
                    ["LEAD", "CUSTOMER"][i % 2],
                    "IMPORT",
                    i % 2,
                    "[]",
                    "{}",
                    "US",
                ]
            )
        await connection.execute_query(
            sql(
                connection,
                f"INSERT INTO customer ({columns}) VALUES {placeholders(len(values), 13)}",
            ),
            [v for row in values for v in row],
        )


def _server(database_url: str, port: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "CRM_DATABASE_URL": database_url,
        "CRM_JWT_SECRET": JWT_SECRET,
        "CRM_EVENTS_IN_PROCESS": "false",
        "CRM_LOG_LEVEL": "warning",
        "CRM_PORT": str(port),
    }
    return subprocess.Popen(
        [sys.executable, "-c", "from crm_graphql.cli import main; main()", "serve"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def bench_export(settings, database_url: str, folder: Path, rows: int) -> None:  # type: ignore[no-untyped-def]
    from crm_graphql.api.roles import Role
    from crm_graphql.domains.auth.services import issue_session
    from crm_graphql.domains.users.models import User

    await insert_customers(rows)
    user = await User.create(email="bench@example.com", name="Bench", role=Role.ADMIN)
    issued = await issue_session(settings, user, "127.0.0.1")
    port = 18000 + random.randrange(1000)
    server = _server(database_url, port, folder / "server.log")
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {issued.access_token}"},
            timeout=600,
        ) as client:
            for _ in range(100):
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
            base = _rss_kb(server.pid)
            for label, params, expect in (
                (
                    f"{rows // 10:,} rows (filter)",
                    {"filter": '{"firstName": {"startsWith": "Exp1"}}'},
                    None,
                ),
                (f"{rows:,} rows", {}, rows),
            ):
                started = time.perf_counter()
                count = -1
                async with client.stream(
                    "GET", "/exports/customers.csv", params=params
                ) as response:
                    assert response.status_code == 200, await response.aread()
                    async for line in response.aiter_lines():
                        if line:
                            count += 1
                elapsed = time.perf_counter() - started
                assert expect is None or count == expect, count
                print(
                    f"export {label}: {count:,} rows in {elapsed:.1f} s = "
                    f"{count / elapsed:,.0f} rows/s; server RSS {base / 1024:.0f} MB at start, "
                    f"peak {_peak_rss_kb(server.pid) / 1024:.0f} MB so far"
                )
    finally:
        server.terminate()
        server.wait(30)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--export-rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--profile", default="", help="write a cProfile of the import here")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="crm-csv-bench-"))
    dropped = None
    if args.database_url.startswith("mysql://"):
        named = urlparse(args.database_url).path.strip("/")
        dropped = named if named.endswith("_bench") else f"crm_bench_{uuid.uuid4().hex[:10]}"
        await server_statement(args.database_url, f"DROP DATABASE IF EXISTS {dropped}")
        await server_statement(
            args.database_url, f"CREATE DATABASE {dropped} CHARACTER SET utf8mb4"
        )
        url = urlparse(args.database_url)._replace(path=f"/{dropped}").geturl()
    else:
        url = f"sqlite://{folder / 'bench.sqlite3'}"
    settings = load_settings(
        database_url=url,
        jwt_secret=JWT_SECRET,
        import_batch_rows=args.batch,
        import_dir=str(folder / "uploads"),
    )
    try:
        await migrate_database(database_config(settings))
        await Tortoise.init(config=database_config(settings), _enable_global_fallback=True)
        backend = "MariaDB" if is_mysql(connections.get("default")) else "SQLite"
        print(f"backend: {backend}")
        if args.import_rows:
            if args.profile:
                profile = cProfile.Profile()
                profile.enable()
            await bench_import(settings, folder, args.import_rows)
            if args.profile:
                profile.disable()
                profile.dump_stats(args.profile)
        if not args.skip_export and args.export_rows:
            await connections.get("default").execute_query("DELETE FROM customer_lifecycle_change")
            await connections.get("default").execute_query("DELETE FROM customer")
            await bench_export(settings, url, folder, args.export_rows)
    finally:
        await Tortoise.close_connections()
        if dropped:
            await server_statement(args.database_url, f"DROP DATABASE IF EXISTS {dropped}")


if __name__ == "__main__":
    asyncio.run(main())
