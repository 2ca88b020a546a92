"""Helpers of the automation tests: run the outbox to the end in this process (relay,
due retries, scheduled events), as the worker would."""

from __future__ import annotations

import asyncio

from tortoise.transactions import in_transaction

import crm_graphql.domains.automation.tasks  # noqa: F401  (registers the subscribers)
from crm_graphql.events.delivery import run_delivery
from crm_graphql.events.relay import due_deliveries, relay_pass
from crm_graphql.events.scheduling import SCHEDULER_LOCK, ensure_lock_rows, fire_due
from crm_graphql.settings import Settings
from tests.events.conftest import fast_settings

__all__ = ["drain", "fast_settings"]


async def drain(settings: Settings, *, fire_scheduled: bool = False, rounds: int = 200) -> None:
    """Relay and run every event (and due retry) until nothing is left to do now."""
    idle = 0
    for _ in range(rounds):
        if fire_scheduled:
            async with in_transaction() as connection:
                await ensure_lock_rows(connection, [SCHEDULER_LOCK])
            async with in_transaction() as connection:
                await fire_due(connection, 500)
        _, deliveries = await relay_pass(settings)
        due = await due_deliveries(settings)
        for event_id, name in [*deliveries, *due]:
            await run_delivery(event_id, name, settings)
        if not deliveries and not due:
            idle += 1
            if idle >= 3:
                return
            await asyncio.sleep(0.06)
        else:
            idle = 0
