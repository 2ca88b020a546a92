"""The subscriber of ``benchmarks/events_lag.py``: records when each event took effect."""

from __future__ import annotations

import os
import time

from tortoise import connections

from crm_graphql.events import Event, subscriber
from crm_graphql.events.sql import sql

EFFECTS = "bench_event_effect"


@subscriber("bench.effect", events=["bench.*"])
async def record_effect(event: Event) -> None:
    """One effect row in the run's transaction (as an automation rule creating a task)."""
    connection = connections.get("default")
    await connection.execute_query(
        sql(
            connection,
            f"INSERT INTO {EFFECTS} (event_id, batch, effect_at, pid) VALUES (%s, %s, %s, %s)",
        ),
        [event.id, event.data["batch"], time.time(), os.getpid()],
    )
