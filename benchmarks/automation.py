"""Sales automation, measured on a real server and real workers:

1. lead capture through ``POST /forms/{key}/leads`` (form-encoded), 8 concurrent
   clients, side by side with ``GET /healthz`` (the server's floor) on the same clients;
2. ``convertLead`` latency (customer, company and opportunity created), side by side
   with ``createLead`` (one insert) over the same HTTP path;
3. automation lag: N opportunity stage changes (events written in bulk, 500 per
   transaction, as a bulk update would) -> a rule creates one task each; the lag of a
   task is from its event's commit to the task's commit, with 1 and 2 workers;
4. time-based triggers (``--parts schedule``): M open tasks, each with its due time and
   reminder scheduled (2 M scheduled events, as ``createTask`` writes them); the cost of
   one scheduling pass (the scheduler's transaction: nothing due, and 100 due events
   moved to the outbox), side by side with the same pass over 1,000 open tasks and with
   a poll that reads every open task's times (what the index spares).

    python -m benchmarks.automation --database-url mysql://root:@127.0.0.1:3306/test \\
        --broker-url redis://127.0.0.1:6379/0 [--requests 3000] [--events 10000]
    python -m benchmarks.automation --database-url mysql://root:@127.0.0.1:3306/test \\
        --parts schedule --open-tasks 100000

A fresh database is created next to the one in the URL and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

import httpx
from tortoise import Tortoise, connections
from tortoise.transactions import in_transaction

from benchmarks.events_lag import _admin, _percentile
from crm_graphql.api.ids import to_global_id
from crm_graphql.api.roles import Role
from crm_graphql.db.setup import migrate_database
from crm_graphql.domains.auth.services import issue_session
from crm_graphql.domains.automation.models import (
    AutomationAction,
    AutomationEntity,
    AutomationRule,
    AutomationTrigger,
)
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.leads.models import Lead, LeadForm
from crm_graphql.domains.sales.models import Opportunity, OpportunityStage
from crm_graphql.domains.tasks.models import Task
from crm_graphql.domains.users.models import User
from crm_graphql.events import NewEvent, emit_many, schedule_many
from crm_graphql.events.scheduling import ensure_lock_rows, fire_due
from crm_graphql.modules import database_config
from crm_graphql.settings import load_settings

CLIENTS = 8


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "CRM_DATABASE_URL": database_url,
        "CRM_LOG_LEVEL": "warning",
        "CRM_LOG_FORMAT": "text",
        **extra,
    }


async def _timed(client: httpx.AsyncClient, method: str, url: str, **kwargs) -> float:
    started = time.perf_counter()
    response = await client.request(method, url, **kwargs)
    assert response.status_code < 400, (response.status_code, response.text[:300])
    return time.perf_counter() - started


async def _throughput(base: str, total: int, request) -> tuple[float, list[float]]:
    """``total`` requests by CLIENTS concurrent clients; requests/s and latencies."""
    counter = iter(range(total))
    times: list[float] = []

    async def client_loop() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            for n in counter:
                times.append(await request(client, n))

    started = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(CLIENTS)))
    return total / (time.perf_counter() - started), times


def _serve(args, database_url: str, settings, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from crm_graphql.cli import main; main()",
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        env=_env(
            database_url,
            CRM_JWT_SECRET=settings.jwt_secret.get_secret_value(),
            CRM_EVENTS_IN_PROCESS="false",
            CRM_LEAD_FORM_SUBMISSIONS_PER_MINUTE="100000000",
            CRM_RATE_LIMIT_COST_PER_MINUTE="1000000000",
            CRM_DB_POOL_MAX="12",
        ),
        stdout=args.log.open("ab"),
        stderr=subprocess.STDOUT,
    )


async def capture(args, database_url: str, settings) -> list[str]:
    form = await LeadForm.create(name="Bench", key="bench-form")
    admin = await User.create(name="Bench Admin", email="bench@example.com", role=Role.ADMIN)
    token = (await issue_session(settings, admin, "127.0.0.1")).access_token
    port = _free_port()
    server = _serve(args, database_url, settings, port)
    base = f"http://127.0.0.1:{port}"
    lines = []
    try:
        async with httpx.AsyncClient(base_url=base) as probe:
            for _ in range(300):
                try:
                    if (await probe.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        run = uuid.uuid4().hex[:6]

        async def post_form(client: httpx.AsyncClient, n: int) -> float:
            return await _timed(
                client,
                "POST",
                f"/forms/{form.key}/leads",
                data={
                    "name": f"Person {n}",
                    "email": f"p{n}.{run}@bench.example",
                    "company": "Bench Ltd",
                    "website": "",
                },
            )

        async def healthz(client: httpx.AsyncClient, n: int) -> float:
            return await _timed(client, "GET", "/healthz")

        await _throughput(base, 200, healthz)  # warm-up
        floor, _ = await _throughput(base, args.requests, healthz)
        rate, times = await _throughput(base, args.requests, post_form)
        lines.append(
            f"lead capture POST /forms/{{key}}/leads, {CLIENTS} clients, {args.requests} "
            f"submissions: {rate:7.0f} req/s (p50 {statistics.median(times) * 1000:5.1f} ms, "
            f"p99 {_percentile(times, 0.99) * 1000:5.1f} ms); GET /healthz {floor:7.0f} req/s; "
            f"ratio capture/healthz {rate / floor:4.2f}"
        )
        assert await Lead.all().count() == args.requests
        headers = {"Authorization": f"Bearer {token}"}
        leads = await Lead.all().order_by("id").limit(args.conversions).values_list("id", flat=True)

        async def graphql(client: httpx.AsyncClient, query: str, variables: dict) -> float:
            started = time.perf_counter()
            response = await client.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
            body = response.json()
            assert not body.get("errors"), body
            payload = next(iter(body["data"].values()))
            assert payload["userErrors"] == [], payload
            return time.perf_counter() - started

        convert = """mutation($id: ID!) { convertLead(id: $id, input: { createOpportunity: {
            name: "Bench deal", amount: "1000", currency: "EUR" } }) { lead { status }
            userErrors { code } } }"""
        create = """mutation($n: String!) { createLead(input: { lastName: $n,
            email: "x@bench.example" }) { lead { id } userErrors { code } } }"""
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            converted = [
                await graphql(client, convert, {"id": to_global_id("Lead", pk)}) for pk in leads
            ]
            created = [await graphql(client, create, {"n": f"L{n}"}) for n in range(len(leads))]
        ratio = statistics.median(converted) / statistics.median(created)
        lines.append(
            f"convertLead (customer + company + opportunity, one transaction), {len(leads)} "
            f"sequential: p50 {statistics.median(converted) * 1000:5.1f} ms, p99 "
            f"{_percentile(converted, 0.99) * 1000:5.1f} ms; createLead p50 "
            f"{statistics.median(created) * 1000:5.1f} ms; ratio {ratio:4.2f}"
        )
    finally:
        server.terminate()
        server.wait()
    return lines


def _workers(count: int, database_url: str, broker_url: str, queue: str, log: Path):
    env = _env(
        database_url, CRM_BROKER_URL=broker_url, CRM_BROKER_QUEUE=queue, CRM_DB_POOL_MAX="14"
    )
    command = [sys.executable, "-c", "from crm_graphql.cli import main; main()", "worker"]
    return [
        subprocess.Popen(command, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
        for _ in range(count)
    ]


async def lag(args, database_url: str, workers: int) -> str:
    connection = connections.get("default")
    for table in ("task", "event_delivery", "outbox_event", "automation_rule"):
        await connection.execute_query(f"DELETE FROM {table}")
    rule = await AutomationRule.create(
        name="Negotiation task",
        entity=AutomationEntity.OPPORTUNITY,
        trigger=AutomationTrigger.FIELD_CHANGED,
        field="stage",
        to_value="NEGOTIATION",
        action=AutomationAction.CREATE_TASK,
        params={"title": "Contract for {name}", "assignee": "OWNER", "due_in_days": 2},
    )
    ids = list(await Opportunity.all().order_by("id").values_list("id", flat=True))
    queue = f"crm-bench-{uuid.uuid4().hex[:10]}"
    processes = _workers(workers, database_url, args.broker_url, queue, args.log)
    try:
        await asyncio.sleep(3.0)  # workers connected
        commits: dict[int, float] = {}
        batch_of: dict[int, int] = {}
        started = time.time()
        for batch in range(len(ids) // args.batch):
            chunk = ids[batch * args.batch : (batch + 1) * args.batch]
            async with in_transaction():
                await emit_many(
                    [
                        NewEvent(
                            "opportunity.updated",
                            "opportunity",
                            pk,
                            {"verb": "move_stage", "changed": {"stage": "NEGOTIATION"}},
                        )
                        for pk in chunk
                    ]
                )
            commits[batch] = time.time()
            batch_of.update({pk: batch for pk in chunk})
        total = len(batch_of)
        deadline = time.monotonic() + 900
        while await connection.execute_query_dict("SELECT COUNT(*) AS n FROM task") != [
            {"n": total}
        ]:
            if time.monotonic() > deadline:
                raise RuntimeError("tasks missing after 900 s")
            await asyncio.sleep(0.2)
        rows = await connection.execute_query_dict("SELECT opportunity_id, created_at FROM task")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait()
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(args.broker_url)
        await client.delete(queue, f"autoclaim:{queue}:{queue}")
        await client.aclose()

    def at(value) -> float:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()

    lags = [(at(r["created_at"]) - commits[batch_of[r["opportunity_id"]]]) * 1000 for r in rows]
    last = max(at(r["created_at"]) for r in rows)
    assert rule.pk
    return (
        f"{workers} worker(s): {total} stage changes -> {total} tasks, all after "
        f"{last - started:6.2f} s ({total / (last - started):5.0f} tasks/s); lag commit->task "
        f"p50 {statistics.median(lags):7.0f} ms  p99 {_percentile(lags, 0.99):7.0f} ms"
    )


async def _open_tasks(count: int, owner_id: int) -> float:
    """``count`` OPEN tasks due over the next 30 days, with their due and reminder events
    scheduled (in transactions of 10,000); returns the seconds the scheduling took."""
    now = datetime.now(UTC)
    first = await Task.all().count()
    await Task.bulk_create(
        [
            Task(
                title=f"Task {n}",
                due_at=now + timedelta(seconds=60 + (n * 2_592_000) // count),
                remind_at=now + timedelta(seconds=30 + (n * 2_592_000) // count),
                assignee_id=owner_id,
            )
            for n in range(count)
        ],
        batch_size=2000,
    )
    rows = await Task.filter(id__gt=first).order_by("id").values_list("id", "due_at", "remind_at")
    started = time.perf_counter()
    for start in range(0, len(rows), 5000):
        events = []
        for pk, due, remind in rows[start : start + 5000]:
            data = {"title": "t", "assignee_id": owner_id}
            events.append((f"task:{pk}:due", due, "task.due", "task", pk, data))
            events.append((f"task:{pk}:reminder", remind, "task.reminder_due", "task", pk, data))
        async with in_transaction():
            await schedule_many(events)
    return time.perf_counter() - started


async def _pass_ms(repeat: int) -> tuple[float, int]:
    """The median time of a scheduling pass (one transaction), and what it moved."""
    times, moved = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        async with in_transaction() as connection:
            moved += await fire_due(connection, 500) or 0
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), moved


async def _poll_ms(repeat: int) -> float:
    """A poll of every open task's due and reminder times (what a per-minute scan reads)."""
    times = []
    connection = connections.get("default")
    for _ in range(repeat):
        started = time.perf_counter()
        await connection.execute_query(
            "SELECT id, due_at, remind_at FROM task WHERE status = 'OPEN'"
        )
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def scheduling(args) -> list[str]:
    connection = connections.get("default")
    for table in ("task", "scheduled_event", "event_delivery", "outbox_event"):
        await connection.execute_query(f"DELETE FROM {table}")
    owner = await User.create(name="Planner", email="planner@example.com", role=Role.SALES)
    lines = []
    for count in (1000, args.open_tasks):
        await connection.execute_query("DELETE FROM task")
        await connection.execute_query("DELETE FROM scheduled_event")
        await connection.execute_query("DELETE FROM outbox_event")
        took = await _open_tasks(count, owner.pk)
        await connection.execute_query("ANALYZE TABLE scheduled_event, task")
        await _pass_ms(5)  # warm
        idle, _ = await _pass_ms(50)
        busy_times, moved = [], 0
        for _ in range(5):
            await connection.execute_query(
                "UPDATE scheduled_event SET due_at = %s WHERE type = 'task.due' "
                "ORDER BY due_at LIMIT 100",
                [(datetime.now(UTC) - timedelta(seconds=1)).replace(tzinfo=None)],
            )
            took_ms, count_moved = await _pass_ms(1)
            busy_times.append(took_ms)
            moved += count_moved
        busy = statistics.median(busy_times)
        poll = await _poll_ms(5)
        lines.append(
            f"{count:>7} open tasks ({2 * count} scheduled, planned in {took:6.2f} s, "
            f"{2 * count / took:6.0f} events/s): pass with nothing due {idle:6.2f} ms, "
            f"pass moving 100 due {busy:6.2f} ms ({moved} in 5 passes); "
            f"poll of every open task {poll:8.2f} ms"
        )
    return lines


