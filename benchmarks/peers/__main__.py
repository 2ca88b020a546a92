"""The headline query against its peers, side by side in one interleaved run.

    python -m benchmarks.peers --database-url mysql://root:@127.0.0.1:3306/crm_peers_bench

Prepares the MySQL/MariaDB database (created, migrated and seeded with ``--customers``
when it has fewer), copies its tables into PostgreSQL (``--postgres-url``), installs
PostGraphile 4 and 5 from the npm registry into a temporary folder, and starts every
contender on loopback:

- ``api``: this API, the real ``crm-graphql serve`` with one worker, signed in as a
  benchmark ADMIN (``--role``: a user of another role; per-user cost budget off: every
  request comes from one user);
- ``floor``: hand-written SQL over asyncmy in a bare Starlette app, same JSON;
- ``pg4`` / ``pg5``: PostGraphile 4 and 5 (Grafast) over the PostgreSQL copy;
- ``textbook``: Strawberry + Tortoise with DataLoaders, as the docs teach.

It checks that every contender returns the API's data for each page size, then
measures, interleaving the contenders request by request (round robin, the order
rotated each round): the latency of one client at a time (median, p95), then
``--clients`` concurrent clients for ``--load-seconds`` per contender and size,
repeated ``--load-rounds`` times in turn (requests per second, and the server
process's CPU time per request from ``/proc``). Prints a table per page size with the
ratios to the raw-SQL floor, and writes them to ``--results`` as Markdown.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx

from benchmarks.headline_latency import HEADLINE
from benchmarks.load_test import _free_port, prepare, start_server
from benchmarks.peers import postgraphile
from benchmarks.peers.contenders import Contender, wait_until_answers
from benchmarks.peers.postgres import Psql, copy_to_postgres, postgres_url
from benchmarks.peers.shape import first_difference
from crm_graphql.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
KEYS = ("api", "floor", "pg4", "pg5", "textbook", "standard")
#: Run unless ``--only`` says otherwise (``standard`` is for measuring the API's own
#: optimisations side by side).
DEFAULT_KEYS = KEYS[:-1]
#: The settings that turn the API's read-path optimisations off (see docs/performance.md).
STANDARD_PATH = {
    "CRM_GC_FREEZE": "false",
    "CRM_GC_THRESHOLD": "0",
    "CRM_PLANNED_READS": "false",
    "CRM_FAST_JSON": "false",
}


@dataclass
class Measured:
    """What was measured of one contender at one page size."""

    latencies: list[float] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    failures: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.latencies)

    @property
    def p95(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.requests if self.requests else 0.0


def _python_server(module: str, database_url: str, port: int, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", module, "--database-url", database_url, "--port", str(port)]
    return subprocess.Popen(command, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _variant(text: str) -> tuple[str, dict[str, str]]:
    """``LABEL:CRM_X=v,CRM_Y=w`` -> (label, environment)."""
    label, _, settings = text.partition(":")
    pairs = (item.partition("=") for item in settings.split(",") if item.strip())
    return label.strip(), {name.strip(): value.strip() for name, _, value in pairs}


def _graphql(document: str) -> Any:
    def request(first: int) -> tuple[str, str, Any, Any]:
        return "POST", "/graphql", {"query": document, "variables": {"first": first}}, None

    return request


async def start_contenders(args: argparse.Namespace, work: Path) -> list[Contender]:
    """Prepare the data and start the chosen servers (in the order of ``KEYS``)."""
    secret = secrets.token_urlsafe(48)
    settings = load_settings(
        database_url=args.database_url, jwt_secret=secret, access_token_minutes=24 * 60
    )
    token = await prepare(settings, args.customers, args.role)
    pg_url = postgres_url(args.postgres_url, args.database_url)
    npm = args.npm_dir or work / "npm"
    if {"pg4", "pg5"} & set(args.only):
        print(await copy_to_postgres(args.database_url, pg_url), flush=True)
        postgraphile.install(npm)

    contenders = []
    for key in KEYS:
        if key not in args.only:
            continue
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        log = work / f"{key}.log"
        if key == "api":
            process = start_server(settings, 1, port, secret, 60)
            contender = Contender(
                key,
                "this API (`crm-graphql serve`, 1 worker)",
                base,
                process,
                _graphql(HEADLINE),
                lambda data: data,
                headers={"Authorization": f"Bearer {token}"},
            )
        elif key == "standard":
            process = start_server(settings, 1, port, secret, 60, extra_env=STANDARD_PATH)
            contender = Contender(
                key,
                "this API, optimisations off (standard executor path, default GC, json)",
                base,
                process,
                _graphql(HEADLINE),
                lambda data: data,
                headers={"Authorization": f"Bearer {token}"},
            )
        elif key == "floor":
            process = _python_server("benchmarks.peers.floor", args.database_url, port, log)
            contender = Contender(
                key,
                "raw SQL over asyncmy, same nested JSON, bare Starlette",
                base,
                process,
                lambda first: ("GET", "/customer360", None, {"first": first}),
                lambda data: data,
                log=log,
            )
        elif key == "textbook":
            process = _python_server("benchmarks.peers.textbook", args.database_url, port, log)
            contender = Contender(
                key,
                "Strawberry + Tortoise with DataLoaders, as the docs teach",
                base,
                process,
                _graphql(HEADLINE),
                lambda data: data,
                log=log,
            )
        else:
            number = int(key[-1])
            process = postgraphile.start(npm, number, pg_url, port, log)
            release = postgraphile.installed_version(npm, number)
            grafast = " (Grafast)" if number == 5 else ""
            contender = Contender(
                key,
                f"PostGraphile {release}{grafast} on PostgreSQL, same rows and indexes",
                base,
                process,
                _graphql(postgraphile.DOCUMENTS[number]),
                lambda data, number=number: postgraphile.to_api_shape(data, number),
                log=log,
            )
        contenders.append(contender)
    for label, extra_env in args.variant:
        port = _free_port()
        process = start_server(settings, 1, port, secret, 60, extra_env=extra_env)
        contenders.append(
            Contender(
                f"variant:{label}",
                f"this API, {label}",
                f"http://127.0.0.1:{port}",
                process,
                _graphql(HEADLINE),
                lambda data: data,
                headers={"Authorization": f"Bearer {token}"},
            )
        )
    try:
        for contender in contenders:
            await wait_until_answers(contender)
    except BaseException:
        for contender in contenders:
            contender.stop()
        raise
    return contenders


def _leaves(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_leaves(v) for v in value.values())
    if isinstance(value, list):
        return sum(_leaves(v) for v in value)
    return 1


async def check_same_data(contenders: list[Contender], sizes: list[int]) -> dict[int, int]:
    """Every contender's answer must be the API's data; returns the leaf values per size."""
    leaves = {}
    async with httpx.AsyncClient(timeout=120) as client:
        for size in sizes:
            answers = {c.key: await c.answer(client, size) for c in contenders}
            reference_key = "api" if "api" in answers else contenders[0].key
            reference = answers[reference_key]
            leaves[size] = _leaves(reference)
            for contender in contenders:
                difference = first_difference(reference, answers[contender.key])
                if difference:
                    raise SystemExit(
                        f"first: {size}: {contender.label} differs from {reference_key}: "
                        f"{difference}"
                    )
            print(
                f"first: {size}: the {len(contenders)} answers are the same "
                f"({leaves[size]:,} leaf values)",
                flush=True,
            )
    return leaves


async def measure_latency(
    contenders: list[Contender],
    sizes: list[int],
    runs: int,
    warmup: int,
    results: dict[tuple[str, int], Measured],
) -> None:
    """One client, one request at a time, round robin over the contenders."""
    async with httpx.AsyncClient(timeout=120) as client:
        for round_ in range(warmup + runs):
            shift = round_ % len(contenders)
            order = contenders[shift:] + contenders[:shift]
            for size in sizes:
                for contender in order:
                    started = time.perf_counter()
                    response = await contender.send(client, size)
                    elapsed = (time.perf_counter() - started) * 1000
                    if response.status_code != 200:
                        raise SystemExit(f"{contender.label}: HTTP {response.status_code}")
                    if round_ >= warmup:
                        results[(contender.key, size)].latencies.append(elapsed)


async def _load_one(contender: Contender, size: int, clients: int, seconds: float) -> Measured:
    measured = Measured()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        deadline = time.monotonic() + seconds

        async def one_client() -> None:
            while time.monotonic() < deadline:
                response = await contender.send(client, size)
                if response.status_code == 200:
                    measured.requests += 1
                else:
                    measured.failures += 1

        cpu_before = contender.cpu()
        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        measured.seconds = time.perf_counter() - started
        measured.cpu = contender.cpu() - cpu_before
    return measured


async def measure_load(
    contenders: list[Contender],
    sizes: list[int],
    clients: int,
    seconds: float,
    rounds: int,
    results: dict[tuple[str, int], Measured],
) -> None:
    """``clients`` concurrent clients per contender in turn, ``rounds`` times."""
    for round_ in range(rounds):
        shift = round_ % len(contenders)
        for size in sizes:
            for contender in contenders[shift:] + contenders[:shift]:
                slice_ = await _load_one(contender, size, clients, seconds)
                total = results[(contender.key, size)]
                total.requests += slice_.requests
                total.failures += slice_.failures
                total.seconds += slice_.seconds
                total.cpu += slice_.cpu


def _ratio(value: float, floor: float | None) -> str:
    return f"{value / floor:.2f}x" if floor else "-"


def table(
    contenders: list[Contender], size: int, results: dict[tuple[str, int], Measured], clients: int
) -> str:
    """The Markdown table of one page size."""
    floor = results.get(("floor", size))
    lines = [
        f"| server (first: {size}) | median | p95 | median / floor | req/s, {clients} clients "
        "| CPU per request | CPU / floor |",
        "|---|---|---|---|---|---|---|",
    ]
    for contender in contenders:
        m = results[(contender.key, size)]
        failed = f" ({m.failures} failed)" if m.failures else ""
        lines.append(
            f"| {contender.label} | {m.median:.1f} ms | {m.p95:.1f} ms "
            f"| {_ratio(m.median, floor.median if floor else None)} | {m.rate:.1f}{failed} "
            f"| {m.cpu_ms:.1f} ms | {_ratio(m.cpu_ms, floor.cpu_ms if floor else None)} |"
        )
    return "\n".join(lines)


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


async def _versions(args: argparse.Namespace) -> str:
    """The versions of the databases and of the Python stack."""
    from benchmarks.load_test import _mysql

    parts = [f"MySQL server {(await _mysql(args.database_url, 'SELECT VERSION()'))[0][0]}"]
    if {"pg4", "pg5"} & set(args.only):
        parts.append(f"PostgreSQL {Psql(args.postgres_url).run('SHOW server_version').strip()}")
    parts.append(f"Python {platform.python_version()}")
    for package in ("strawberry-graphql", "tortoise-orm", "asyncmy", "starlette", "uvicorn"):
        parts.append(f"{package} {version(package)}")
    return ", ".join(parts)


async def main() -> None:
    warnings.filterwarnings("ignore", module="asyncmy")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="mysql://... (MySQL or MariaDB)")
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument(
        "--postgres-url",
        default="postgresql://postgres@127.0.0.1:5432/",
        help="PostgreSQL server for the PostGraphile contenders (the database is named "
        "after the MySQL one)",
    )
    parser.add_argument("--only", default=",".join(DEFAULT_KEYS), help=f"comma-separated of {KEYS}")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="LABEL:CRM_X=v,CRM_Y=w",
        help="one more API server with these settings (repeatable), e.g. "
        "'GC only:CRM_PLANNED_READS=false,CRM_FAST_JSON=false'",
    )
    parser.add_argument(
        "--role",
        default="ADMIN",
        help="the role of the user the API servers are asked as (field rules that deny "
        "it something the headline selects would change the data: the run stops there)",
    )
    parser.add_argument("--sizes", default="50,5", help="page sizes (first: N)")
    parser.add_argument("--runs", type=int, default=40, help="latency samples per contender")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--load-seconds", type=float, default=4.0)
    parser.add_argument("--load-rounds", type=int, default=3)
    parser.add_argument(
        "--npm-dir",
        type=Path,
        help="install PostGraphile here and keep it (default: a temporary folder, removed)",
    )
    parser.add_argument(
        "--results", type=Path, default=ROOT / "benchmarks" / "peers" / "RESULTS.md"
    )
    args = parser.parse_args()
    args.only = [key.strip() for key in args.only.split(",") if key.strip()]
    args.variant = [_variant(text) for text in args.variant]
    unknown = set(args.only) - set(KEYS)
    if unknown:
        parser.error(f"unknown contenders {sorted(unknown)}")
    sizes = [int(size) for size in args.sizes.split(",")]

    work = Path(tempfile.mkdtemp(prefix="crm-peers-"))
    started_at = datetime.now(UTC)
    load_before = _uptime()
    contenders: list[Contender] = []
    try:
        contenders = await start_contenders(args, work)
        leaves = await check_same_data(contenders, sizes)
        results = {(c.key, size): Measured() for c in contenders for size in sizes}
        print(f"latency: {args.runs} rounds, one client ...", flush=True)
        await measure_latency(contenders, sizes, args.runs, args.warmup, results)
        print(
            f"load: {args.clients} clients, {args.load_seconds:g} s per contender and size, "
            f"{args.load_rounds} rounds ...",
            flush=True,
        )
        await measure_load(
            contenders, sizes, args.clients, args.load_seconds, args.load_rounds, results
        )
    finally:
        for contender in contenders:
            contender.stop()
        shutil.rmtree(work, ignore_errors=True)
    load_after = _uptime()

    tables = [table(contenders, size, results, args.clients) for size in sizes]
    report = "\n".join(
        [
            "# The headline query against its peers",
            "",
            f"Measured {started_at:%Y-%m-%d %H:%M} UTC by `python -m benchmarks.peers "
            f"--database-url {args.database_url}` (`--runs {args.runs} --clients "
            f"{args.clients} --load-seconds {args.load_seconds:g} --load-rounds "
            f"{args.load_rounds}`), {args.customers:,} seeded customers, the API asked "
            f"by a user of the role {args.role}, "
            f"{os.cpu_count()} CPUs shared by the servers, the databases and the clients. "
            "Leaf values per answer: "
            + ", ".join(f"{leaves[size]:,} at first: {size}" for size in sizes)
            + ".",
            "",
            f"Load before: `{load_before}`; after: `{load_after}`.",
            "",
            "Latency: one client, requests interleaved round robin. req/s: "
            f"{args.clients} concurrent clients per server in turn. CPU per request: the "
            "server process's user + system time (from /proc) during the load, divided by "
            "the requests served; the databases' CPU is not included.",
            "",
            *[part for t in tables for part in (t, "")],
            f"Versions: {await _versions(args)}.",
            "",
        ]
    )
    print()
    print(report)
    args.results.write_text(report)
    print(f"written to {args.results}")


if __name__ == "__main__":
    asyncio.run(main())
