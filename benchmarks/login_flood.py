"""Login flood: a signed-in user's small query while parallel streams of wrong
passwords hit ``login``, with and without the cap on concurrent password checks.

    python -m benchmarks.login_flood [--streams 8] [--seconds 20] [--cap 1]

Runs the real server (``crm-graphql serve --demo`` on a SQLite file in a temporary
folder) twice: once with ``CRM_LOGIN_MAX_PASSWORD_CHECKS=0`` (no cap: every login
hashes) and once with ``--cap``. Each run measures the small query (`customers(first:
5)`) of a signed-in ANALYST alone, then while ``--streams`` clients send wrong
passwords for unknown e-mails as fast as they are answered (the login throttle is set
out of the way, so every attempt reaches the password check unless the cap refuses
it). Prints the median and p95 latency of the query and the logins answered per
second, side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.server import free_port

QUERY = "query Small { customers(first: 5) { totalCount nodes { firstName } } }"
LOGIN = """mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken } }"""


def _start(folder: Path, port: int, cap: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "CRM_DATABASE_URL": f"sqlite://{folder / 'crm.sqlite3'}",
        "CRM_JWT_SECRET": secrets.token_urlsafe(48),
        "CRM_HOST": "127.0.0.1",
        "CRM_PORT": str(port),
        "CRM_LOG_LEVEL": "warning",
        "CRM_LOGIN_MAX_PASSWORD_CHECKS": str(cap),
        "CRM_LOGIN_MAX_FAILURES": "1000",
        "CRM_LOGIN_MAX_FAILURES_PER_ADDRESS": "100000",
        "CRM_RATE_LIMIT_COST_PER_MINUTE": "0",
    }
    log = (folder / f"server-{cap}.log").open("w")
    command = [sys.executable, "-m", "crm_graphql.cli", "serve", "--demo"]
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


async def _wait_ready(base: str) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(600):
            try:
                if (await http.get(f"{base}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the server did not start")


async def _latencies(http: httpx.AsyncClient, base: str, headers: dict, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        body = (await http.post(f"{base}/graphql", json={"query": QUERY}, headers=headers)).json()
        times.append(time.perf_counter() - started)
        assert body.get("data", {}).get("customers"), body
        await asyncio.sleep(0.05)
    return times


async def _flood(base: str, stop: asyncio.Event, answered: list[str]) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        n = 0
        while not stop.is_set():
            n += 1
            variables = {"email": f"nobody{n}@example.com", "password": "wrong password"}
            body = (
                await http.post(f"{base}/graphql", json={"query": LOGIN, "variables": variables})
            ).json()
            answered.append(body["errors"][0]["extensions"]["code"])


def _summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


async def _run(folder: Path, cap: int, streams: int, seconds: float) -> dict[str, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _start(folder, port, cap)
    try:
        await _wait_ready(base)
        async with httpx.AsyncClient(timeout=60) as http:
            login = {"email": "analyst@example.com", "password": "demo-password"}
            body = (
                await http.post(f"{base}/graphql", json={"query": LOGIN, "variables": login})
            ).json()
            headers = {"Authorization": f"Bearer {body['data']['login']['accessToken']}"}
            await _latencies(http, base, headers, 10)  # warm up
            alone = await _latencies(http, base, headers, 40)
            stop, answered = asyncio.Event(), []
            flooders = [asyncio.create_task(_flood(base, stop, answered)) for _ in range(streams)]
            await asyncio.sleep(1)
            started = time.perf_counter()
            flooded = []
            while time.perf_counter() - started < seconds:
                flooded += await _latencies(http, base, headers, 5)
            stop.set()
            await asyncio.gather(*flooders)
            elapsed = time.perf_counter() - started + 1
    finally:
        server.terminate()
        server.wait(timeout=60)
    alone_p50, alone_p95 = _summary(alone)
    flood_p50, flood_p95 = _summary(flooded)
    return {
        "alone_p50": alone_p50,
        "alone_p95": alone_p95,
        "flood_p50": flood_p50,
        "flood_p95": flood_p95,
        "logins_per_s": len(answered) / elapsed,
        "throttled_share": answered.count("THROTTLED") / max(1, len(answered)),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--cap", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        before = await _run(folder, 0, args.streams, args.seconds)
        after = await _run(folder, args.cap, args.streams, args.seconds)
    print(f"{args.streams} parallel login streams, small query of a signed-in user (ms)")
    print(f"{'':28}{'no cap':>12}{f'cap {args.cap}':>12}{'ratio':>10}")
    for key in ("alone_p50", "alone_p95", "flood_p50", "flood_p95", "logins_per_s"):
        ratio = after[key] / before[key] if before[key] else float("nan")
        print(f"{key:28}{before[key]:12.1f}{after[key]:12.1f}{ratio:10.2f}")
    print(
        f"{'logins answered THROTTLED':28}{before['throttled_share']:12.0%}"
        f"{after['throttled_share']:12.0%}"
    )


if __name__ == "__main__":
    asyncio.run(main())
