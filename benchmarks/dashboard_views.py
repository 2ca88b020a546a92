"""Dashboard views through the HTTP API, side by side with the same SQL run directly,
and with the same API computing them from the rows instead of the rollups.

    python -m benchmarks.dashboard_views                       # crm_dash_bench on MariaDB
    python -m benchmarks.dashboard_views --explain             # plus EXPLAIN of each statement
    python -m benchmarks.dashboard_views --only revenue --analyze

For each view one request through the real app over HTTP (in-process ASGI transport,
signed in as an ADMIN, view cache off) records the SQL statements, with their parameters,
that the API sends. Then the GraphQL request and those statements on a plain asyncmy
connection (no ORM) run in turn, ``--runs`` times each after 3 warm-ups. The table shows
both medians, their ratio and the statements per request. The target is a ratio under
1.3 and an API median under 200 ms.

Each view is also sent, in turn with the others, to a second app over the same database
with ``analytics_rollups`` off: the "rows" column is what the view costs without the
rollups, "path" says which path served it with them (``extensions.aggregation``).

The in-process transport does not run the app's start-up, so the garbage collector is
tuned here as a served process tunes it after start-up (``api.runtime.gc``: the start-up
objects frozen, the young generation's threshold raised); ``--untuned-gc`` keeps
Python's defaults, under which full collections traverse every long-lived object of the
process several times per request of a thousand groups.

The database must be migrated and seeded, e.g. 100,000 customers with about 1,000,000
interactions, 300,000 orders and 200,000 opportunities::

    crm-graphql seed --customers 100000 --interactions-per-customer 10 \\
        --orders-per-customer 3 --opportunities-per-customer 2
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import secrets
import statistics
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from urllib.parse import urlparse

import asyncmy
import httpx

from benchmarks.common import (
    Statement,
    bench_settings,
    captured_statements,
    http_client,
)
from crm_graphql.api.runtime.gc import tune_after_start
from crm_graphql.app import create_app

DEFAULT_URL = "mysql://root:@127.0.0.1:3306/crm_dash_bench"

# The demo data ends on 2026-11-01: the views look at its last year, as a dashboard would.
YEAR_START = "2025-11-01"
YEAR_END = "2026-10-31"


#: (name, GraphQL document): every named view and every aggregate root field.
def _orders_aggregate(zone: str | None) -> str:
    """Orders by status x currency x month since 2025-11-01, with every measure of the
    total, months local to ``zone`` (UTC when None)."""
    zone_argument = f'timeZone: "{zone}", ' if zone else ""
    return f"""{{ ordersAggregate(groupBy: [{{field: STATUS}}, {{field: CURRENCY}},
                                      {{field: PLACED_AT, granularity: MONTH}}],
                             filter: {{placedAt: {{gte: "2025-11-01T00:00:00Z"}}}},
                             {zone_argument}first: 200) {{
          hasMore groups {{ key {{ status currency placedAt }} count sum {{ total }}
                           avg {{ total }} min {{ total }} max {{ total }} }} }} }}"""


VIEWS: list[tuple[str, str]] = [
    (
        "salesPipeline",
        """{ salesPipeline(currency: "USD", filter: {createdAt: {gte: "2025-11-01T00:00:00Z"}}) {
          currency count totalAmount weightedTotal wonCount lostCount winRate
          averageDaysToClose stages { stage count amount weightedAmount } } }""",
    ),
    (
        "salesPipeline(all)",
        """{ salesPipeline(currency: "USD") {
          currency count totalAmount weightedTotal wonCount lostCount winRate
          averageDaysToClose stages { stage count amount weightedAmount } } }""",
    ),
    (
        "revenue",
        f"""{{ revenue(granularity: MONTH, from: "{YEAR_START}", to: "{YEAR_END}",
                       timeZone: "Europe/Berlin", currency: "USD") {{
          currency totalAmount orderCount periods {{ period start end amount orderCount }} }} }}""",
    ),
    (
        "interactionStats",
        """{ interactionStats(groupBy: [CHANNEL, MONTH],
              filter: {occurredAt: {gte: "2025-11-01T00:00:00Z", lt: "2026-11-01T00:00:00Z"}}) {
          hasMore groups { channel periodStart count totalDurationSeconds } } }""",
    ),
    (
        "interactionStats(AUTHOR)",
        """{ interactionStats(groupBy: [AUTHOR, MONTH],
              filter: {occurredAt: {gte: "2025-11-01T00:00:00Z", lt: "2026-11-01T00:00:00Z"}}) {
          hasMore groups { author { id name } periodStart count totalDurationSeconds } } }""",
    ),
    (
        "interactionStats(AUTHOR, Berlin)",
        """{ interactionStats(groupBy: [AUTHOR, MONTH], timeZone: "Europe/Berlin",
              filter: {occurredAt: {gte: "2025-10-31T23:00:00Z", lt: "2026-10-31T23:00:00Z"}}) {
          hasMore groups { author { id name } periodStart count totalDurationSeconds } } }""",
    ),
    (
        "interactionStats(CHANNEL, Kolkata)",
        """{ interactionStats(groupBy: [CHANNEL, MONTH], timeZone: "Asia/Kolkata",
              filter: {occurredAt: {gte: "2025-10-31T18:30:00Z", lt: "2026-10-31T18:30:00Z"}}) {
          hasMore groups { channel periodStart count totalDurationSeconds } } }""",
    ),
    (
        "topCustomers(LIFETIME_VALUE)",
        """{ topCustomers(by: LIFETIME_VALUE, first: 10, currency: "USD") {
          rank lifetimeValue orderCount interactionCount customer { id firstName lastName } } }""",
    ),
    (
        "topCustomers(INTERACTION_COUNT)",
        """{ topCustomers(by: INTERACTION_COUNT, first: 10) {
          rank orderCount interactionCount customer { id firstName lastName } } }""",
    ),
    (
        "topCustomers(ORDER_COUNT)",
        """{ topCustomers(by: ORDER_COUNT, first: 10) {
          rank orderCount interactionCount customer { id firstName lastName } } }""",
    ),
    (
        "customerStats(WEEK, Kathmandu)",
        """{ customerStats(granularity: WEEK, from: "2026-05-04", to: "2026-10-25",
                             timeZone: "Asia/Kathmandu") {
          total byLifecycleStage { stage count } bySource { source count }
          newCustomers { period start count } } }""",
    ),
    (
        "customerStats",
        f"""{{ customerStats(granularity: MONTH, from: "{YEAR_START}", to: "{YEAR_END}") {{
          total byLifecycleStage {{ stage count }} bySource {{ source count }}
          newCustomers {{ period start count }} }} }}""",
    ),
    (
        "salesLeaderboard",
        f"""{{ salesLeaderboard(period: {{from: "{YEAR_START}", to: "{YEAR_END}"}},
                                by: WON_AMOUNT, currency: "USD", first: 20) {{
          rank owner {{ id name }} wonAmount wonCount openPipeline openCount
          interactionsLogged }} }}""",
    ),
    ("ordersAggregate", _orders_aggregate(None)),
    ("ordersAggregate(Berlin)", _orders_aggregate("Europe/Berlin")),
    ("ordersAggregate(Kolkata)", _orders_aggregate("Asia/Kolkata")),
    (
        "opportunitiesAggregate",
        """{ opportunitiesAggregate(groupBy: [{field: OWNER}, {field: STAGE},
                                             {field: CURRENCY}], first: 200) {
          hasMore groups { key { owner { id name } stage currency } count
                           sum { amount } avg { amount probability } } } }""",
    ),
    (
        "interactionsAggregate",
        """{ interactionsAggregate(groupBy: [{field: OCCURRED_AT, granularity: DAY},
                                            {field: CHANNEL}],
                                   filter: {occurredAt: {gte: "2026-08-01T00:00:00Z"}},
                                   first: 1000) {
          hasMore groups { key { occurredAt channel } count
                           sum { durationSeconds } avg { durationSeconds } } } }""",
    ),
    (
        "customersAggregate",
        """{ customersAggregate(groupBy: [{field: LIFECYCLE_STAGE}, {field: SOURCE}]) {
          hasMore groups { key { lifecycleStage source } count } } }""",
    ),
]

#: Targets of the dashboards: the API within this factor of its SQL, and under this time.
TARGET_RATIO = 1.3
TARGET_MS = 200.0
#: Runs of each side before the measured ones (buffer pool, statement caches).
WARMUP = 3


@dataclass
class Row:
    """The measurements of one view."""

    view: str
    api_ms: float
    sql_ms: float
    statements: list[Statement]
    rows_ms: float = 0.0
    path: str = ""

    @property
    def ratio(self) -> float:
        return self.api_ms / self.sql_ms if self.sql_ms > 0 else float("inf")

    @property
    def verdict(self) -> str:
        misses = []
        if self.ratio > TARGET_RATIO:
            misses.append(f"ratio>{TARGET_RATIO}")
        if self.api_ms > TARGET_MS:
            misses.append(f">{TARGET_MS:.0f}ms")
        return "ok" if not misses else "MISS " + ",".join(misses)


async def raw_connection(database_url: str) -> asyncmy.Connection:
    """A plain asyncmy connection with the session settings the app's pool uses."""
    parts = urlparse(database_url)
    return await asyncmy.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
        db=parts.path.lstrip("/"),
        charset="utf8mb4",
        init_command="SET time_zone='+00:00'",
        autocommit=True,
    )


