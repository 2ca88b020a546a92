"""Shared pieces of the benchmark scripts: timing an operation through the real app."""

from __future__ import annotations

import gc
import json
import logging
import secrets
import statistics
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import asyncmy
import httpx
from tortoise import Tortoise

from crm_graphql.api.roles import Role
from crm_graphql.app import create_app
from crm_graphql.domains.auth.services import issue_session
from crm_graphql.domains.users.models import User
from crm_graphql.modules import database_config
from crm_graphql.settings import Settings, load_settings


@dataclass
class Timing:
    """Latencies of repeated runs of one operation, in milliseconds."""

    label: str
    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    def line(self) -> str:
        return f"{self.label:<44} median {self.median:8.2f} ms   p95 {self.p95:8.2f} ms"


def bench_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for a benchmark run (a random JWT secret unless one is set)."""
    overrides.setdefault("jwt_secret", secrets.token_urlsafe(48))
    return load_settings(database_url=database_url, **overrides)


@asynccontextmanager
async def http_client(
    settings: Settings, role: Role = Role.ADMIN
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app over HTTP (in-process ASGI transport) with the ORM open, signed in
    as a benchmark user of ``role`` (created on first use)."""
    await Tortoise.init(config=database_config(settings), _enable_global_fallback=True)
    try:
        user = await User.get_or_none(email=f"bench-{role.value.lower()}@example.com")
        if user is None:
            user = await User.create(
                name=f"Bench {role.value.title()}",
                email=f"bench-{role.value.lower()}@example.com",
                role=role,
            )
        session = await issue_session(settings, user)
        transport = httpx.ASGITransport(app=create_app(settings))
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://bench",
            headers={"Authorization": f"Bearer {session.access_token}"},
        ) as client:
            yield client
    finally:
        await Tortoise.close_connections()


async def time_query(
    client: httpx.AsyncClient,
    label: str,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    runs: int = 20,
    warmup: int = 3,
    headers: dict[str, str] | None = None,
) -> Timing:
    """Run ``query`` ``warmup + runs`` times and keep the timings of the last ``runs``."""
    samples = []
    for index in range(warmup + runs):
        started = time.perf_counter()
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        elapsed = (time.perf_counter() - started) * 1000
        body = response.json()
        if body.get("errors") and not body.get("data"):
            raise SystemExit(f"{label}: {body['errors']}")
        if index >= warmup:
            samples.append(elapsed)
    return Timing(label, samples)


@dataclass
class Statement:
    """One SQL statement the ORM sent, with its parameters."""

    sql: str
    values: list[Any]
    #: True for the statement that checks the caller's credentials.
    authentication: bool


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[Statement] = []

    def emit(self, record: logging.LogRecord) -> None:
        from crm_graphql.api.auth import authenticating

        # Tortoise logs "<sql>: <values>" with both as arguments (see its MySQL client).
        if not record.args or len(record.args) != 2:
            return
        sql, values = record.args
        if str(sql).lstrip().upper().startswith(("SELECT", "WITH", "INSERT", "UPDATE", "DELETE")):
            self.statements.append(Statement(str(sql), list(values or []), authenticating.get()))


@contextmanager
def captured_statements() -> Iterator[list[Statement]]:
    """The SQL statements (and parameters) the ORM sends while the block runs.

    The ORM logs each statement at DEBUG; the logging costs time, so do not time the
    block.
    """
    logger = logging.getLogger("tortoise.db_client")
    recorder = _Recorder()
    previous = logger.level
    logger.addHandler(recorder)
    logger.setLevel(logging.DEBUG)
    try:
        yield recorder.statements
    finally:
        logger.removeHandler(recorder)
        logger.setLevel(previous)


async def server_statement(url: str, statement: str) -> None:
    """Run one statement on the MySQL/MariaDB server of ``url`` without choosing its
    database (CREATE DATABASE, DROP DATABASE)."""
    parts = urlparse(url)
    connection = await asyncmy.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
    )
    try:
        async with connection.cursor() as cursor:
            await cursor.execute(statement)
    finally:
        connection.close()


def without_throttle(content: bytes) -> bytes:
    """An answer without the rate budget's remaining amount, which differs per request."""
    data = json.loads(content)
    data.get("extensions", {}).get("cost", {}).pop("throttleStatus", None)
    return json.dumps(data).encode()


async def alternate_cpu(
    client: httpx.AsyncClient,
    body: dict[str, Any],
    variants: dict[str, Callable[[], None]],
    *,
    rounds: int,
    runs: int,
) -> tuple[dict[str, list[float]], bool]:
    """Rounds of ``runs`` requests of ``body`` per variant, the variants alternating
    (``variants``: label -> the function that switches the app to it). Returns the CPU
    time of the process per request of each round, per label, and whether every
    variant's last answer was the same bytes (without the rate budget's remainder)."""
    per_round: dict[str, list[float]] = {label: [] for label in variants}
    answers: dict[str, bytes] = {}
    for _ in range(rounds):
        for label, switch in variants.items():
            switch()
            gc.collect()
            started = time.process_time()
            for _ in range(runs):
                response = await client.post("/graphql", json=body)
            per_round[label].append((time.process_time() - started) / runs)
            if response.status_code != 200 or "errors" in response.json():
                raise SystemExit(f"the query failed: {response.text[:500]}")
            answers[label] = without_throttle(response.content)
    return per_round, len(set(answers.values())) == 1
