"""The loops that move events: relay, scheduler, and (without a broker) the runs.

``EventRunner`` is started by the worker command (with the job queue) and by the
server's lifespan when no broker is configured (everything in that process).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from datetime import timedelta

from tortoise.transactions import in_transaction

from crm_graphql.events import signals
from crm_graphql.events.delivery import run_delivery
from crm_graphql.events.outbox import CONNECTION
from crm_graphql.events.relay import (
    REDELIVERY_LOCK,
    RELAY_LOCK,
    Delivery,
    Dispatcher,
    due_deliveries,
    publish,
    relay_pass,
)
from crm_graphql.events.scheduling import SCHEDULER_LOCK, ensure_lock_rows, fire_due, next_due
from crm_graphql.events.sql import db_time, placeholders, sql, utcnow
from crm_graphql.settings import Settings

logger = logging.getLogger("crm_graphql.events")

#: Pause after a loop failed (the database is away, say) before it tries again; it
#: doubles with each failure in a row, up to the maximum.
ERROR_PAUSE_SECONDS = 1.0
MAX_ERROR_PAUSE_SECONDS = 30.0
#: How often finished events older than CRM_EVENTS_RETENTION_DAYS are purged.
PURGE_INTERVAL_SECONDS = 3600.0
#: Events purged per statement.
PURGE_BATCH = 1000


class InProcessDispatcher:
    """Runs deliveries in this process: a bounded queue and ``concurrency`` runners."""

    def __init__(self, settings: Settings, concurrency: int) -> None:
        self.settings = settings
        self.concurrency = concurrency
        self.queue: asyncio.Queue[Delivery | None] = asyncio.Queue(
            maxsize=10 * settings.events_batch_size
        )
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start the runners."""
        self.tasks = [
            asyncio.create_task(self._run(), name=f"crm-events-run-{index}")
            for index in range(self.concurrency)
        ]

    async def stop(self) -> None:
        """Stop the runners after their current run; queued deliveries become due again
        after their lease. Runs are not cancelled midway: a transaction cut short while it
        begins can leave the connection locked."""
        while not self.queue.empty():
            self.queue.get_nowait()
        for _ in self.tasks:
            self.queue.put_nowait(None)
        await _finish(self.tasks, self.settings.events_handler_timeout_seconds)
        self.tasks = []

    async def publish(self, deliveries: Sequence[Delivery]) -> Sequence[Delivery]:
        """Queue deliveries; the ones that do not fit are left for later."""
        for index, delivery in enumerate(deliveries):
            try:
                self.queue.put_nowait(delivery)
            except asyncio.QueueFull:
                return deliveries[index:]
        return []

    async def _run(self) -> None:
        while True:
            item = await self.queue.get()
            if item is None:
                return
            event_id, subscriber = item
            try:
                await run_delivery(event_id, subscriber, self.settings)
            except Exception:
                # The database failed; the row stays due and is published again.
                logger.exception("running %s on event %s failed", subscriber, event_id)
            finally:
                self.queue.task_done()