async def run_raw(connection: asyncmy.Connection, statements: list[Statement]) -> float:
    """Run the statements in order, reading every row; milliseconds."""
    started = time.perf_counter()
    async with connection.cursor() as cursor:
        for statement in statements:
            await cursor.execute(statement.sql, statement.values or None)
            await cursor.fetchall()
    return (time.perf_counter() - started) * 1000


async def capture(
    client: httpx.AsyncClient, view: str, document: str
) -> tuple[list[Statement], str]:
    """The statements (with parameters) one request of the view sends, and the paths that
    served its aggregates."""
    with captured_statements() as statements:
        response = await client.post("/graphql", json={"query": document})
    body = response.json()
    errors = body.get("errors")
    if errors:
        print(f"  note: {view} answered with errors: {errors[:1]}")
    paths = (body.get("extensions") or {}).get("aggregation") or []
    return list(statements), "+".join(dict.fromkeys(paths)) or "-"


async def run_api(client: httpx.AsyncClient, document: str) -> float:
    """One request of the view through the API; milliseconds."""
    started = time.perf_counter()
    response = await client.post("/graphql", json={"query": document})
    elapsed = (time.perf_counter() - started) * 1000
    body = response.json()
    if body.get("errors") and not body.get("data"):
        raise SystemExit(str(body["errors"][:1]))
    return elapsed


