"""Scheduled events fire at their time, can be moved and cancelled, and a scheduling
pass reads only what is due."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from crm_graphql.events import (
    NotInTransaction,
    OutboxEvent,
    ScheduledEvent,
    cancel,
    reschedule,
    schedule,
)
from crm_graphql.events.scheduling import ensure_lock_rows, fire_due
from crm_graphql.events.sql import db_time, placeholders, sql, utcnow
from tests.events.conftest import effects, wait_for_effects
from tests.helpers import count_statements


async def _schedule(seconds: float, key: str, **data) -> None:
    async with in_transaction():
        await schedule(
            utcnow() + timedelta(seconds=seconds),
            "reminder.due",
            "task",
            42,
            data,
            key=key,
        )


async def test_scheduled_event_fires_at_its_time(in_process):
    await _schedule(0.8, "task:42:reminder", title="Call back")
    scheduled_at = utcnow()
    [effect] = await wait_for_effects(1)
    event = await OutboxEvent.get()
    assert event.type == "reminder.due"
    assert (event.entity_type, event.entity_id) == ("task", "42")
    assert event.data["title"] == "Call back"
    assert event.data["schedule_key"] == "task:42:reminder"
    # Not before its time, and soon after it (the scheduler sleeps until it is due).
    fired_after = (event.created_at - scheduled_at).total_seconds()
    assert 0.7 <= fired_after < 3.0
    assert effect["event_id"] == event.id
    assert await ScheduledEvent.all().count() == 0


async def test_rescheduled_event_fires_at_the_new_time_only(in_process):
    await _schedule(30, "task:1:reminder")
    async with in_transaction():
        assert await reschedule("task:1:reminder", utcnow() + timedelta(seconds=0.3))
    await wait_for_effects(1)
    assert await OutboxEvent.all().count() == 1


async def test_scheduling_a_key_again_replaces_it(in_process):
    await _schedule(30, "task:2:reminder", version=1)
    await _schedule(0.2, "task:2:reminder", version=2)
    await wait_for_effects(1)
    [event] = await OutboxEvent.all()
    assert event.data["version"] == 2
    assert await ScheduledEvent.all().count() == 0


async def test_cancelled_event_never_fires(events_db):
    await _schedule(-1, "task:3:reminder")  # already due
    async with in_transaction():
        assert await cancel("task:3:reminder")
        assert not await cancel("task:3:reminder")
        assert not await reschedule("task:3:reminder", utcnow())
    async with in_transaction() as connection:
        await ensure_lock_rows(connection, ["scheduler"])
        assert await fire_due(connection, 100) == 0
    assert await OutboxEvent.all().count() == 0
    assert await effects() == []


async def test_schedule_needs_a_transaction_and_an_aware_time(events_db):
    with pytest.raises(NotInTransaction):
        await schedule(utcnow(), "reminder.due", "task", 1, key="k")
    with pytest.raises(ValueError, match="timezone-aware"):
        async with in_transaction():
            await schedule(utcnow().replace(tzinfo=None), "reminder.due", "task", 1, key="k")


async def _add_scheduled(due: int, future: int) -> None:
    """``due`` rows due a minute ago and ``future`` rows due in the next days."""
    connection = connections.get("default")
    now = utcnow()
    rows = [(f"due:{n}", now - timedelta(minutes=1)) for n in range(due)]
    rows += [(f"future:{n}", now + timedelta(days=1, seconds=n)) for n in range(future)]
    created = db_time(connection, now)
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        values: list[object] = []
        for key, at in chunk:
            values += [key, db_time(connection, at), "reminder.due", "task", "1", "{}", created]
        await connection.execute_query(
            sql(
                connection,
                "INSERT INTO scheduled_event (`key`, due_at, type, entity_type, entity_id, "
                f"data, created_at) VALUES {placeholders(len(chunk), 7)}",
            ),
            values,
        )


async def _pass_cost(backend) -> tuple[int, int, int]:
    """(events fired, SQL statements, rows the server read) of one scheduling pass."""
    async with in_transaction() as connection:
        await ensure_lock_rows(connection, ["scheduler"])
    async with in_transaction() as connection:
        reads_before = await _rows_read(connection, backend)
        with count_statements() as statements:
            fired = await fire_due(connection, 1000)
        reads_after = await _rows_read(connection, backend)
    return fired or 0, len(statements), reads_after - reads_before


async def _rows_read(connection, backend) -> int:
    if not backend.is_mysql:
        return 0
    _, rows = await connection.execute_query(
        "SHOW SESSION STATUS WHERE Variable_name IN "
        "('Handler_read_key', 'Handler_read_next', 'Handler_read_rnd_next', "
        "'Handler_read_first', 'Handler_read_prev')"
    )
    return sum(int(row["Value"]) for row in rows)


async def test_scheduling_pass_cost_does_not_grow_with_future_rows(events_db):
    await _add_scheduled(due=5, future=200)
    small = await _pass_cost(events_db)
    await ScheduledEvent.all().delete()
    await OutboxEvent.all().delete()
    await _add_scheduled(due=5, future=5000)
    large = await _pass_cost(events_db)
    assert small[0] == large[0] == 5
    assert small[1] == large[1]  # statements: lock, select, insert, delete
    if events_db.is_mysql:
        # The server reads the due rows through the due_at index, not the 5,000 others.
        assert large[2] == small[2] < 50


async def test_scheduling_pass_reads_through_the_due_time_index(events_db):
    connection = connections.get("default")
    query = "SELECT id FROM scheduled_event WHERE due_at <= %s ORDER BY due_at LIMIT 100"
    now = db_time(connection, utcnow())
    if events_db.is_mysql:
        await _add_scheduled(due=5, future=3000)
        await connection.execute_query("ANALYZE TABLE scheduled_event")
        _, plan = await connection.execute_query("EXPLAIN " + query, [now])
        assert plan[0]["type"] == "range"
        assert "due_at" in plan[0]["key"]
    else:
        _, plan = await connection.execute_query(
            "EXPLAIN QUERY PLAN " + query.replace("%s", "?"), [now]
        )
        detail = " ".join(row["detail"] for row in plan)
        assert detail.startswith("SEARCH") and "INDEX" in detail and "due_at" in detail
