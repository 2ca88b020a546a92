"""What field-level permission checks cost, measured side by side.

    python -m benchmarks.permission_cost --database-url mysql://root:@127.0.0.1:3306/crm_bench

1. The headline query as ADMIN and as ANALYST, against the same query with the checks
   removed (a second process, whose execution context finds no guarded field).
2. A 100-row page as ANALYST with a denied field (``email``) against the same page
   without that field.

Prints medians of 20 runs and the ratios. The database must be migrated and seeded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys

from benchmarks.common import bench_settings, http_client, time_query
from benchmarks.headline_latency import HEADLINE

PAGE_WITH_DENIED = "{ customers(first: 100) { nodes { id firstName lastName email } } }"
PAGE_WITHOUT = "{ customers(first: 100) { nodes { id firstName lastName } } }"


def _checks_off() -> None:
    # The execution context finds no guarded field: nothing is checked.
    from crm_graphql.api import permissions

    permissions.rules_by_type = lambda schema: {}  # type: ignore[assignment]


async def _measure(database_url: str, runs: int, role_name: str) -> dict[str, float]:
    from crm_graphql.api.roles import Role

    settings = bench_settings(database_url)
    async with http_client(settings, Role(role_name)) as client:
        timing = await time_query(client, role_name, HEADLINE, {"first": 50}, runs=runs)
        return {"median": timing.median, "p95": timing.p95}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--checks-off-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.checks_off_child:
        _checks_off()
        print(json.dumps(await _measure(args.database_url, args.runs, "ADMIN")))
        return

    from crm_graphql.api.roles import Role

    off = json.loads(
        subprocess.run(  # noqa: ASYNC221 - nothing else runs while it measures
            [
                sys.executable,
                "-m",
                "benchmarks.permission_cost",
                "--checks-off-child",
                "--database-url",
                args.database_url,
                "--runs",
                str(args.runs),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    admin = await _measure(args.database_url, args.runs, "ADMIN")
    analyst = await _measure(args.database_url, args.runs, "ANALYST")
    print(f"database: {args.database_url}; headline query (first: 50), median of {args.runs}")
    print(f"  checks removed        {off['median']:8.2f} ms")
    for label, timing in (("ADMIN (all allowed)", admin), ("ANALYST (email denied)", analyst)):
        ratio = timing["median"] / off["median"]
        print(f"  {label:<22} {timing['median']:8.2f} ms   ratio {ratio:.3f}")

    settings = bench_settings(args.database_url)
    async with http_client(settings, Role.ANALYST) as client:
        without = await time_query(
            client, "100 rows, no denied field", PAGE_WITHOUT, runs=args.runs
        )
        denied = await time_query(
            client, "100 rows, denied email", PAGE_WITH_DENIED, runs=args.runs
        )
    print(f"  {without.line()}")
    print(f"  {denied.line()}")
    print(f"  ratio denied / without: {denied.median / without.median:.3f}")


if __name__ == "__main__":
    asyncio.run(main())
