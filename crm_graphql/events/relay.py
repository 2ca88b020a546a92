"""The relay: unrelayed outbox rows become delivery rows, handed to the queue.

One transaction claims a batch of unrelayed events (``FOR UPDATE SKIP LOCKED``, so
several relays take different rows), creates one delivery row per matching subscriber
with a due time (its lease: ``now + CRM_EVENTS_REDELIVERY_SECONDS``), and marks the
events relayed. After the commit the deliveries are published. A relay that dies
before publishing leaves rows that become due; the scheduler pass publishes every due
row again, so nothing is lost, and a duplicate message finds its row finished.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from crm_graphql.events.models import DeliveryState
from crm_graphql.events.outbox import CONNECTION
from crm_graphql.events.scheduling import take_lock
from crm_graphql.events.sql import db_time, is_mysql, placeholders, sql, utcnow
from crm_graphql.events.subscribers import subscribers_for
from crm_graphql.settings import Settings

logger = logging.getLogger("crm_graphql.events")

#: (event ID, subscriber name): what one queue message asks a worker to run.
Delivery = tuple[int, str]

#: When publishing fails (the broker is down), the rows are tried again this soon.
PUBLISH_RETRY_SECONDS = 5.0
#: SQLite has no row locks: passes take these lock rows to write first (see take_lock).
RELAY_LOCK = "relay"
REDELIVERY_LOCK = "redelivery"


class Dispatcher(Protocol):
    """Hands deliveries to whatever runs them: the job queue, or this process."""

    async def publish(self, deliveries: Sequence[Delivery]) -> Sequence[Delivery]:
        """Publish; returns the deliveries that could not be published."""
        ...


async def _claim_lock(connection: BaseDBAsyncClient, name: str) -> None:
    # MySQL claims rows with SKIP LOCKED; SQLite needs its write lock taken first.
    if not is_mysql(connection):
        await take_lock(connection, name)


async def relay_pass(settings: Settings) -> tuple[int, list[Delivery]]:
    """Claim up to ``CRM_EVENTS_BATCH_SIZE`` unrelayed events and create their delivery
    rows. Returns (events relayed, deliveries to publish)."""
    now = utcnow()
    async with in_transaction(CONNECTION) as connection:
        await _claim_lock(connection, RELAY_LOCK)
        lock = " FOR UPDATE SKIP LOCKED" if is_mysql(connection) else ""
        _, rows = await connection.execute_query(
            sql(
                connection,
                "SELECT id, type FROM outbox_event WHERE relayed_at IS NULL "
                f"ORDER BY id LIMIT %s{lock}",
            ),
            [settings.events_batch_size],
        )
        if not rows:
            return 0, []
        deliveries = [
            (int(row["id"]), sub.name) for row in rows for sub in subscribers_for(row["type"])
        ]
        if deliveries:
            due = db_time(connection, now + timedelta(seconds=settings.events_redelivery_seconds))
            created = db_time(connection, now)
            values: list[object] = []
            for event_id, name in deliveries:
                values += [event_id, name, DeliveryState.PENDING.value, 0, due, created]
            ignore = (
                " ON DUPLICATE KEY UPDATE id = id"
                if is_mysql(connection)
                else " ON CONFLICT(event_id, subscriber) DO NOTHING"
            )
            await connection.execute_query(
                sql(
                    connection,
                    "INSERT INTO event_delivery (event_id, subscriber, state, attempts, due_at, "
                    f"created_at) VALUES {placeholders(len(deliveries), 6)}{ignore}",
                ),
                values,
            )
        await connection.execute_query(
            sql(
                connection,
                f"UPDATE outbox_event SET relayed_at = %s WHERE id IN ({placeholders(len(rows))})",
            ),
            [db_time(connection, now), *(row["id"] for row in rows)],
        )
    return len(rows), deliveries


async def due_deliveries(settings: Settings) -> list[Delivery]:
    """Claim delivery rows whose due time has passed (a retry's time, or a lease that ran
    out) and push their due time a lease ahead; they are to be published again."""
    now = utcnow()
    async with in_transaction(CONNECTION) as connection:
        await _claim_lock(connection, REDELIVERY_LOCK)
        lock = " FOR UPDATE SKIP LOCKED" if is_mysql(connection) else ""
        _, rows = await connection.execute_query(
            sql(
                connection,
                "SELECT id, event_id, subscriber FROM event_delivery WHERE due_at <= %s "
                f"ORDER BY due_at LIMIT %s{lock}",
            ),
            [db_time(connection, now), settings.events_batch_size],
        )
        if not rows:
            return []
        lease = now + timedelta(seconds=settings.events_redelivery_seconds)
        await connection.execute_query(
            sql(
                connection,
                f"UPDATE event_delivery SET due_at = %s WHERE id IN ({placeholders(len(rows))})",
            ),
            [db_time(connection, lease), *(row["id"] for row in rows)],
        )
    return [(int(row["event_id"]), row["subscriber"]) for row in rows]


async def publish(dispatcher: Dispatcher, deliveries: Sequence[Delivery]) -> int:
    """Publish ``deliveries``; the ones that fail become due again soon. Returns how
    many were published."""
    if not deliveries:
        return 0
    failed = list(await dispatcher.publish(deliveries))
    if failed:
        await postpone(failed, PUBLISH_RETRY_SECONDS)
    return len(deliveries) - len(failed)


async def postpone(deliveries: Sequence[Delivery], seconds: float) -> None:
    """Make unfinished ``deliveries`` due in ``seconds``."""
    async with in_transaction(CONNECTION) as connection:
        due = db_time(connection, utcnow() + timedelta(seconds=seconds))
        for start in range(0, len(deliveries), 400):
            chunk = deliveries[start : start + 400]
            await connection.execute_query(
                sql(
                    connection,
                    "UPDATE event_delivery SET due_at = %s WHERE due_at IS NOT NULL "
                    f"AND (event_id, subscriber) IN ({placeholders(len(chunk), 2)})",
                ),
                [due, *(value for delivery in chunk for value in delivery)],
            )
