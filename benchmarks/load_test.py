"""Load test: the real server (``crm-graphql serve``) under hundreds of concurrent requests.

    python -m benchmarks.load_test --database-url mysql://root:@127.0.0.1:3306/crm_load_bench
    python -m benchmarks.load_test --database-url sqlite:///tmp/load.sqlite3 --workers 1

Creates (MySQL), migrates and seeds the database when it has fewer customers than
``--customers``, signs a benchmark ADMIN in, then for each ``--workers`` count starts
``crm-graphql serve`` on loopback, sends the headline customer-360 query (``first:
20``) from ``--concurrency`` concurrent clients for ``--duration`` seconds, and prints
requests per second, p50/p99 latency and errors. Then it checks that no connection
leaked: the server's pool gauge shows none lent once the load is over, and on MySQL
the connections to the database (processlist) are back to the count before the
server started once it has stopped.

The per-user cost budget (CRM_RATE_LIMIT_COST_PER_MINUTE) is switched off for the run:
all requests come from one user, who would otherwise be throttled, as designed. The
time limit of one operation (CRM_REQUEST_TIMEOUT_SECONDS) is ``--request-timeout``,
the server's default of 10 s unless given: the server executes at most
CRM_MAX_CONCURRENT_OPERATIONS operations at once and the others wait outside the limit,
so hundreds of requests in flight queue up instead of all slowing down together.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlparse

import httpx
from prometheus_client.parser import text_string_to_metric_families

from benchmarks.headline_latency import HEADLINE
from crm_graphql.settings import Settings, load_settings

START_SECONDS = 120


@dataclass
class Run:
    """What one load run measured."""

    workers: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    server_count: float = 0.0
    pool_in_use_after: float = 0.0
    pool_open_after: float = 0.0
    db_connections_idle: int | None = None

    def percentile(self, share: float) -> float:
        """Latency at ``share`` (0-1) of the sorted requests, in milliseconds."""
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] * 1000

    def line(self) -> str:
        done = len(self.latencies)
        errors = sum(self.errors.values())
        idle = "-" if self.db_connections_idle is None else str(self.db_connections_idle)
        return (
            f"{self.workers:>7} {done:>8} {done / self.seconds:>8.1f} "
            f"{statistics.median(self.latencies) * 1000:>8.0f} {self.percentile(0.99):>8.0f} "
            f"{errors:>6} {int(self.server_count):>8} {int(self.pool_in_use_after):>7} "
            f"{int(self.pool_open_after):>9} {idle:>9}"
        )


HEADER = (
    "workers requests    req/s  p50 ms   p99 ms errors  counted  lent    pool-open  db-conns\n"
    "                                                     (server) after   after     idle"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _mysql(url: str, statement: str, database: str | None = None) -> list[tuple]:
    import asyncmy

    parts = urlparse(url)
    conn = await asyncmy.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
    )
    try:
        async with conn.cursor() as cursor:
            await cursor.execute(statement, (database,) if database else None)
            return list(await cursor.fetchall())
    finally:
        conn.close()


async def db_connections(settings: Settings) -> int | None:
    """Connections to the benchmark database right now (MySQL processlist); None on SQLite."""
    if settings.is_sqlite:
        return None
    name = urlparse(settings.database_url).path.lstrip("/")
    rows = await _mysql(
        settings.database_url,
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = %s",
        name,
    )
    return int(rows[0][0])


async def prepare(settings: Settings, customers: int, role: str = "ADMIN") -> str:
    """Create, migrate and seed the database as needed; an access token of a bench user
    of ``role`` (ADMIN unless told)."""
    from crm_graphql.api.roles import Role
    from crm_graphql.db.setup import migrate_database, open_database
    from crm_graphql.demo.seed import seed_database
    from crm_graphql.domains.auth.services import issue_session
    from crm_graphql.domains.customers.models import Customer
    from crm_graphql.domains.users.models import User
    from crm_graphql.modules import database_config

    if not settings.is_sqlite:
        name = urlparse(settings.database_url).path.lstrip("/")
        await _mysql(
            settings.database_url, f"CREATE DATABASE IF NOT EXISTS {name} CHARACTER SET utf8mb4"
        )
    await migrate_database(database_config(settings))
    async with open_database(database_config(settings)):
        have = await Customer.all().count()
    if have < customers:
        print(f"seeding {customers - have} customers ...", flush=True)
        report = await seed_database(settings, customers - have, 42)
        print(report.summary(), flush=True)
    async with open_database(database_config(settings)):
        chosen = Role(role)
        # One user per role (the ADMIN keeps the address it always had).
        email = (
            "load-bench@example.com"
            if chosen == Role.ADMIN
            else f"load-bench-{chosen.value.lower()}@example.com"
        )
        user, _ = await User.get_or_create(
            email=email, defaults={"name": "Load Bench", "role": chosen}
        )
        session = await issue_session(settings, user)
    return session.access_token


def start_server(
    settings: Settings,
    workers: int,
    port: int,
    secret: str,
    timeout: float,
    extra_env: dict[str, str] | None = None,
) -> subprocess.Popen:
    """``crm-graphql serve --workers N`` on 127.0.0.1:port (``extra_env``: more settings)."""
    env = {
        **os.environ,
        "CRM_DATABASE_URL": settings.database_url,
        "CRM_JWT_SECRET": secret,
        "CRM_HOST": "127.0.0.1",
        "CRM_PORT": str(port),
        "CRM_WORKERS": str(workers),
        "CRM_LOG_LEVEL": "warning",
        "CRM_METRICS_ALLOW_LOOPBACK": "true",
        "CRM_RATE_LIMIT_COST_PER_MINUTE": "0",
        "CRM_REQUEST_TIMEOUT_SECONDS": str(timeout),
        **(extra_env or {}),
    }
    command = [sys.executable, "-c", "from crm_graphql.cli import main; main()", "serve"]
    return subprocess.Popen(command, env=env)


async def wait_ready(base: str, process: subprocess.Popen) -> None:
    """Until ``/readyz`` answers 200."""
    deadline = time.monotonic() + START_SECONDS
    async with httpx.AsyncClient() as client:
        while True:
            if process.poll() is not None:
                raise SystemExit("the server exited during start")
            try:
                if (await client.get(f"{base}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not become ready")
            await asyncio.sleep(0.3)


async def load(base: str, token: str, run: Run, concurrency: int, duration: float) -> None:
    """``concurrency`` clients, each sending the headline query until the time is up."""
    body = {"query": HEADLINE, "variables": {"first": 20}, "operationName": "Customer360"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base,
        limits=limits,
        timeout=httpx.Timeout(300),
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        # Warm-up: every worker compiles, caches and opens its connections.
        await asyncio.gather(*(client.post("/graphql", json=body) for _ in range(20)))
        deadline = time.monotonic() + duration

        async def one_client() -> None:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    response = await client.post("/graphql", json=body)
                except httpx.HTTPError as exc:
                    run.errors[type(exc).__name__] += 1
                    continue
                run.latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    run.errors[f"HTTP {response.status_code}"] += 1
                elif b'"errors"' in response.content:
                    codes = [e["extensions"]["code"] for e in response.json()["errors"]]
                    run.errors[codes[0]] += 1

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(concurrency)))
        run.seconds = time.perf_counter() - started


def metric(text: str, name: str, **labels: str) -> float:
    """Sum of the samples ``name`` with ``labels`` in a Prometheus text exposition."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


