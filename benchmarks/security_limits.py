"""Two attacks of issue 12 measured: the fragment bomb and aliases of a page's nodes.

    python -m benchmarks.security_limits --database-url sqlite:///tmp/bench.sqlite3

Run it on the code before and after the fixes (the same script: it only uses settings
both know) and compare. Both parts go through the real app over HTTP (in-process ASGI
transport), signed in as an ADMIN.

1. Fragment bomb: ``fragment F1 on Query {...F0 ...F0}`` ... ``{...F<n>}`` expands to
   2^n fields. For each n: how long the bomb's answer takes, and how long a /healthz
   sent at the same moment waits (the bomb's validation is synchronous: it blocks
   the event loop, and every other request of the process, until done).
2. Aliases: ``customers(first: 100) { nodes { interactions(first: 100) { n1: nodes {..}
   ... nk: nodes {..} } } }`` with k aliases. For each k: the answer (or the refusal's
   code), the cost charged (``requestedQueryCost``), the records returned
   (``actualQueryCost``), the time and the response size. Needs data: seed first
   (``crm-graphql seed --customers 300``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid

import httpx

from benchmarks.common import bench_settings, http_client


def fragment_bomb(depth: int) -> str:
    fragments = ["fragment F0 on Query { __typename }"]
    for i in range(1, depth + 1):
        fragments.append(f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}")
    return " ".join(fragments) + f" {{ ...F{depth} }}"


def aliased_nodes(aliases: int) -> str:
    selections = " ".join(f"n{i}: nodes {{ id subject body }}" for i in range(aliases))
    page = f"interactions(first: 100) {{ {selections} }}"
    return f"{{ customers(first: 100) {{ nodes {{ {page} }} }} }}"


async def bomb_once(client: httpx.AsyncClient, depth: int) -> tuple[float, float, str]:
    """(ms until the bomb's answer, ms a concurrent /healthz waited, the answer's code)."""
    # A new text each time (a comment differs): the parser and validation caches miss.
    query = f"# {uuid.uuid4()}\n{fragment_bomb(depth)}"
    started = time.perf_counter()
    bomb = asyncio.create_task(client.post("/graphql", json={"query": query}))
    health = asyncio.create_task(client.get("/healthz"))
    health_done = bomb_done = 0.0
    pending = {bomb, health}
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        now = (time.perf_counter() - started) * 1000
        if health in done:
            health_done = health_done or now
        if bomb in done:
            bomb_done = bomb_done or now
    body = bomb.result().json()
    errors = body.get("errors") or []
    code = errors[0]["extensions"]["code"] if errors else "answered"
    return bomb_done, health_done, code


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--depths", default="12,14,16,18,30")
    parser.add_argument("--aliases", default="1,5,30")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import crm_graphql

    print(f"code: {os.path.dirname(crm_graphql.__file__)}   load average: {os.getloadavg()}")
    settings = bench_settings(args.database_url, rate_limit_cost_per_minute=10**12)
    knows_size_limit = "max_query_fields" in type(settings).model_fields
    async with http_client(settings) as client:
        print("\n1. fragment bomb (median of runs; n where one run exceeds 60 s is skipped)")
        print(f"{'n':>3} {'fields':>14} {'bomb answer ms':>15} {'/healthz waited ms':>19}  code")
        for depth in [int(d) for d in args.depths.split(",")]:
            if not knows_size_limit and depth > 20:
                print(f"{depth:>3} {2**depth:>14,}  (not run: about 15 s * 2^{depth - 20})")
                continue
            runs = [await bomb_once(client, depth) for _ in range(args.runs if depth < 18 else 1)]
            bomb_ms = statistics.median(r[0] for r in runs)
            health_ms = statistics.median(r[1] for r in runs)
            print(f"{depth:>3} {2**depth:>14,} {bomb_ms:>15.1f} {health_ms:>19.1f}  {runs[0][2]}")

        print("\n2. aliases of one page's nodes (customers 100 x interactions 100)")
        print(f"{'k':>3} {'charged':>9} {'returned':>9} {'ms':>8} {'bytes':>11}  outcome")
        for aliases in [int(a) for a in args.aliases.split(",")]:
            started = time.perf_counter()
            response = await client.post("/graphql", json={"query": aliased_nodes(aliases)})
            elapsed = (time.perf_counter() - started) * 1000
            body = response.json()
            cost = (body.get("extensions") or {}).get("cost") or {}
            errors = body.get("errors") or []
            outcome = errors[0]["extensions"]["code"] if errors else "answered"
            charged = cost.get("requestedQueryCost")
            if errors and charged is None:
                charged = errors[0]["extensions"].get("cost")
            print(
                f"{aliases:>3} {charged!s:>9} {cost.get('actualQueryCost')!s:>9} "
                f"{elapsed:>8.1f} {len(response.content):>11,}  {outcome}"
            )


if __name__ == "__main__":
    asyncio.run(main())
