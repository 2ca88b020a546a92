"""Real brokers and real ``crm-graphql worker`` processes for the event tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import Backend

REDIS_URL = os.environ.get("CRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
AMQP_URL = os.environ.get("CRM_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")

#: Settings of test workers: short polls, retries and leases.
FAST_ENV = {
    "CRM_EVENTS_POLL_SECONDS": "0.05",
    "CRM_EVENTS_SCHEDULER_MAX_SLEEP_SECONDS": "0.2",
    "CRM_EVENTS_RETRY_BASE_SECONDS": "0.05",
    "CRM_EVENTS_RETRY_MAX_SECONDS": "0.2",
    "CRM_EVENTS_REDELIVERY_SECONDS": "3",
    "CRM_LOG_FORMAT": "text",
    "CRM_LOG_LEVEL": "warning",
}


def reachable(url: str) -> bool:
    """True when something accepts TCP connections at the URL's host and port."""
    parts = urlparse(url)
    port = parts.port or (6379 if parts.scheme.startswith("redis") else 5672)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def broker_url(name: str) -> str:
    """The URL of broker ``redis`` or ``rabbitmq``; skips the test when it is not running."""
    url = REDIS_URL if name == "redis" else AMQP_URL
    if not reachable(url):
        pytest.skip(f"{name} is not reachable at {url}")
    return url


async def drop_queue(url: str, queue: str) -> None:
    """Remove what a test's queue left on the broker."""
    if url.startswith("redis"):
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(url)
        try:
            await client.delete(queue, f"autoclaim:{queue}:{queue}")
        finally:
            await client.aclose()
        return
    import aio_pika

    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        for name in (queue, f"{queue}.dead"):
            await channel.queue_delete(name)
        await channel.exchange_delete(queue)
    finally:
        await connection.close()


def start_worker(
    tmp_path: Path, backend: Backend, *args: str, log: str = "worker.log", **env: str
) -> subprocess.Popen:
    """``crm-graphql worker --import tests.events.handlers *args`` on the test database."""
    environment = {
        **os.environ,
        "CRM_DATABASE_URL": backend.settings.database_url,
        **FAST_ENV,
        **env,
    }
    environment.pop("CRM_BROKER_URL", None) if "CRM_BROKER_URL" not in env else None
    command = [
        sys.executable,
        "-c",
        "from crm_graphql.cli import main; main()",
        "worker",
        "--import",
        "tests.events.handlers",
        *args,
    ]
    output = (tmp_path / log).open("ab")
    return subprocess.Popen(command, env=environment, stdout=output, stderr=subprocess.STDOUT)


def stop_worker(process: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM, then SIGKILL if it does not end."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def workers(tmp_path: Path, backend: Backend, count: int = 1, **env: str) -> Iterator[list]:
    """``count`` running worker processes, stopped afterwards."""
    processes = [start_worker(tmp_path, backend, log=f"worker{n}.log", **env) for n in range(count)]
    try:
        yield processes
    finally:
        for process in processes:
            stop_worker(process)


def log_of(tmp_path: Path) -> str:
    """Everything the test's workers wrote."""
    return "\n".join(path.read_text() for path in sorted(tmp_path.glob("worker*.log")))


async def sleep(seconds: float) -> None:
    """asyncio.sleep (named for reading)."""
    await asyncio.sleep(seconds)
