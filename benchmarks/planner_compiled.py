"""CPU per request of the headline query with interpreted and with compiled plans.

    python -m benchmarks.planner_compiled --database-url mysql://root:@127.0.0.1:3306/DB

Runs the headline query (``--first``, default 50) through the real app in-process
(ASGI transport, signed in as a benchmark ADMIN), alternating rounds of ``--runs``
requests in which the rows' plans run interpreted (``crm_graphql.api.planner.run_plan``,
as before) and compiled (``crm_graphql.api.compiled.compile_plan``). The CPU time of
the process (``time.process_time``, which includes the in-process HTTP client, the same
for both) is taken per round; the answers of both variants are compared byte for byte
(without the rate budget's remaining amount).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from collections.abc import Callable
from typing import Any

import crm_graphql.api.execution as execution
from benchmarks.common import alternate_cpu, bench_settings, http_client
from benchmarks.headline_latency import HEADLINE
from crm_graphql.api.compiled import compile_plan
from crm_graphql.api.planner import Plan, run_plan
from crm_graphql.api.runtime.gc import tune_after_start


def _interpreted(plan: Plan) -> Callable[[Any], dict[str, Any]]:
    """The plans as they were: :func:`run_plan` steps through the plan for every row."""
    return lambda source: run_plan(plan, source)


VARIANTS = {"interpreted plans (before)": _interpreted, "compiled plans": compile_plan}


def _use(compile_: Callable[[Plan], Any]) -> Callable[[], None]:
    def switch() -> None:
        execution.compile_plan = compile_  # type: ignore[attr-defined]

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
    async with http_client(settings) as client:
        for _ in range(5):  # warm-up: caches, connections
            (await client.post("/graphql", json=body)).raise_for_status()
        tune_after_start(settings)
        variants = {label: _use(compile_) for label, compile_ in VARIANTS.items()}
        per_round, same = await alternate_cpu(
            client, body, variants, rounds=args.rounds, runs=args.runs
        )
        execution.compile_plan = compile_plan  # type: ignore[attr-defined]
    print(
        f"headline query, first: {args.first}, {args.rounds} rounds of {args.runs} requests "
        f"per variant, alternating; answers byte-identical: {same}"
    )
    base = statistics.median(next(iter(per_round.values())))
    for label, values in per_round.items():
        median = statistics.median(values)
        print(
            f"  {label:28s} CPU per request: median {median * 1000:6.2f} ms "
            f"(min {min(values) * 1000:6.2f}, max {max(values) * 1000:6.2f}), "
            f"{median / base:.3f}x"
        )
    if not same:
        raise SystemExit("the variants' answers differ")


if __name__ == "__main__":
    asyncio.run(main())
