"""Support dashboards through the HTTP API, side by side with the same SQL run directly.

    python -m benchmarks.support_views                      # crm_support_bench on MariaDB
    python -m benchmarks.support_views --explain            # plus EXPLAIN of each statement

Like ``benchmarks.dashboard_views`` (whose measuring it reuses): each view once through
the real app over HTTP to record its SQL, then the GraphQL request and those statements
on a plain connection in turn, ``--runs`` times each after 3 warm-ups. Targets: within
1.3x of the raw SQL and under 200 ms.

The database must be migrated and seeded with tickets, e.g.::

    crm-graphql seed --customers 30000 --interactions-per-customer 1 \\
        --orders-per-customer 1 --opportunities-per-customer 1 --tickets 150000
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
from contextlib import AsyncExitStack

from benchmarks.common import bench_settings, http_client
from benchmarks.dashboard_views import raw_connection
from benchmarks.view_table import measure_views, print_views_table, rows_client

DEFAULT_URL = "mysql://root:@127.0.0.1:3306/crm_support_bench"

# The demo data ends on 2026-11-01.
MONTH = '{from: "2026-10-02", to: "2026-10-31"}'
QUARTER = '{from: "2026-08-03", to: "2026-10-31"}'
YEAR = '{from: "2025-11-01", to: "2026-10-31"}'
TIMES = "{ count medianMinutes p90Minutes }"
OVERVIEW = f"""created solved backlogTotal backlog {{ status age count }}
  periods {{ period start created solved }}
  firstResponse {TIMES} resolution {TIMES} slaAttainment
  satisfaction {{ surveysSent responses responseRate averageScore }}"""
BREAKDOWN = f"""created solved firstResponse {TIMES} resolution {TIMES} slaAttainment"""

VIEWS: list[tuple[str, str]] = [
    (
        "supportOverview(30 days)",
        f"""{{ supportOverview(period: {MONTH}, timeZone: "America/New_York") {{
          {OVERVIEW} }} }}""",
    ),
    (
        "supportOverview(30 days, breakdowns)",
        f"""{{ supportOverview(period: {MONTH}, timeZone: "America/New_York") {{ {OVERVIEW}
          byChannel {{ channel {BREAKDOWN} }} byPriority {{ priority {BREAKDOWN} }} }} }}""",
    ),
    (
        "supportOverview(year, MONTH)",
        f"""{{ supportOverview(period: {YEAR}, timeZone: "America/New_York",
              granularity: MONTH) {{ {OVERVIEW} }} }}""",
    ),
    (
        "supportOverview(year, MONTH, per period)",
        f"""{{ supportOverview(period: {YEAR}, timeZone: "America/New_York",
              granularity: MONTH) {{ {OVERVIEW}
          periods {{ slaAttainment satisfaction {{ responses averageScore }} }} }} }}""",
    ),
    (
        "supportOverview(year, MONTH, counts only)",
        f"""{{ supportOverview(period: {YEAR}, timeZone: "Asia/Kolkata", granularity: MONTH) {{
          created solved periods {{ period created solved slaAttainment }} }} }}""",
    ),
    (
        "supportOverview(year, MONTH, breakdowns, Kathmandu)",
        f"""{{ supportOverview(period: {YEAR}, timeZone: "Asia/Kathmandu", granularity: MONTH) {{
          {OVERVIEW} byChannel {{ channel {BREAKDOWN} }} byPriority {{ priority {BREAKDOWN} }}
          }} }}""",
    ),
    (
        "supportOverview(quarter, WEEK, times only, Marquesas)",
        f"""{{ supportOverview(period: {QUARTER}, timeZone: "Pacific/Marquesas",
              granularity: WEEK) {{ firstResponse {TIMES} resolution {TIMES} slaAttainment
          byChannel {{ channel firstResponse {TIMES} resolution {TIMES} }} }} }}""",
    ),
    (
        "supportLeaderboard(90 days)",
        f"""{{ supportLeaderboard(period: {QUARTER}, timeZone: "America/New_York", first: 20) {{
          rank solved openTickets assignee {{ id name }} firstResponse {TIMES}
          resolution {TIMES} slaAttainment satisfaction {{ responses averageScore }} }} }}""",
    ),
    (
        "supportLeaderboard(year, by resolution, Kolkata)",
        f"""{{ supportLeaderboard(period: {YEAR}, timeZone: "Asia/Kolkata",
              by: FASTEST_RESOLUTION) {{
          rank solved openTickets assignee {{ id name }} firstResponse {TIMES}
          resolution {TIMES} slaAttainment satisfaction {{ responses averageScore }} }} }}""",
    ),
    (
        "supportLeaderboard(year, by first response, Kathmandu, first 20)",
        f"""{{ supportLeaderboard(period: {YEAR}, timeZone: "Asia/Kathmandu",
              by: FASTEST_FIRST_RESPONSE, first: 20) {{
          rank solved assignee {{ id name }} firstResponse {TIMES} resolution {TIMES} }} }}""",
    ),
    (
        "ticketsAggregate(status x priority)",
        """{ ticketsAggregate(groupBy: [{field: STATUS}, {field: PRIORITY}]) {
          hasMore groups { key { status priority } count avg { resolutionSeconds } } } }""",
    ),
    (
        "ticketsAggregate(assignee x month)",
        """{ ticketsAggregate(groupBy: [{field: ASSIGNEE}, {field: SOLVED_AT, granularity: MONTH}],
              filter: {solvedAt: {gte: "2025-11-01T00:00:00Z"}}, first: 500) {
          hasMore groups { key { assignee { name } solvedAt } count
                           avg { firstResponseSeconds resolutionSeconds } } } }""",
    ),
    (
        "ticketsAggregate(channel x created week, Kathmandu)",
        """{ ticketsAggregate(groupBy: [{field: CHANNEL}, {field: CREATED_AT, granularity: WEEK}],
              filter: {createdAt: {gte: "2026-05-01T00:00:00Z"}}, timeZone: "Asia/Kathmandu",
              first: 500) {
          hasMore groups { key { channel createdAt } count sum { firstResponseSeconds } } } }""",
    ),
    (
        "tickets(first: 50, open, by due)",
        """{ tickets(first: 50, filter: {status: {in: [NEW, OPEN]}},
                    orderBy: [{field: RESOLUTION_DUE_AT}]) {
          totalCount nodes { number subject status priority customer { lastName }
            assignee { name } sla { resolutionDueAt resolutionBreached }
            comments(first: 3) { nodes { kind createdAt } } } } }""",
    ),
]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", nargs="*", help="Views to run (names as in the table).")
    parser.add_argument("--explain", action="store_true", help="Print EXPLAIN per statement.")
    parser.add_argument(
        "--no-rows", action="store_true", help="Do not measure the views without rollups."
    )
    args = parser.parse_args()
    views = [(name, doc) for name, doc in VIEWS if not args.only or name in args.only]
    settings = bench_settings(
        args.database_url, cache_key_prefix=f"crm-bench:{secrets.token_hex(4)}:", db_pool_max=5
    )
    connection = await raw_connection(args.database_url)
    try:
        async with http_client(settings) as client, AsyncExitStack() as stack:
            without = None
            if not args.no_rows:
                without = await stack.enter_async_context(rows_client(settings, client))
            rows = await measure_views(
                client, connection, views, args.runs, show_plans=args.explain, rows=without
            )
    finally:
        connection.close()
    print()
    print(f"database: {args.database_url}, medians of {args.runs} runs, view cache off")
    print_views_table(rows)


if __name__ == "__main__":
    asyncio.run(main())
