"""The same views through two checkouts of the code, request by request in turn.

    python -m benchmarks.tree_pair --before /work/main --after . \\
        --database-url mysql://root:@127.0.0.1:3306/crm100k --runs 30 --only "..."

Starts one server per checkout (``crm-graphql serve`` with that checkout first on the
import path) over the same database, signs in once as the benchmark user (the token
works on both: they share a random JWT secret), then sends each view to one server and
the other alternately (``before, after, after, before, ...``) after 3 warm-ups each. On a
busy machine the load changes from one second to the next; requests taken in turn see
the same load, where runs of a benchmark taken one after the other do not. Prints the
medians and first quartiles. View names are those of ``benchmarks.dashboard_views``
and ``benchmarks.support_views``. The servers are stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from tortoise import Tortoise

from benchmarks import dashboard_views, support_views
from benchmarks.common import bench_settings
from crm_graphql.domains.auth.services import issue_session
from crm_graphql.domains.users.models import User
from crm_graphql.modules import database_config

WARMUP = 3


def _serve(tree: Path, port: int, database_url: str, secret: str, log: Path) -> subprocess.Popen:
    environment = {
        **os.environ,
        "PYTHONSAFEPATH": "1",
        "PYTHONPATH": str(tree),
        "CRM_DATABASE_URL": database_url,
        "CRM_JWT_SECRET": secret,
        "CRM_HOST": "127.0.0.1",
        "CRM_PORT": str(port),
        "CRM_LOG_LEVEL": "warning",
        "CRM_RATE_LIMIT_COST_PER_MINUTE": "0",
    }
    command = [sys.executable, "-c", "from crm_graphql.cli import main; main()", "serve"]
    return subprocess.Popen(
        command, cwd=tree, env=environment, stdout=log.open("w"), stderr=subprocess.STDOUT
    )


async def _token(database_url: str, secret: str) -> str:
    """A session of the benchmark user (made by the other benchmarks on first use)."""
    settings = bench_settings(database_url, jwt_secret=secret)
    await Tortoise.init(config=database_config(settings), _enable_global_fallback=True)
    try:
        user = await User.get(email="bench-admin@example.com")
        return (await issue_session(settings, user)).access_token
    finally:
        await Tortoise.close_connections()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="Checkout measured first.")
    parser.add_argument("--after", type=Path, required=True, help="Checkout compared with it.")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", nargs="+", required=True, help="Views (names as listed).")
    parser.add_argument("--port", type=int, default=18801, help="Port of the first server.")
    args = parser.parse_args()
    views = dict(dashboard_views.VIEWS) | dict(support_views.VIEWS)
    secret = secrets.token_urlsafe(48)
    sides = {"before": args.before.resolve(), "after": args.after.resolve()}
    ports = {name: args.port + index for index, name in enumerate(sides)}
    servers = [
        _serve(tree, ports[name], args.database_url, secret, Path(f"/tmp/tree_pair_{name}.log"))
        for name, tree in sides.items()
    ]
    try:
        token = await _token(args.database_url, secret)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(headers=headers, timeout=120) as client:
            for name, port in ports.items():
                for _ in range(120):
                    try:
                        if (await client.get(f"http://127.0.0.1:{port}/health")).is_success:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.5)
                else:
                    raise SystemExit(f"the {name} server did not start")
            for view in args.only:
                times: dict[str, list[float]] = {name: [] for name in sides}
                for index in range(WARMUP + args.runs):
                    for name in list(sides)[:: 1 if index % 2 == 0 else -1]:
                        started = time.perf_counter()
                        response = await client.post(
                            f"http://127.0.0.1:{ports[name]}/graphql",
                            json={"query": views[view]},
                        )
                        elapsed = (time.perf_counter() - started) * 1000
                        if response.json().get("errors"):
                            raise SystemExit(f"{view} ({name}): {response.json()['errors'][:1]}")
                        if index >= WARMUP:
                            times[name].append(elapsed)
                before, after = (statistics.median(times[name]) for name in sides)
                quartiles = [sorted(times[name])[len(times[name]) // 4] for name in sides]
                print(
                    f"| {view} | {before:.1f} ms | {after:.1f} ms | {after / before:.2f}x "
                    f"| {quartiles[0]:.1f} / {quartiles[1]:.1f} ms | {os.getloadavg()[0]:.1f} |",
                    flush=True,
                )
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


if __name__ == "__main__":
    asyncio.run(main())
