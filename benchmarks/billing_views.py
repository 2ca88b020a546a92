"""Billing views through the HTTP API, side by side with the same SQL run directly.

    python -m benchmarks.billing_views                      # crm_billing_bench on MariaDB
    python -m benchmarks.billing_views --explain            # plus EXPLAIN of each statement

Like ``benchmarks.support_views`` (whose measuring it reuses from
``benchmarks.dashboard_views``): each view once through the real app over HTTP to record
its SQL, then the GraphQL request and those statements on a plain connection in turn,
``--runs`` times each after 3 warm-ups; medians.

The database must be migrated and seeded, e.g.::

    crm-graphql seed --customers 30000 --interactions-per-customer 2 \\
        --orders-per-customer 5 --opportunities-per-customer 1 --tickets 0
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
from contextlib import AsyncExitStack

from benchmarks.common import bench_settings, http_client
from benchmarks.dashboard_views import raw_connection
from benchmarks.view_table import measure_views, print_views_table, rows_client

DEFAULT_URL = "mysql://root:@127.0.0.1:3306/crm_billing_bench"

# The demo data ends on 2026-11-01.
BUCKETS = "current days1to30 days31to60 days61to90 over90 total invoiceCount"
VIEWS: list[tuple[str, str]] = [
    (
        "receivablesAgeing(total + 50 customers)",
        f"""{{ receivablesAgeing(asOf: "2026-11-01", first: 50) {{ total {{ {BUCKETS} }}
          hasMore customers {{ customer {{ lastName }} buckets {{ {BUCKETS} }} }} }} }}""",
    ),
    (
        "cashflow(12 months, MONTH)",
        """{ cashflow(from: "2025-11-01", to: "2026-10-31", granularity: MONTH,
              timeZone: "Europe/Berlin") {
          invoiced collected receivables daysSalesOutstanding
          periods { period invoiced collected invoiceCount paymentCount } } }""",
    ),
    (
        "revenue(INVOICED, 12 months)",
        """{ revenue(from: "2025-11-01", to: "2026-10-31", granularity: MONTH,
              basis: INVOICED) { totalAmount orderCount periods { period amount } } }""",
    ),
    (
        "revenue(PAID, 12 months)",
        """{ revenue(from: "2025-11-01", to: "2026-10-31", granularity: MONTH,
              timeZone: "Europe/Berlin", basis: PAID) {
          totalAmount orderCount periods { period amount } } }""",
    ),
    (
        "invoicesAggregate(status)",
        """{ invoicesAggregate(groupBy: [{field: STATUS}, {field: CURRENCY}]) {
          groups { key { status currency } count sum { total balance } } } }""",
    ),
    (
        "paymentsAggregate(month)",
        """{ paymentsAggregate(groupBy: [{field: RECEIVED_AT, granularity: MONTH},
              {field: CURRENCY}], filter: {receivedAt: {gte: "2025-11-01T00:00:00Z"}}) {
          groups { key { receivedAt currency } count sum { amount } } } }""",
    ),
    (
        "invoices(first: 50, overdue, lines)",
        """{ invoices(first: 50, filter: {overdue: {eq: true}}, orderBy: [{field: DUE_DATE}]) {
          totalCount nodes { number dueDate daysOverdue total balance customer { lastName }
            lines { description quantity netAmount taxAmount } } } }""",
    ),
    (
        "customers(first: 50) with balance",
        """{ customers(first: 50) { nodes { lastName balance paidRevenue lifetimeValue
          invoices(first: 3) { nodes { number status balance } } } } }""",
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
    print_views_table(rows, target=False)


if __name__ == "__main__":
    asyncio.run(main())
