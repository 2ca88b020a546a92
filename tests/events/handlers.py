"""Subscribers of the event tests (imported by the tests, and by worker and server
processes with ``--import tests.events.handlers`` / ``CRM_EVENTS_SUBSCRIBER_MODULES``).

Each run writes one row to ``test_event_effect``, a table without a unique key: an
event handled twice shows up as two rows.

The event's data steers the handler: ``fail_times`` (fail the first N attempts),
``permanent`` (fail for good), ``sleep`` (seconds to take).
"""

from __future__ import annotations

import asyncio
import os
import time

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from crm_graphql.events import Event, PermanentFailure, subscriber
from crm_graphql.events.sql import is_mysql, sql

EFFECTS = "test_event_effect"


async def ensure_effect_table(connection: BaseDBAsyncClient) -> None:
    """Create the effects table if it is not there."""
    key = (
        "id BIGINT AUTO_INCREMENT PRIMARY KEY"
        if is_mysql(connection)
        else "id INTEGER PRIMARY KEY AUTOINCREMENT"
    )
    await connection.execute_script(
        f"CREATE TABLE IF NOT EXISTS {EFFECTS} ({key}, event_id BIGINT NOT NULL, "
        "subscriber VARCHAR(100) NOT NULL, attempt INT NOT NULL, effect_at DOUBLE NOT NULL, "
        "pid INT NOT NULL)"
    )


async def record(event: Event, name: str) -> None:
    """The handlers' effect: one row (on the current transaction, if any)."""
    connection = connections.get("default")
    await connection.execute_query(
        sql(
            connection,
            f"INSERT INTO {EFFECTS} (event_id, subscriber, attempt, effect_at, pid) "
            "VALUES (%s, %s, %s, %s, %s)",
        ),
        [event.id, name, event.attempt, time.time(), os.getpid()],
    )


async def _steer(event: Event) -> None:
    if event.data.get("permanent"):
        raise PermanentFailure("the template refers to an unknown field")
    if event.attempt <= int(event.data.get("fail_times", 0)):
        raise RuntimeError(f"planned failure on attempt {event.attempt}")
    if event.data.get("sleep"):
        await asyncio.sleep(float(event.data["sleep"]))


@subscriber("test.effects", events=["test.*", "reminder.*"])
async def record_effect(event: Event) -> None:
    """Transactional: the effect commits with the record that it ran."""
    await _steer(event)
    await record(event, "test.effects")


@subscriber("test.second", events=["test.fanout"])
async def record_second(event: Event) -> None:
    """A second subscriber of one event type: runs independently of the first."""
    await record(event, "test.second")


@subscriber("test.flaky", events=["flaky.*"], max_attempts=3, retry_base_seconds=0.05)
async def flaky(event: Event) -> None:
    """Fails as the data says, with short retry delays and three attempts."""
    await _steer(event)
    await record(event, "test.flaky")


@subscriber("test.external", events=["external.*"], transactional=False)
async def external(event: Event) -> None:
    """External effects: runs outside a transaction (its write commits on its own)."""
    await _steer(event)
    await record(event, "test.external")


@subscriber("test.leased", events=["leased.*"], transactional=False, lease_seconds=0.6)
async def leased(event: Event) -> None:
    """External effects with a heartbeat every 0.2 s: a lease of 0.6 s that a run of
    seconds keeps as long as it is alive."""
    await _steer(event)
    await record(event, "test.leased")