async def measure(settings: Settings, token: str, secret: str, workers: int, args) -> Run:
    """One run with ``workers`` worker processes."""
    run = Run(workers)
    before = await db_connections(settings)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_server(settings, workers, port, secret, args.request_timeout)
    try:
        await wait_ready(base, process)
        await load(base, token, run, args.concurrency, args.duration)
        await asyncio.sleep(1)
        async with httpx.AsyncClient() as client:
            text = (await client.get(f"{base}/metrics")).text
        ok = metric(text, "crm_graphql_operations_total", operation="Customer360")
        run.server_count = ok - 20  # less the warm-up
        run.pool_in_use_after = metric(text, "crm_db_pool_connections_in_use")
        run.pool_open_after = metric(text, "crm_db_pool_connections")
        run.db_connections_idle = await db_connections(settings)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    await asyncio.sleep(1)
    after = await db_connections(settings)
    if before is not None:
        leaked = after - before
        print(
            f"  {workers} worker(s): connections to the database before start {before}, "
            f"while idle {run.db_connections_idle}, after stop {after}"
            + ("  OK" if leaked <= 0 else f"  LEAKED {leaked}"),
            flush=True,
        )
    return run


async def main() -> None:
    # "database exists" and the like, from CREATE ... IF NOT EXISTS: expected here.
    warnings.filterwarnings("ignore", module="asyncmy")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--concurrency", type=int, default=300)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per run")
    parser.add_argument(
        "--request-timeout", type=float, default=10.0, help="CRM_REQUEST_TIMEOUT_SECONDS"
    )
    args = parser.parse_args()

    secret = secrets.token_urlsafe(48)
    settings = load_settings(
        database_url=args.database_url, jwt_secret=secret, access_token_minutes=120
    )
    token = await prepare(settings, args.customers)
    print(
        f"database {args.database_url}, {args.concurrency} concurrent clients, "
        f"{args.duration:.0f} s per run, headline query first: 20, {os.cpu_count()} CPUs, "
        f"operation time limit {args.request_timeout:g} s, load average before "
        f"{os.getloadavg()[0]:.1f}",
        flush=True,
    )
    runs = [await measure(settings, token, secret, workers, args) for workers in args.workers]
    print(HEADER)
    for run in runs:
        print(run.line())
        if run.errors:
            print(f"        errors: {dict(run.errors)}")


if __name__ == "__main__":
    asyncio.run(main())
