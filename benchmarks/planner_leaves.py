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
import gc
import json
import pstats
import statistics
import time
from typing import Any

import crm_graphql.api.execution as execution
from benchmarks.common import bench_settings, http_client
from benchmarks.headline_latency import HEADLINE
from crm_graphql.api.planner import leaf_detail
from crm_graphql.api.runtime.gc import tune_after_start


def _serialiser_only(leaf_type: Any) -> tuple[Any, None]:
    """The plans' leaves as they were: always the type's serialiser."""
    return leaf_type.coerce_output_value, None


def _without_throttle(content: bytes) -> bytes:
    """The answer without the rate budget's remaining amount, which differs per request."""
    data = json.loads(content)
    data.get("extensions", {}).get("cost", {}).pop("throttleStatus", None)
    return json.dumps(data).encode()


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
    per_round: dict[str, list[float]] = {label: [] for label in VARIANTS}
    answers: dict[str, bytes] = {}
    calls: dict[str, int] = {}
    async with http_client(settings) as client:
        for _ in range(5):  # warm-up: caches, connections
            (await client.post("/graphql", json=body)).raise_for_status()
        tune_after_start(settings)
        for _ in range(args.rounds):
            for label, detail in VARIANTS.items():
                execution.leaf_detail = detail  # type: ignore[attr-defined]
                gc.collect()
                started = time.process_time()
                for _ in range(args.runs):
                    response = await client.post("/graphql", json=body)
                per_round[label].append((time.process_time() - started) / args.runs)
                answer = response.json()
                if response.status_code != 200 or "errors" in answer:
                    raise SystemExit(f"the headline query failed: {response.text[:500]}")
                answers[label] = _without_throttle(response.content)
        for label, detail in VARIANTS.items():
            execution.leaf_detail = detail  # type: ignore[attr-defined]
            calls[label] = await _serialiser_calls(client, body)
        execution.leaf_detail = leaf_detail  # type: ignore[attr-defined]
    same = len(set(answers.values())) == 1
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