async def measure(
    client: httpx.AsyncClient,
    connection: asyncmy.Connection,
    view: str,
    document: str,
    statements: list[Statement],
    runs: int,
    rows_client: httpx.AsyncClient | None = None,
) -> Row:
    """Medians of the view through the API, of its statements run directly and (with
    ``rows_client``) through the API without rollups.

    They alternate (API, SQL, rows, API, SQL, rows, ...) so that a change in the
    machine's load during the run affects every side alike.
    """
    api: list[float] = []
    sql: list[float] = []
    rows: list[float] = []
    for index in range(WARMUP + runs):
        api_ms = await run_api(client, document)
        sql_ms = await run_raw(connection, statements)
        rows_ms = await run_api(rows_client, document) if rows_client is not None else 0.0
        if index >= WARMUP:
            api.append(api_ms)
            sql.append(sql_ms)
            rows.append(rows_ms)
    return Row(
        view,
        statistics.median(api),
        statistics.median(sql),
        statements,
        rows_ms=statistics.median(rows),
    )


async def explain(connection: asyncmy.Connection, statement: Statement, analyze: bool) -> None:
    """Print MariaDB's plan of one statement (ANALYZE also runs it and shows real rows)."""
    verb = "ANALYZE" if analyze else "EXPLAIN"
    async with connection.cursor() as cursor:
        await cursor.execute(f"{verb} {statement.sql}", statement.values or None)
        columns = [column[0] for column in cursor.description]
        rows = await cursor.fetchall()
    wanted = [
        name
        for name in ("id", "select_type", "table", "type", "key", "key_len", "rows", "r_rows",
                     "filtered", "r_filtered", "Extra")
        if name in columns
    ]  # fmt: skip
    widths = {name: len(name) for name in wanted}
    cells = [{name: str(row[columns.index(name)]) for name in wanted} for row in rows]
    for cell in cells:
        for name in wanted:
            widths[name] = max(widths[name], len(cell[name]))
    print("    " + " | ".join(name.ljust(widths[name]) for name in wanted))
    for cell in cells:
        print("    " + " | ".join(cell[name].ljust(widths[name]) for name in wanted))


