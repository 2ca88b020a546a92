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

from benchmarks.common import bench_settings, http_client
from benchmarks.dashboard_views import Row, capture, explain, measure, raw_connection

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
    args = parser.parse_args()
    views = [(name, doc) for name, doc in VIEWS if not args.only or name in args.only]
    settings = bench_settings(
        args.database_url, cache_key_prefix=f"crm-bench:{secrets.token_hex(4)}:", db_pool_max=5
    )
    connection = await raw_connection(args.database_url)
    rows: list[Row] = []
    try:
        async with http_client(settings) as client:
            for name, document in views:
                statements = await capture(client, name, document)
                if args.explain:
                    for statement in statements:
                        if not statement.authentication:
                            print(f"  {name}: {' '.join(statement.sql.split())[:300]}")
                            await explain(connection, statement, False)
                row = await measure(client, connection, name, document, statements, args.runs)
                rows.append(row)
                print(f"  {name}: API {row.api_ms:.1f} ms, SQL {row.sql_ms:.1f} ms", flush=True)
    finally:
        connection.close()
    print()
    print(f"database: {args.database_url}, medians of {args.runs} runs, view cache off")
    header = f"| {'view':<40} | API median | raw SQL median | ratio | statements |"
    print(header)
    print("|" + "|".join("-" * len(part) for part in header.split("|")[1:-1]) + "|")
    for row in rows:
        print(
            f"| {row.view:<40} | {row.api_ms:7.1f} ms | {row.sql_ms:11.1f} ms "
            f"| {row.ratio:5.2f} | {len(row.statements):10d} |"
        )
    print(
        "\nStatements include the one that checks the caller's session; the raw side runs "
        "them one after another on one connection."
    )


if __name__ == "__main__":
    asyncio.run(main())
