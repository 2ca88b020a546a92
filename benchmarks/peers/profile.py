"""Where the API's time goes on the headline query: cProfile by library, and the GC.

    python -m benchmarks.peers.profile --database-url mysql://root:@127.0.0.1:3306/crm_peers_bench

Runs the headline query (``--first``, default 50) ``--runs`` times through the real
app in-process (ASGI transport, signed in as a benchmark ADMIN) under cProfile, with
Python's garbage collector timed through ``gc.callbacks``. Prints the CPU time per
request by library (self time of the functions in each package; the time of built-in
functions goes to the package that called them), the cyclic GC's share, and the
functions with the most self time. The HTTP client runs in the same process: its
share is printed and left out of the total. cProfile slows down code with many small
calls more than other code, so read the shares as an order, and cross-check with a
sampling profiler on the served process (``py-spy record -p <pid>``).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import time
from collections import defaultdict
from typing import Any

from benchmarks.common import bench_settings, http_client
from benchmarks.headline_latency import HEADLINE
from crm_graphql.api.runtime.gc import tune_after_start

#: (label, substrings of a source path), first match wins.
CATEGORIES = [
    ("graphql-core (execution, completion)", ("/graphql/",)),
    ("strawberry (resolver wrappers, arguments, extensions)", ("/strawberry/",)),
    ("tortoise + pypika (query building, model rows)", ("/tortoise/", "/pypika")),
    ("asyncmy / aiosqlite (driver, decoding)", ("/asyncmy/", "/aiosqlite/", "sqlite3")),
    ("crm_graphql (resolvers, loaders, permissions, limits)", ("/crm_graphql/",)),
    ("json", ("/json/",)),
    ("starlette + HTTP server side", ("/starlette/", "/uvicorn/")),
    ("HTTP client (not the server's)", ("/httpx/", "/httpcore/", "/anyio/", "/h11/")),
    ("asyncio event loop", ("/asyncio/",)),
    ("datetime / decimal / enum / typing", ("datetime", "decimal", "/enum.py", "typing")),
]
CLIENT = "HTTP client (not the server's)"


def category(filename: str) -> str:
    for label, parts in CATEGORIES:
        if any(part in filename for part in parts):
            return label
    return "other Python"


WAITING = "waiting for I/O (epoll: the database, the network)"


def by_category(stats: pstats.Stats) -> dict[str, float]:
    """Self time per category; built-ins are charged to their callers' categories,
    except the event loop's wait for I/O."""
    totals: dict[str, float] = defaultdict(float)
    for (filename, _, name), (_, _, own, _, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if filename != "~":
            totals[category(filename)] += own
            continue
        if "epoll" in name:
            totals[WAITING] += own
            continue
        charged = sum(entry[2] for entry in callers.values())
        for (caller_file, _, _), entry in callers.items():
            totals[category(caller_file)] += entry[2]
        totals["other Python"] += max(0.0, own - charged)
    return totals


class GcTimer:
    """Time spent in Python's cyclic garbage collector, by generation."""

    def __init__(self) -> None:
        self.seconds: dict[int, float] = defaultdict(float)
        self.count: dict[int, int] = defaultdict(int)
        self._started = 0.0

    @property
    def total(self) -> float:
        return sum(self.seconds.values())

    def line(self) -> str:
        return ", ".join(
            f"generation {g}: {self.count[g]} runs, {self.seconds[g] * 1000:.1f} ms"
            for g in sorted(self.seconds)
        )

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds[info["generation"]] += time.perf_counter() - self._started
            self.count[info["generation"]] += 1


def answered(response: Any) -> None:
    """Stop the run on an answer that is not the query's data: a profile of errors
    would measure the wrong path."""
    body = response.json() if response.status_code == 200 else None
    if body is None or body.get("errors") or body.get("data") is None:
        raise SystemExit(f"HTTP {response.status_code}: {response.text[:500]}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--first", type=int, default=50)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--top", type=int, default=25, help="functions to list")
    parser.add_argument(
        "--standard",
        action="store_true",
        help="the standard path: read-path optimisations off, the collector untuned",
    )
    args = parser.parse_args()
    body = {"query": HEADLINE, "variables": {"first": args.first}}
    off = {"planned_reads": False, "fast_json": False} if args.standard else {}
    # The per-user cost budget is off: hundreds of headline queries a minute would spend
    # it, and the rest would be refused (and profiled) as THROTTLED answers.
    settings = bench_settings(args.database_url, rate_limit_cost_per_minute=0, **off)
    async with http_client(settings) as client:
        for _ in range(5):  # warm-up: caches, connections
            (await client.post("/graphql", json=body)).raise_for_status()
        if not args.standard:
            # As the served process does once started (the ASGI transport runs no lifespan).
            tune_after_start(settings)
        plain_gc = GcTimer()
        gc.callbacks.append(plain_gc)
        started = time.perf_counter()
        for _ in range(args.runs):
            answered(await client.post("/graphql", json=body))
        plain = (time.perf_counter() - started) / args.runs
        gc.callbacks.remove(plain_gc)

        timer = GcTimer()
        gc.callbacks.append(timer)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(args.runs):
            answered(await client.post("/graphql", json=body))
        profiler.disable()
        profiled = (time.perf_counter() - started) / args.runs
        gc.callbacks.remove(timer)

    stats = pstats.Stats(profiler)
    totals = by_category(stats)
    client_share = totals.pop(CLIENT, 0.0)
    waiting = totals.pop(WAITING, 0.0)
    server = sum(totals.values())
    per_request = 1000 / args.runs
    print(
        f"headline query, first: {args.first}, {args.runs} requests in-process: "
        f"{plain * 1000:.1f} ms per request without the profiler, {profiled * 1000:.1f} ms "
        f"with it"
    )
    print(
        f"\nCPU by library (self time; cProfile), ms per request, {server * per_request:.1f} all:"
    )
    for label, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"  {seconds * per_request:7.2f}  {100 * seconds / server:5.1f}%  {label}")
    print(f"  (the in-process HTTP client: {client_share * per_request:.2f} ms, left out)")
    print(f"  (waiting for I/O: {waiting * per_request:.2f} ms, left out)")
    print(
        f"\ncyclic GC without the profiler: {plain_gc.total * per_request:.1f} ms per request "
        f"({100 * plain_gc.total / (plain * args.runs):.0f}% of the time); {plain_gc.line()}"
    )
    print(f"cyclic GC with the profiler: {timer.total * per_request:.1f} ms; {timer.line()}")
    calls = {key: value[1] for key, value in stats.stats.items()}  # type: ignore[attr-defined]
    print(f"\ntop {args.top} functions by self time (calls per request, ms per request):")
    ranked = sorted(stats.stats.items(), key=lambda item: -item[1][2])  # type: ignore[attr-defined]
    for (filename, line, name), (_, _, own, _, _) in ranked[: args.top]:
        where = filename.split("site-packages/")[-1] if filename != "~" else ""
        print(
            f"  {own * per_request:7.2f} ms  {calls[(filename, line, name)] / args.runs:8.0f}x  "
            f"{name}  {where}:{line}"
        )


if __name__ == "__main__":
    asyncio.run(main())
