"""How well coarse bounds place each agent's median time: the numbers behind the first
pass of ``supportLeaderboard`` ranked by a time (read only).

For the tickets with the time in a period (a year in Kolkata by default) and per layout
of duration buckets (each ``ratio`` times the one before): how many cells per agent,
bucket and UTC month a rollup would hold, and how many agents a board of ``first``
would have to number exactly when each agent's median is only known to lie in its
bucket (those whose bucket begins below the ``first``-th smallest bucket end); then,
for thresholds at fractions of the period's median over every ticket, how many agents
have their median below each (the first pass's candidates).

    python -m benchmarks.leaderboard_bounds --database-url mysql://root:@127.0.0.1:3306/crm100k
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
from collections import defaultdict
from datetime import datetime

from benchmarks.dashboard_views import raw_connection
from crm_graphql.domains.support.percentiles import rank_of

TIMES = {"resolution": ("resolution_seconds", "solved_at"),
         "first response": ("first_response_seconds", "first_responded_at")}  # fmt: skip
RATIOS = (1.1, 1.25, 1.41, 2.0, 4.0)
FRACTIONS = (0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.95, 1.0, 1.02)


def _layout(ratio: float) -> list[int]:
    starts = [1]
    while starts[-1] < 10**8:
        starts.append(max(starts[-1] + 1, int(starts[-1] * ratio)))
    return starts


def _median(values: list[int]) -> int:
    return sorted(values)[rank_of(50, len(values)) - 1]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="mysql://root:@127.0.0.1:3306/crm100k")
    parser.add_argument("--start", default="2025-10-31T18:30", help="UTC, inclusive")
    parser.add_argument("--end", default="2026-10-31T18:30", help="UTC, exclusive")
    parser.add_argument("--first", type=int, nargs="*", default=[20, 100])
    args = parser.parse_args()
    start, end = datetime.fromisoformat(args.start), datetime.fromisoformat(args.end)
    connection = await raw_connection(args.database_url)
    try:
        for name, (value, time) in TIMES.items():
            async with connection.cursor() as cursor:
                await cursor.execute(
                    f"SELECT assignee_id, {value}, {time} FROM ticket WHERE {time} >= %s "
                    f"AND {time} < %s AND {value} IS NOT NULL AND assignee_id IS NOT NULL",
                    (start, end),
                )
                rows = await cursor.fetchall()
            by_agent: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
            for agent, seconds, moment in rows:
                by_agent[agent].append((seconds, moment))
            medians = {a: _median([s for s, _ in times]) for a, times in by_agent.items()}
            ordered = sorted(medians.values())
            everything = _median([seconds for _, seconds, _ in rows])
            print(f"\n{name}: {len(rows):,} tickets of {len(by_agent)} agents; agents' medians "
                  f"p10 {ordered[len(ordered) // 10]:,} s, p50 {ordered[len(ordered) // 2]:,} s, "
                  f"p90 {ordered[9 * len(ordered) // 10]:,} s; median of every ticket "
                  f"{everything:,} s")  # fmt: skip
            for ratio in RATIOS:
                starts = _layout(ratio)
                cells = set()
                bounds = []
                for agent, times in by_agent.items():
                    for seconds, moment in times:
                        bucket = bisect.bisect_right(starts, seconds)
                        cells.add((agent, bucket, moment.year, moment.month))
                    bucket = bisect.bisect_right(starts, medians[agent])
                    low = starts[bucket - 1] if bucket else 0
                    high = starts[bucket] if bucket < len(starts) else 2**63
                    bounds.append((low, high, len(times)))
                ends = sorted(high for _, high, _ in bounds)
                parts = []
                for first in args.first:
                    bound = ends[min(first, len(ends)) - 1]
                    candidates = [n for low, _, n in bounds if low < bound]
                    parts.append(
                        f"first {first}: {len(candidates)} agents, {sum(candidates):,} tickets"
                    )
                print(f"  buckets x{ratio}: {len(cells):,} month cells; " + "; ".join(parts))
            for fraction in FRACTIONS:
                threshold = int(everything * fraction)
                below = [a for a, median in medians.items() if 0 < median < threshold]
                tickets = sum(len(by_agent[a]) for a in below)
                print(f"  below {fraction} x the median ({threshold:,} s): {len(below)} agents, "
                      f"{tickets:,} tickets")  # fmt: skip
    finally:
        connection.close()


if __name__ == "__main__":
    asyncio.run(main())
