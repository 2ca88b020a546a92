"""Fixtures of the event tests: the effects table, a clean outbox, settings with short
delays, and helpers that wait for runs to finish."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from tortoise import connections

from crm_graphql.events.worker import InProcessEvents
from crm_graphql.settings import Settings
from tests.conftest import Backend
from tests.events.handlers import EFFECTS, ensure_effect_table


def fast_settings(backend: Backend, **overrides: object) -> Settings:
    """The backend's settings with delays short enough for tests."""
    values: dict[str, object] = {
        "events_poll_seconds": 0.05,
        "events_scheduler_max_sleep_seconds": 0.2,
        "events_retry_base_seconds": 0.05,
        "events_retry_max_seconds": 0.2,
        "events_redelivery_seconds": 3.0,
        "broker_url": None,
        **overrides,
    }
    return backend.settings.model_copy(update=values)


@pytest.fixture
async def events_db(db: Backend) -> AsyncIterator[Backend]:
    """The test database with an empty effects table."""
    connection = connections.get("default")
    await ensure_effect_table(connection)
    await connection.execute_query(f"DELETE FROM {EFFECTS}")
    yield db


@pytest.fixture
async def in_process(events_db: Backend) -> AsyncIterator[InProcessEvents]:
    """Relay, scheduler and runs in this process (the server's mode without a broker)."""
    events = InProcessEvents(fast_settings(events_db), concurrency=4)
    await events.start()
    try:
        yield events
    finally:
        await events.stop()


def unique_queue() -> str:
    """A queue name / stream key no other test run uses."""
    return f"crm-test-{uuid.uuid4().hex[:12]}"


async def effects() -> list[dict]:
    """Every effect row, oldest first."""
    connection = connections.get("default")
    return await connection.execute_query_dict(
        f"SELECT event_id, subscriber, attempt, effect_at, pid FROM {EFFECTS} ORDER BY id"
    )


async def unfinished() -> int:
    """Delivery rows not yet DONE or FAILED, plus events not yet relayed."""
    connection = connections.get("default")
    rows = await connection.execute_query_dict(
        "SELECT (SELECT COUNT(*) FROM event_delivery WHERE due_at IS NOT NULL) AS d, "
        "(SELECT COUNT(*) FROM outbox_event WHERE relayed_at IS NULL) AS e"
    )
    return int(rows[0]["d"]) + int(rows[0]["e"])


async def wait_until(condition, within: float = 30.0, interval: float = 0.05) -> None:  # type: ignore[no-untyped-def]
    """Wait until ``await condition()`` is true; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        if await condition():
            return
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(interval)


async def wait_for_effects(count: int, within: float = 30.0) -> list[dict]:
    """Wait until there are at least ``count`` effect rows and nothing is unfinished."""

    async def done() -> bool:
        return len(await effects()) >= count and await unfinished() == 0

    await wait_until(done, within)
    return await effects()