async def forget_cache(url: str, prefix: str) -> None:
    """Remove this run's cache keys (entries expire anyway; the generation would not)."""
    from redis import asyncio as aioredis

    client = aioredis.Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


def _one_line(sql: str, limit: int = 400) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", nargs="*", help="Views to run (names as in the table).")
    parser.add_argument(
        "--cache-url",
        help="redis://... to measure the API with the view cache on (off by default).",
    )
    parser.add_argument("--explain", action="store_true", help="Print EXPLAIN per statement.")
    parser.add_argument(
        "--no-rows", action="store_true", help="Do not measure the views without rollups."
    )
    parser.add_argument(
        "--untuned-gc",
        action="store_true",
        help="Keep Python's default garbage collector thresholds (no freeze).",
    )
    parser.add_argument(
        "--analyze", action="store_true", help="Print ANALYZE (runs it: real row counts)."
    )
    args = parser.parse_args()
    if not args.database_url.startswith("mysql://"):
        raise SystemExit("the raw SQL side runs through asyncmy: give a mysql:// URL")
    views = [(name, doc) for name, doc in VIEWS if not args.only or name in args.only]
    # The cache is off unless asked for: the point is what a computed view costs.
    settings = bench_settings(
        args.database_url,
        cache_url=args.cache_url,
        cache_key_prefix=f"crm-bench:{secrets.token_hex(4)}:",
        db_pool_max=5,
    )
    connection = await raw_connection(args.database_url)
    rows: list[Row] = []
    failures: list[tuple[str, str]] = []
    try:
        async with http_client(settings) as client, AsyncExitStack() as stack:
            if not args.untuned_gc:
                tune_after_start(settings)  # as the served process does after start-up
            rows_client = None
            if not args.no_rows:
                without = settings.model_copy(update={"analytics_rollups": False})
                rows_client = await stack.enter_async_context(
                    httpx.AsyncClient(
                        transport=httpx.ASGITransport(app=create_app(without)),
                        base_url="http://bench",
                        headers={"Authorization": client.headers["Authorization"]},
                    )
                )
            for name, document in views:
                statements, path = await capture(client, name, document)
                if args.explain or args.analyze:
                    for statement in statements:
                        if statement.authentication:
                            continue
                        print(f"  {name}: {_one_line(statement.sql)}")
                        print(f"     parameters: {statement.values}")
                        await explain(connection, statement, args.analyze)
                try:
                    row = await measure(
                        client, connection, name, document, statements, args.runs, rows_client
                    )
                    row.path = path
                except SystemExit as failed:  # the view answered with errors only
                    print(f"  {name}: not measured: {failed}", flush=True)
                    failures.append((name, str(failed)))
                    continue
                rows.append(row)
                print(
                    f"  {name}: API {row.api_ms:.1f} ms, SQL {row.sql_ms:.1f} ms, "
                    f"rows {row.rows_ms:.1f} ms ({row.path})",
                    flush=True,
                )
    finally:
        connection.close()
        if args.cache_url:
            await forget_cache(args.cache_url, settings.cache_key_prefix)
    print()
    cache = f"view cache on ({args.cache_url})" if args.cache_url else "view cache off"
    collector = "GC defaults" if args.untuned_gc else f"GC tuned {gc.get_threshold()}"
    print(f"database: {args.database_url}, medians of {args.runs} runs, {cache}, {collector}")
    header = (
        f"| {'view':<32} | API median | raw SQL median | ratio | statements "
        f"| rows (no rollups) | speed-up | {'path':<12} | {'target':<24} |"
    )
    print(header)
    print("|" + "|".join("-" * len(part) for part in header.split("|")[1:-1]) + "|")
    for row in rows:
        speedup = row.rows_ms / row.api_ms if row.api_ms > 0 and row.rows_ms else 0.0
        print(
            f"| {row.view:<32} | {row.api_ms:7.1f} ms | {row.sql_ms:11.1f} ms "
            f"| {row.ratio:5.2f} | {len(row.statements):10d} | {row.rows_ms:14.1f} ms "
            f"| {speedup:7.1f}x | {row.path:<12} | {row.verdict:<24} |"
        )
    for name, error in failures:
        print(f"| {name:<32} | failed: {error}")
    print(
        "\nStatements include the one that checks the caller's session; the raw side runs "
        "them one after another on one connection."
    )


if __name__ == "__main__":
    asyncio.run(main())