async def main(args) -> None:
    base = args.database_url
    name = args.database_name or f"crm_bench_automation_{uuid.uuid4().hex[:8]}"
    await _admin(base, f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
    database_url = urlparse(base)._replace(path=f"/{name}").geturl()
    settings = load_settings(database_url=database_url, jwt_secret=secrets.token_urlsafe(48))
    try:
        await migrate_database(database_config(settings))
        await Tortoise.init(config=database_config(settings), _enable_global_fallback=True)
        async with in_transaction() as conn:
            await ensure_lock_rows(conn, ["scheduler", "relay", "redelivery"])
        print(f"database {database_url.split('@')[-1]}, broker {args.broker_url}")
        print(f"load: {os.getloadavg()}")
        if "capture" in args.parts:
            for line in await capture(args, database_url, settings):
                print(line, flush=True)
        if "schedule" in args.parts:
            print(f"time-based triggers (load {os.getloadavg()[0]:.1f}):")
            for line in await scheduling(args):
                print(line, flush=True)
            print(f"load: {os.getloadavg()}")
        if "lag" not in args.parts:
            return
        owner = await User.create(name="Owner", email="owner@example.com", role=Role.SALES)
        customer = await Customer.create(first_name="A", last_name="B")
        await Opportunity.bulk_create(
            [
                Opportunity(
                    customer_id=customer.pk,
                    owner_id=owner.pk,
                    name=f"Deal {n}",
                    amount=Decimal(1000),
                    currency="EUR",
                    stage=OpportunityStage.PROPOSAL,
                )
                for n in range(args.events)
            ],
            batch_size=1000,
        )
        print(f"automation: {args.events} events in bulk ({args.batch} per transaction):")
        for workers in args.workers:
            print(await lag(args, database_url, workers), flush=True)
    finally:
        await Tortoise.close_connections()
        await _admin(base, f"DROP DATABASE IF EXISTS {name}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--conversions", type=int, default=200)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--parts", nargs="+", default=["capture", "lag"])
    parser.add_argument("--open-tasks", type=int, default=100_000)
    parser.add_argument(
        "--database-name", default=None, help="name of the throw-away database (dropped after)"
    )
    parser.add_argument("--log", type=Path, default=Path("/tmp/crm-automation-bench.log"))
    asyncio.run(main(parser.parse_args()))
