"""A refresh of the dashboards page (``GET /dashboards``): its queries, as screens send them.

    python -m benchmarks.dashboards_page --database-url mysql://root:@127.0.0.1:3306/crm_dash \\
        --cache-url redis://127.0.0.1:6379/0

The page's queries are read from ``crm_graphql/static/dashboards/queries.js`` (the one
place the page keeps them) and sent the way the page sends them: all at once, each its
own request, with the variables of its settings (the demo's last year up to yesterday,
Europe/Berlin, months, USD). Through the real app over HTTP (in-process ASGI), signed in
as MANAGER, side by side:

- one screen's refresh with the view cache off, and on (Redis; after the first fill);
- ``--screens`` screens refreshing at the same moment, cache off and on;
- each query alone, cache off: which view makes a refresh slow;
- the SQL statements a refresh sends, cache off and on (the session checks included).

The database must be migrated and seeded (``crm-graphql seed``); the cache URL must reach
a Redis server (each run uses its own key prefix).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import secrets
import statistics
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from graphql import OperationDefinitionNode, parse

from benchmarks.common import bench_settings, captured_statements, http_client
from crm_graphql.api.roles import Role
from crm_graphql.demo.reference import REFERENCE_NOW

QUERIES_JS = (
    Path(__file__).resolve().parent.parent / "crm_graphql" / "static" / "dashboards" / "queries.js"
)
TIME_ZONE = "Europe/Berlin"


def page_queries() -> dict[str, str]:
    """The page's queries, by operation name, as ``queries.js`` holds them."""
    return dict(re.findall(r"^    (\w+): `(query [^`]*)`,$", QUERIES_JS.read_text(), re.M))


def _local_midnight(day: date) -> str:
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(TIME_ZONE)).isoformat()


def controls() -> dict[str, Any]:
    """What the page's settings bar says by default for the demo's last year."""
    last = (REFERENCE_NOW - timedelta(days=1)).date()
    first = date(last.year, 1, 1)
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "period": {"from": first.isoformat(), "to": last.isoformat()},
        "since": _local_midnight(first),
        "until": _local_midnight(last + timedelta(days=1)),
        "granularity": "MONTH",
        "timeZone": TIME_ZONE,
        "currency": "USD",
    }


def requests() -> list[dict[str, Any]]:
    """The page's requests: each query with the variables it declares, taken from the
    settings (the charts' declarations pass them under the same names)."""
    values = controls()
    bodies = []
    for name, query in page_queries().items():
        operation = parse(query).definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        wanted = [v.variable.name.value for v in operation.variable_definitions or ()]
        variables = {key: values[key] for key in wanted}
        bodies.append({"query": query, "variables": variables, "operationName": name})
    return bodies


async def _send(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    answer = (await client.post("/graphql", json=body)).json()
    problems = [e for e in answer.get("errors", []) if e.get("extensions", {}).get("code")]
    if problems or not answer.get("data"):
        raise SystemExit(f"{body['operationName']}: {answer.get('errors')}")


async def refresh(client: httpx.AsyncClient, bodies: list[dict[str, Any]], screens: int) -> float:
    """Milliseconds until every request of ``screens`` simultaneous refreshes is answered."""
    started = time.perf_counter()
    await asyncio.gather(*(_send(client, body) for _ in range(screens) for body in bodies))
    return (time.perf_counter() - started) * 1000


async def median_ms(
    client: httpx.AsyncClient, bodies: list[dict[str, Any]], screens: int, runs: int
) -> float:
    """Median of ``runs`` refreshes after one that is not counted (fills the cache)."""
    await refresh(client, bodies, screens)
    return statistics.median([await refresh(client, bodies, screens) for _ in range(runs)])


async def statements(client: httpx.AsyncClient, bodies: list[dict[str, Any]]) -> int:
    with captured_statements() as sent:
        await refresh(client, bodies, 1)
    return len(sent)


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--screens", type=int, default=10)
    args = parser.parse_args()
    bodies = requests()
    results: dict[str, dict[str, float]] = {}
    per_query: dict[str, float] = {}
    for cache in (False, True):
        settings = bench_settings(
            args.database_url,
            cache_url=args.cache_url if cache else None,
            cache_key_prefix=f"crm-bench:{secrets.token_hex(4)}:",
            # A screen's refresh is one request per chart, at once.
            db_pool_max=10,
        )
        async with http_client(settings, Role.MANAGER) as client:
            label = "cache on" if cache else "cache off"
            results[label] = {
                "one screen": await median_ms(client, bodies, 1, args.runs),
                f"{args.screens} screens": await median_ms(
                    client, bodies, args.screens, max(3, args.runs // 3)
                ),
                "statements": await statements(client, bodies),
            }
            print(f"  {label}: {results[label]}", flush=True)
            if not cache:
                for body in bodies:
                    per_query[body["operationName"]] = await median_ms(client, [body], 1, args.runs)
    off, on = results["cache off"], results["cache on"]
    print()
    print(f"database: {args.database_url}; {len(bodies)} queries per refresh; medians")
    print("| refresh | cache off | cache on (Redis) | ratio off / on |")
    print("|---|---|---|---|")
    for key in ("one screen", f"{args.screens} screens"):
        print(f"| {key} | {off[key]:,.1f} ms | {on[key]:,.1f} ms | {off[key] / on[key]:.1f} |")
    print(f"| SQL statements per refresh | {off['statements']:.0f} | {on['statements']:.0f} | |")
    print()
    print("| query (cache off, alone) | median |")
    print("|---|---|")
    for name, ms in sorted(per_query.items(), key=lambda item: -item[1]):
        print(f"| {name} | {ms:,.1f} ms |")


if __name__ == "__main__":
    asyncio.run(main())