class EventRunner:
    """The relay loop and the scheduler loop of one process."""

    def __init__(self, settings: Settings, dispatcher: Dispatcher) -> None:
        self.settings = settings
        self.dispatcher = dispatcher
        self.tasks: list[asyncio.Task[None]] = []
        self._outbox_written = asyncio.Event()
        self._schedule_changed = asyncio.Event()
        self._last_purge = 0.0
        self._stopping = False
        self._locks_ready = False
        self._failures: dict[str, int] = {}

    async def start(self) -> None:
        """Start both loops. Nothing here touches the database: a server starts (and
        answers its probes) while the database is away or not migrated yet; the loops
        keep trying."""
        signals.listen_outbox(self._outbox_written)
        signals.listen_schedule(self._schedule_changed)
        self._last_purge = time.monotonic()
        self.tasks = [
            asyncio.create_task(self._relay_loop(), name="crm-events-relay"),
            asyncio.create_task(self._scheduler_loop(), name="crm-events-scheduler"),
        ]

    async def stop(self) -> None:
        """Stop both loops after their current pass."""
        signals.forget(self._outbox_written)
        signals.forget(self._schedule_changed)
        self._stopping = True
        self._outbox_written.set()
        self._schedule_changed.set()
        await _finish(self.tasks, self.settings.events_handler_timeout_seconds)
        self.tasks = []

    async def _ensure_lock_rows(self) -> None:
        if not self._locks_ready:
            async with in_transaction(CONNECTION) as connection:
                await ensure_lock_rows(connection, [SCHEDULER_LOCK, RELAY_LOCK, REDELIVERY_LOCK])
            self._locks_ready = True

    async def _failed(self, what: str, exc: Exception) -> None:
        """Log a failed pass and pause, longer after each failure in a row."""
        self._failures[what] = failures = self._failures.get(what, 0) + 1
        pause = min(ERROR_PAUSE_SECONDS * 2 ** (failures - 1), MAX_ERROR_PAUSE_SECONDS)
        logger.warning("%s failed (%s), again in %.0f s", what, exc, pause, exc_info=failures == 1)
        waited = 0.0
        while waited < pause and not self._stopping:
            await asyncio.sleep(min(0.2, pause - waited))
            waited += 0.2

    async def _relay_loop(self) -> None:
        settings = self.settings
        while not self._stopping:
            self._outbox_written.clear()
            try:
                await self._ensure_lock_rows()
                relayed, deliveries = await relay_pass(settings)
                await publish(self.dispatcher, deliveries)
                self._failures.pop("relaying the outbox", None)
            except Exception as exc:
                await self._failed("relaying the outbox", exc)
                continue
            if relayed >= settings.events_batch_size:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._outbox_written.wait(), settings.events_poll_seconds)

    async def _scheduler_loop(self) -> None:
        settings = self.settings
        while not self._stopping:
            self._schedule_changed.clear()
            try:
                await self._ensure_lock_rows()
                async with in_transaction(CONNECTION) as connection:
                    fired = await fire_due(connection, settings.events_batch_size)
                due = await due_deliveries(settings)
                await publish(self.dispatcher, due)
                if time.monotonic() - self._last_purge > PURGE_INTERVAL_SECONDS:
                    self._last_purge = time.monotonic()
                    await purge_finished(settings)
                async with in_transaction(CONNECTION) as connection:
                    upcoming = await next_due(connection)
                self._failures.pop("the scheduling pass", None)
            except Exception as exc:
                await self._failed("the scheduling pass", exc)
                continue
            if (fired or 0) >= settings.events_batch_size or len(due) >= settings.events_batch_size:
                continue
            sleep = settings.events_scheduler_max_sleep_seconds
            if upcoming is not None:
                sleep = min(sleep, max(0.0, (upcoming - utcnow()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._schedule_changed.wait(), sleep)


async def _finish(tasks: list[asyncio.Task[None]], grace: float) -> None:
    """Wait for ``tasks`` to end by themselves; cancel the ones still running after
    ``grace`` seconds."""
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=grace)
    for task in pending:
        task.cancel()
    for task in pending:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def purge_finished(settings: Settings) -> int:
    """Delete events relayed more than ``CRM_EVENTS_RETENTION_DAYS`` ago whose runs are
    all finished (their delivery rows go with them). Returns how many."""
    cutoff = utcnow() - timedelta(days=settings.events_retention_days)
    purged = 0
    while True:
        async with in_transaction(CONNECTION) as connection:
            _, rows = await connection.execute_query(
                sql(
                    connection,
                    "SELECT e.id FROM outbox_event e WHERE e.relayed_at < %s AND NOT EXISTS "
                    "(SELECT 1 FROM event_delivery d WHERE d.event_id = e.id "
                    "AND d.due_at IS NOT NULL) ORDER BY e.relayed_at LIMIT %s",
                ),
                [db_time(connection, cutoff), PURGE_BATCH],
            )
            if rows:
                ids = [row["id"] for row in rows]
                # Their delivery rows go too (ON DELETE CASCADE).
                await connection.execute_query(
                    sql(
                        connection,
                        f"DELETE FROM outbox_event WHERE id IN ({placeholders(len(ids))})",
                    ),
                    ids,
                )
        purged += len(rows)
        if len(rows) < PURGE_BATCH:
            return purged
