"""CPU per request of the headline query with and without the plans' leaf shortcut.

    python -m benchmarks.planner_leaves --database-url sqlite:///tmp/bench.sqlite3

Runs the headline query (``--first``, default 50) through the real app in-process
(ASGI transport, signed in as a benchmark ADMIN), alternating rounds of ``--runs``
requests in which the plans write leaf values as before (every value through its
type's serialiser) and as now (``crm_graphql.api.planner.leaf_detail``: values the
serialiser would return unchanged are written as they are, enums by a table). The CPU
time of the process (``time.process_time``, which includes the in-process HTTP client,
the same for both) is summed per variant over ``--rounds`` rounds; the answers of both
variants are compared byte for byte (without the rate budget's remaining amount).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
from collections.abc import Callable
from typing import Any

import crm_graphql.api.execution as execution
from benchmarks.common import alternate_cpu, bench_settings, http_client
from benchmarks.headline_latency import HEADLINE
from crm_graphql.api.planner import leaf_detail
from crm_graphql.api.runtime.gc import tune_after_start


def _serialiser_only(leaf_type: Any) -> tuple[Any, None]:
    """The plans' leaves as they were: always the type's serialiser."""
    return leaf_type.coerce_output_value, None


#: The leaf serialisers: graphql-core's built-in scalars' and Strawberry's enums'.
SERIALISERS = {"serialize_string", "serialize_id", "serialize_boolean", "serialize_int"}


async def _serialiser_calls(client: Any, body: dict[str, Any]) -> int:
    """Calls of a leaf serialiser during one request (cProfile's call counts)."""
    profiler = cProfile.Profile()
    profiler.enable()
    await client.post("/graphql", json=body)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    return sum(
        value[1]
        for (filename, _, name), value in stats.items()
        if name in SERIALISERS or (name == "coerce_output_value" and "strawberry" in filename)
    )


VARIANTS = {"serialiser for every leaf (before)": _serialiser_only, "leaf shortcut": leaf_detail}


def _use(detail: Any) -> Callable[[], None]:
    def switch() -> None:
        execution.leaf_detail = detail  # type: ignore[attr-defined]

    return switch


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--first", type=int, default=50)
    parser.add_argument("--runs", type=int, default=20, help="requests per round")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    body = {"query": HEADLINE, "variables": {"first": args.first}}
    # No rate budget: hundreds of requests of cost 6,300 would exhaust a minute's.
    settings = bench_settings(args.database_url, rate_limit_cost_per_minute=0)
    calls: dict[str, int] = {}
    async with http_client(settings) as client:
        for _ in range(5):  # warm-up: caches, connections
            (await client.post("/graphql", json=body)).raise_for_status()
        tune_after_start(settings)
        variants = {label: _use(detail) for label, detail in VARIANTS.items()}
        per_round, same = await alternate_cpu(
            client, body, variants, rounds=args.rounds, runs=args.runs
        )
        for label, detail in VARIANTS.items():
            execution.leaf_detail = detail  # type: ignore[attr-defined]
            calls[label] = await _serialiser_calls(client, body)
        execution.leaf_detail = leaf_detail  # type: ignore[attr-defined]
    print(
        f"headline query, first: {args.first}, {args.rounds} rounds of {args.runs} requests "
        f"per variant, alternating; answers byte-identical: {same}"
    )
    base = statistics.median(next(iter(per_round.values())))
    for label, values in per_round.items():
        median = statistics.median(values)
        print(
            f"  {label:38s} CPU per request: median {median * 1000:6.2f} ms "
            f"(min {min(values) * 1000:6.2f}, max {max(values) * 1000:6.2f}), "
            f"{median / base:.3f}x; serialiser calls per request: {calls[label]:,}"
        )
    if not same:
        raise SystemExit("the variants' answers differ")


if __name__ == "__main__":
    asyncio.run(main())
