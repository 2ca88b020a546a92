"""Event lag from commit to effect, with one and two worker processes, and the cost of a
scheduling pass with many future scheduled events.

    python -m benchmarks.events_lag --database-url mysql://root:@127.0.0.1:3306/test \\
        --broker-url redis://127.0.0.1:6379/0 [--events 10000] [--future 100000]

A fresh database is created next to the one in the URL (MySQL/MariaDB) and dropped
afterwards. Events are emitted in bulk (transactions of ``--batch`` events, back to
back); each one's subscriber writes an effect row in its run's transaction. The lag of
an event is the time from its transaction's commit to its effect's commit.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

from tortoise import Tortoise, connections
from tortoise.transactions import in_transaction

from benchmarks.common import server_statement
from benchmarks.events_handlers import EFFECTS
from crm_graphql.db.setup import migrate_database
from crm_graphql.events import NewEvent, emit_many
from crm_graphql.events.scheduling import ensure_lock_rows, fire_due
from crm_graphql.events.sql import db_time, is_mysql, placeholders, sql, utcnow
from crm_graphql.modules import database_config
from crm_graphql.settings import load_settings


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _start_workers(count: int, database_url: str, broker_url: str, queue: str, log: Path):
    env = {
        **os.environ,
        "CRM_DATABASE_URL": database_url,
        "CRM_BROKER_URL": broker_url,  # "" (none): the worker runs everything itself
        "CRM_BROKER_QUEUE": queue,
        "CRM_LOG_LEVEL": "warning",
        "CRM_LOG_FORMAT": "text",
    }
    command = [
        sys.executable,
        "-c",
        "from crm_graphql.cli import main; main()",
        "worker",
        "--import",
        "benchmarks.events_handlers",
    ]
    output = log.open("ab")
    return [
        subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        for _ in range(count)
    ]


async def _count() -> int:
    rows = await connections.get("default").execute_query_dict(
        f"SELECT COUNT(*) AS n FROM {EFFECTS}"
    )
    return int(rows[0]["n"])


async def _wait_for(count: int, limit: float) -> None:
    deadline = time.monotonic() + limit
    while await _count() < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {await _count()} of {count} effects after {limit} s")
        await asyncio.sleep(0.05)


async def _lag_run(
    args, database_url: str, workers: int, broker_url: str, steady: bool = False
) -> str:
    connection = connections.get("default")
    for table in (EFFECTS, "event_delivery", "outbox_event"):
        await connection.execute_query(f"DELETE FROM {table}")
    queue = f"crm-bench-{uuid.uuid4().hex[:10]}"
    processes = _start_workers(workers, database_url, broker_url, queue, args.log)
    try:
        # Warm up: every worker connected and running.
        async with in_transaction():
            await emit_many(
                [NewEvent("bench.warmup", "bench", n, {"batch": -1}) for n in range(20)]
            )
        await _wait_for(20, 120)
        await asyncio.sleep(1.0)
        await connection.execute_query(f"DELETE FROM {EFFECTS}")
        commits: dict[int, float] = {}
        started = time.time()
        if steady:
            # One event per transaction at a steady rate below the throughput: the lag
            # is the pipeline's own (relay poll, queue, run), not a backlog.
            for batch in range(args.steady_events):
                async with in_transaction():
                    await emit_many([NewEvent("bench.changed", "bench", batch, {"batch": batch})])
                commits[batch] = time.time()
                await asyncio.sleep(1 / args.steady_rate)
        else:
            for batch in range(args.events // args.batch):
                async with in_transaction():
                    await emit_many(
                        [
                            NewEvent("bench.changed", "bench", n, {"batch": batch})
                            for n in range(args.batch)
                        ]
                    )
                commits[batch] = time.time()
        emitted = time.time()
        total = args.steady_events if steady else args.batch * (args.events // args.batch)
        await _wait_for(total, 600)
        rows = await connection.execute_query_dict(f"SELECT batch, effect_at, pid FROM {EFFECTS}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait()
        if not broker_url:
            pass
        elif broker_url.startswith("redis"):
            import redis.asyncio as aioredis

            client = aioredis.Redis.from_url(broker_url)
            await client.delete(queue, f"autoclaim:{queue}:{queue}")
            await client.aclose()
        else:
            import aio_pika

            amqp = await aio_pika.connect(broker_url)
            channel = await amqp.channel()
            for name in (queue, f"{queue}.dead"):
                await channel.queue_delete(name)
            await channel.exchange_delete(queue)
            await amqp.close()
    lags = [(row["effect_at"] - commits[row["batch"]]) * 1000 for row in rows]
    last = max(row["effect_at"] for row in rows)
    pids = len({row["pid"] for row in rows})
    mode = broker_url.split("://")[0] if broker_url else "no broker"
    if steady:
        return (
            f"{mode:>9}, {workers} worker(s), steady {args.steady_rate:.0f} events/s, "
            f"{total} events: lag commit->effect p50 {statistics.median(lags):5.0f} ms  "
            f"p99 {_percentile(lags, 0.99):5.0f} ms  max {max(lags):5.0f} ms"
        )
    return (
        f"{mode:>9}, {workers} worker(s) ({pids} did work): {total} events emitted in "
        f"{emitted - started:5.2f} s, all effects after {last - started:5.2f} s "
        f"({total / (last - started):6.0f} events/s); lag commit->effect "
        f"p50 {statistics.median(lags):7.0f} ms  p99 {_percentile(lags, 0.99):7.0f} ms  "
        f"max {max(lags):7.0f} ms"
    )


async def _add_future(count: int, due: int) -> None:
    connection = connections.get("default")
    await connection.execute_query("DELETE FROM scheduled_event")
    now = utcnow()
    created = db_time(connection, now)
    rows = [(f"due:{n}", now - timedelta(minutes=1)) for n in range(due)]
    rows += [(f"future:{n}", now + timedelta(minutes=1 + n % 100_000)) for n in range(count)]
    for start in range(0, len(rows), 2000):
        chunk = rows[start : start + 2000]
        values: list[object] = []
        for key, at in chunk:
            values += [key, db_time(connection, at), "bench.reminder", "task", "1", "{}", created]
        await connection.execute_query(
            sql(
                connection,
                "INSERT INTO scheduled_event (`key`, due_at, type, entity_type, entity_id, "
                f"data, created_at) VALUES {placeholders(len(chunk), 7)}",
            ),
            values,
        )
    if is_mysql(connection):
        await connection.execute_query("ANALYZE TABLE scheduled_event")


async def _reads(connection) -> int:
    if not is_mysql(connection):
        return 0
    _, rows = await connection.execute_query(
        "SHOW SESSION STATUS WHERE Variable_name LIKE 'Handler_read%%'"
    )
    return sum(int(row["Value"]) for row in rows)


async def _pass_cost(future: int, due: int, repeats: int = 20) -> tuple[float, int, int]:
    """(median ms of one pass that fires ``due`` events, rows read, future rows)."""
    times, reads = [], []
    for _ in range(repeats):
        await _add_future(future, due) if not times else await _refill_due(due)
        async with in_transaction() as connection:
            before = await _reads(connection)
            started = time.perf_counter()
            fired = await fire_due(connection, 1000)
            times.append((time.perf_counter() - started) * 1000)
            reads.append(await _reads(connection) - before)
        assert fired == due, fired
    return statistics.median(times), int(statistics.median(reads)), future


async def _refill_due(due: int) -> None:
    connection = connections.get("default")
    now = utcnow()
    values: list[object] = []
    for n in range(due):
        values += [
            f"due:{n}",
            db_time(connection, now - timedelta(minutes=1)),
            "bench.reminder",
            "task",
            "1",
            "{}",
            db_time(connection, now),
        ]
    await connection.execute_query(
        sql(
            connection,
            "INSERT INTO scheduled_event (`key`, due_at, type, entity_type, entity_id, data, "
            f"created_at) VALUES {placeholders(due, 7)}",
        ),
        values,
    )


async def main(args) -> None:
    base = args.database_url
    name = f"crm_bench_events_{uuid.uuid4().hex[:8]}"
    if base.startswith("mysql://"):
        await server_statement(base, f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
        database_url = urlparse(base)._replace(path=f"/{name}").geturl()
    else:
        database_url = base
    settings = load_settings(database_url=database_url)
    try:
        await migrate_database(database_config(settings))
        await Tortoise.init(config=database_config(settings), _enable_global_fallback=True)
        connection = connections.get("default")
        key = "BIGINT AUTO_INCREMENT PRIMARY KEY" if is_mysql(connection) else "INTEGER PRIMARY KEY"
        await connection.execute_script(
            f"CREATE TABLE IF NOT EXISTS {EFFECTS} (id {key}, event_id BIGINT, batch INT, "
            "effect_at DOUBLE, pid INT)"
        )
        async with in_transaction() as conn:
            await ensure_lock_rows(conn, ["scheduler", "relay", "redelivery"])
        print(f"database {database_url.split('@')[-1]}, broker {args.broker_url.split('@')[-1]}")
        print(f"load: {os.getloadavg()}")
        print(f"{args.events} events emitted in bulk ({args.batch} per transaction):")
        for workers in args.workers:
            print(await _lag_run(args, database_url, workers, args.broker_url), flush=True)
        if args.in_process:
            print(await _lag_run(args, database_url, 1, ""), flush=True)
        print("events at a steady rate, one per transaction:")
        for workers in args.workers:
            line = await _lag_run(args, database_url, workers, args.broker_url, steady=True)
            print(line, flush=True)
        if args.in_process:
            print(await _lag_run(args, database_url, 1, "", steady=True), flush=True)
        print("scheduling pass firing 100 due events:")
        for future in (args.future // 10, args.future):
            ms, reads, _ = await _pass_cost(future, 100)
            print(
                f"  {future:>7} future scheduled events: median {ms:6.2f} ms per pass, "
                f"{reads} rows read by the server",
                flush=True,
            )
    finally:
        await Tortoise.close_connections()
        if base.startswith("mysql://"):
            await server_statement(base, f"DROP DATABASE IF EXISTS {name}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500, help="events per transaction")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--future", type=int, default=100_000)
    parser.add_argument("--steady-events", type=int, default=300)
    parser.add_argument("--steady-rate", type=float, default=50.0, help="events per second")
    parser.add_argument(
        "--in-process", action="store_true", help="also one worker without a broker"
    )
    parser.add_argument("--log", type=Path, default=Path("/tmp/crm-events-bench.log"))
    asyncio.run(main(parser.parse_args()))
