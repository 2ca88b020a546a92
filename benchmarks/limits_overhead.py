"""Overhead of the query limits on the headline query: limits on vs off, side by side.

    python -m benchmarks.limits_overhead --database-url sqlite://./bench.sqlite3
    python -m benchmarks.limits_overhead --database-url mysql://root:@127.0.0.1:3306/crm_bench

Two apps over one database: one with the default limits (depth, aliases, root fields,
tokens, cost, the rate budget in memory, the time limit), one with all of them off.
Runs alternate between the two, so that a busy machine slows both alike. Prints the
medians and the ratio on/off, for first: 50 and first: 5.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from contextlib import AsyncExitStack

import httpx

from benchmarks.common import bench_settings, http_client
from benchmarks.headline_latency import HEADLINE
from crm_graphql.app import create_app

#: Settings that turn every limit off (0 is "off"; the depth limit at its maximum).
LIMITS_OFF = {
    "max_aliases": 0,
    "max_root_fields": 0,
    "max_query_tokens": 0,
    "max_query_cost": 0,
    "rate_limit_cost_per_minute": 0,
    "request_timeout_seconds": 0,
    "persisted_queries": False,
    "max_query_depth": 50,
}
#: The defaults, with a budget large enough not to throttle the benchmark itself.
LIMITS_ON = {"rate_limit_cost_per_minute": 10**12}


async def _time(client: httpx.AsyncClient, variables: dict) -> float:
    started = time.perf_counter()
    response = await client.post("/graphql", json={"query": HEADLINE, "variables": variables})
    elapsed = (time.perf_counter() - started) * 1000
    body = response.json()
    if body.get("errors"):
        raise SystemExit(f"headline query failed: {body['errors']}")
    return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    print(f"database: {args.database_url}   load average: {os.getloadavg()}")
    settings_on = bench_settings(args.database_url, **LIMITS_ON)
    settings_off = settings_on.model_copy(update=LIMITS_OFF)
    async with AsyncExitStack() as stack:
        # ``http_client`` opens the ORM and signs in; the second app shares both.
        on = await stack.enter_async_context(http_client(settings_on))
        off = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=create_app(settings_off)),
                base_url="http://bench",
                headers={"Authorization": on.headers["Authorization"]},
            )
        )
        for first in (50, 5):
            variables = {"first": first}
            samples: dict[str, list[float]] = {"on": [], "off": []}
            for index in range(args.warmup + args.runs):
                # Alternate the order too, so neither side always runs on a warm cache.
                pairs = [("on", on), ("off", off)] if index % 2 else [("off", off), ("on", on)]
                for label, client in pairs:
                    elapsed = await _time(client, variables)
                    if index >= args.warmup:
                        samples[label].append(elapsed)
            median_on = statistics.median(samples["on"])
            median_off = statistics.median(samples["off"])
            cost = (
                await on.post("/graphql", json={"query": HEADLINE, "variables": variables})
            ).json()["extensions"]["cost"]
            print(
                f"headline first: {first:<3} limits on  median {median_on:8.2f} ms   "
                f"limits off median {median_off:8.2f} ms   ratio on/off "
                f"{median_on / median_off:5.3f}   (cost requested {cost['requestedQueryCost']},"
                f" actual {cost['actualQueryCost']}; {args.runs} runs each)"
            )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    asyncio.run(main())
