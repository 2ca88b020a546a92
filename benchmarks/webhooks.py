"""Webhook deliveries per second to a local receiver with one and two worker processes,
and the lag from the change's commit to the receiver getting the POST.

    python -m benchmarks.webhooks --database-url mysql://root:@127.0.0.1:3306/test \\
        [--broker-url redis://127.0.0.1:6379/0] [--events 2000] [--steady-events 300]

A fresh database is created next to the one in the URL and dropped afterwards. One
endpoint subscribes to ``customer.created``; the receiver (uvicorn, in this process,
on loopback) answers 200 at once. Throughput: ``--events`` events committed at once,
timed until the last POST arrived. Lag: one event per transaction at ``--steady-rate``
per second; the lag of an event is the time from its commit to its POST's arrival.
Each delivery is two subscriber runs (the fan-out, which makes the delivery row, and the
send, which claims it, POSTs and records the attempt).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from tortoise import Tortoise, connections
from tortoise.transactions import in_transaction

from benchmarks.common import server_statement
from crm_graphql.db.setup import migrate_database
from crm_graphql.domains.integration.models import WebhookEndpoint
from crm_graphql.events import NewEvent, emit, emit_many
from crm_graphql.modules import database_config
from crm_graphql.settings import load_settings

ARRIVED: dict[str, float] = {}


async def receive(request: Request) -> PlainTextResponse:
    await request.body()
    ARRIVED.setdefault(request.headers["crm-event-id"], time.time())
    return PlainTextResponse("ok")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _workers(count: int, database_url: str, broker_url: str, log: Path) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "CRM_DATABASE_URL": database_url,
        "CRM_BROKER_URL": broker_url,
        "CRM_BROKER_QUEUE": f"crm-bench-{uuid.uuid4().hex[:10]}",
        "CRM_WEBHOOK_ALLOW_LOOPBACK": "true",
        "CRM_EVENTS_POLL_SECONDS": "0.05",
        "CRM_LOG_LEVEL": "warning",
        "CRM_LOG_FORMAT": "text",
    }
    command = [sys.executable, "-c", "from crm_graphql.cli import main; main()", "worker"]
    output = log.open("ab")
    return [
        subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        for _ in range(count)
    ]


async def _emit(first: int, count: int) -> float:
    async with in_transaction():
        await emit_many(
            [
                NewEvent("customer.created", "customer", first + n, {"object": {"n": first + n}})
                for n in range(count)
            ]
        )
    return time.time()


async def _until(count: int, limit: float) -> None:
    deadline = time.monotonic() + limit
    while len(ARRIVED) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(ARRIVED)} of {count} deliveries after {limit} s")
        await asyncio.sleep(0.02)


async def run(args, database_url: str, workers: int, log: Path) -> None:  # type: ignore[no-untyped-def]
    connection = connections.get("default")
    for table in ("webhook_attempt", "webhook_delivery", "event_delivery", "outbox_event"):
        await connection.execute_query(f"DELETE FROM {table}")
    ARRIVED.clear()
    processes = _workers(workers, database_url, args.broker_url, log)
    try:
        await _emit(0, 10)
        await _until(10, 120)
        await asyncio.sleep(1.0)
        ARRIVED.clear()
        await _emit(1_000_000, args.events)
        started = time.time()
        await _until(args.events, 600)
        elapsed = max(ARRIVED.values()) - started
        throughput = args.events / elapsed
        ARRIVED.clear()
        commits: dict[str, float] = {}
        for n in range(args.steady_events):
            async with in_transaction():
                event_id = await emit(
                    "customer.created", entity="customer", entity_id=2_000_000 + n, data={"n": n}
                )
            commits[f"evt_{event_id}"] = time.time()
            await asyncio.sleep(1 / args.steady_rate)
        await _until(args.steady_events, 120)
        lags = [(ARRIVED[key] - at) * 1000 for key, at in commits.items()]
        print(
            f"{workers} worker(s){' + broker' if args.broker_url else ''}: "
            f"{throughput:,.0f} deliveries/s ({args.events:,} at once); lag at "
            f"{args.steady_rate}/s: p50 {_percentile(lags, 0.5):.0f} ms, "
            f"p99 {_percentile(lags, 0.99):.0f} ms"
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--broker-url", default="")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--steady-events", type=int, default=300)
    parser.add_argument("--steady-rate", type=float, default=20.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="crm-webhook-bench-"))
    port = 19000 + os.getpid() % 1000
    server = uvicorn.Server(
        uvicorn.Config(
            Starlette(routes=[Route("/hook", receive, methods=["POST"])]),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
    )
    task = asyncio.create_task(server.serve())
    dropped = f"crm_bench_{uuid.uuid4().hex[:10]}"
    await server_statement(args.database_url, f"CREATE DATABASE {dropped} CHARACTER SET utf8mb4")
    url = urlparse(args.database_url)._replace(path=f"/{dropped}").geturl()
    settings = load_settings(database_url=url)
    try:
        await migrate_database(database_config(settings))
        await Tortoise.init(config=database_config(settings), _enable_global_fallback=True)
        await WebhookEndpoint.create(
            url=f"http://127.0.0.1:{port}/hook",
            event_types=["customer.created"],
            secret="whsec_benchmark",
        )
        for workers in (1, 2):
            await run(args, url, workers, folder / "workers.log")
    finally:
        await Tortoise.close_connections()
        await server_statement(args.database_url, f"DROP DATABASE IF EXISTS {dropped}")
        server.should_exit = True
        await task


if __name__ == "__main__":
    asyncio.run(main())
