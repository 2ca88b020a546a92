"""Latency of the headline customer-360 query, side by side with simpler queries.

    python -m benchmarks.headline_latency --database-url sqlite://./bench.sqlite3
    python -m benchmarks.headline_latency --database-url mysql://root:@127.0.0.1:3306/crm_bench

The database must be migrated and seeded (``crm-graphql seed``, or
``benchmarks/seed_throughput.py``). Prints medians of 20 runs, the ratios between the
queries, and the number of SQL statements each one runs.
"""

from __future__ import annotations

import argparse
import asyncio
import logging

from benchmarks.common import bench_settings, http_client, time_query

HEADLINE = """
query Customer360($first: Int!) {
  customers(first: $first, orderBy: [{field: CREATED_AT, direction: DESC}]) {
    totalCount
    nodes { id firstName lastName email company { name } lifetimeValue
      interactions(first: 10) { nodes { channel subject occurredAt author { name } } }
      orders(first: 10) {
        nodes { number status total currency items { quantity product { name } } } }
      opportunities(first: 5) { nodes { name stage amount } } } } }
"""

FLAT = """
query Flat($first: Int!) {
  customers(first: $first, orderBy: [{field: CREATED_AT, direction: DESC}]) {
    nodes { id firstName lastName email } } }
"""


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.args and str(record.args[0]).lstrip().upper().startswith("SELECT"):
            self.count += 1


async def _statements(client, query: str, variables: dict) -> int:
    logger = logging.getLogger("tortoise.db_client")
    counter = _Counter()
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    try:
        await client.post("/graphql", json={"query": query, "variables": variables})
    finally:
        logger.removeHandler(counter)
        logger.setLevel(logging.WARNING)
    return counter.count


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    settings = bench_settings(args.database_url)
    async with http_client(settings) as client:
        count = (
            await client.post("/graphql", json={"query": "{ customers(first: 0) { totalCount } }"})
        ).json()["data"]["customers"]["totalCount"]
        print(f"database: {args.database_url}  ({count} customers)")
        head50 = await time_query(
            client, "headline query, first: 50", HEADLINE, {"first": 50}, runs=args.runs
        )
        head5 = await time_query(
            client, "headline query, first: 5", HEADLINE, {"first": 5}, runs=args.runs
        )
        flat50 = await time_query(
            client, "customers only (no nesting), first: 50", FLAT, {"first": 50}, runs=args.runs
        )
        for timing in (head50, head5, flat50):
            print(timing.line())
        print(f"ratio headline first:50 / first:5        {head50.median / head5.median:6.2f}x")
        print(f"ratio headline / customers-only (50)     {head50.median / flat50.median:6.2f}x")
        s5 = await _statements(client, HEADLINE, {"first": 5})
        s50 = await _statements(client, HEADLINE, {"first": 50})
        print(f"SQL statements: first:5 -> {s5}, first:50 -> {s50}")


if __name__ == "__main__":
    asyncio.run(main())
