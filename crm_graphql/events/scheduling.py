"""Scheduled events: an event that happens at a time (a reminder), unique by key.

``schedule()`` writes a row with its due time; the scheduler pass moves due rows into
the outbox. It reads them through the index on ``due_at``, so its cost follows what is
due, not how much is scheduled; between passes it sleeps until the next due time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from crm_graphql.events import signals
from crm_graphql.events.outbox import check_event, transaction_connection
from crm_graphql.events.sql import (
    db_time,
    dump_json,
    from_db_time,
    is_mysql,
    load_json,
    placeholders,
    sql,
    utcnow,
)

#: The lock row whose holder runs the scheduling pass.
SCHEDULER_LOCK = "scheduler"


def _check_key(key: str) -> None:
    if not key or len(key) > 200:
        raise ValueError("a schedule key is 1 to 200 characters")


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("scheduled times must be timezone-aware")
    return at


async def schedule(
    at: datetime,
    type: str,
    entity: str,
    entity_id: str | int,
    data: dict[str, Any] | None = None,
    *,
    key: str,
    actor_id: int | None = None,
) -> None:
    """Have event ``type`` happen at ``at`` (on the caller's transaction).

    ``key`` names it (e.g. ``task:42:reminder``): scheduling the same key again replaces
    the earlier one (time, type and data), so a reminder is moved by scheduling it again
    or by :func:`reschedule`, and dropped by :func:`cancel`. When due, the event enters
    the outbox with ``schedule_key`` and ``scheduled_for`` added to its data.
    """
    _check_key(key)
    text_id = check_event(type, entity, entity_id)
    connection = transaction_connection()
    values = [
        key,
        db_time(connection, _aware(at)),
        type,
        entity,
        text_id,
        dump_json(data),
        actor_id,
        db_time(connection, utcnow()),
    ]
    columns = "(`key`, due_at, type, entity_type, entity_id, data, actor_id, created_at)"
    if is_mysql(connection):
        upsert = (
            " ON DUPLICATE KEY UPDATE due_at = VALUES(due_at), type = VALUES(type), "
            "entity_type = VALUES(entity_type), entity_id = VALUES(entity_id), "
            "data = VALUES(data), actor_id = VALUES(actor_id)"
        )
    else:
        upsert = (
            " ON CONFLICT(`key`) DO UPDATE SET due_at = excluded.due_at, type = excluded.type, "
            "entity_type = excluded.entity_type, entity_id = excluded.entity_id, "
            "data = excluded.data, actor_id = excluded.actor_id"
        )
    await connection.execute_query(
        sql(
            connection,
            f"INSERT INTO scheduled_event {columns} VALUES {placeholders(1, 8)}{upsert}",
        ),
        values,
    )
    signals.schedule_changed()


async def schedule_many(
    events: Sequence[tuple[str, datetime, str, str, str | int, dict[str, Any] | None]],
) -> None:
    """:func:`schedule` for many events at once (on the caller's transaction): each a
    ``(key, at, type, entity, entity_id, data)``; a key scheduled before is replaced.
    One statement per 500 events."""
    if not events:
        return
    connection = transaction_connection()
    created = db_time(connection, utcnow())
    rows: list[list[Any]] = []
    for key, at, type, entity, entity_id, data in events:
        _check_key(key)
        text_id = check_event(type, entity, entity_id)
        at_db = db_time(connection, _aware(at))
        rows.append([key, at_db, type, entity, text_id, dump_json(data), None, created])
    columns = "(`key`, due_at, type, entity_type, entity_id, data, actor_id, created_at)"
    if is_mysql(connection):
        upsert = (
            " ON DUPLICATE KEY UPDATE due_at = VALUES(due_at), type = VALUES(type), "
            "entity_type = VALUES(entity_type), entity_id = VALUES(entity_id), "
            "data = VALUES(data), actor_id = VALUES(actor_id)"
        )
    else:
        upsert = (
            " ON CONFLICT(`key`) DO UPDATE SET due_at = excluded.due_at, type = excluded.type, "
            "entity_type = excluded.entity_type, entity_id = excluded.entity_id, "
            "data = excluded.data, actor_id = excluded.actor_id"
        )
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        await connection.execute_query(
            sql(
                connection,
                f"INSERT INTO scheduled_event {columns} VALUES "
                f"{placeholders(len(chunk), 8)}{upsert}",
            ),
            [value for row in chunk for value in row],
        )
    signals.schedule_changed()


async def reschedule(key: str, at: datetime) -> bool:
    """Move the scheduled event ``key`` to ``at``; false when there is none (it fired or
    was cancelled)."""
    _check_key(key)
    connection = transaction_connection()
    changed, _ = await connection.execute_query(
        sql(connection, "UPDATE scheduled_event SET due_at = %s WHERE `key` = %s"),
        [db_time(connection, _aware(at)), key],
    )
    signals.schedule_changed()
    return bool(changed)


async def cancel(key: str) -> bool:
    """Drop the scheduled event ``key``; false when there is none."""
    _check_key(key)
    connection = transaction_connection()
    deleted, _ = await connection.execute_query(
        sql(connection, "DELETE FROM scheduled_event WHERE `key` = %s"), [key]
    )
    return bool(deleted)


async def take_lock(connection: BaseDBAsyncClient, name: str) -> bool:
    """Take the lock row ``name`` for the rest of the transaction; false when another
    transaction holds it (MySQL/MariaDB: ``SKIP LOCKED``). On SQLite the write takes the
    database's one write lock, so passes of several processes run one after the other."""
    if is_mysql(connection):
        _, rows = await connection.execute_query(
            "SELECT name FROM event_lock WHERE name = %s FOR UPDATE SKIP LOCKED", [name]
        )
        return bool(rows)
    await connection.execute_query("UPDATE event_lock SET name = name WHERE name = ?", [name])
    return True


async def ensure_lock_rows(connection: BaseDBAsyncClient, names: list[str]) -> None:
    """Create the lock rows (once per database)."""
    ignore = "INSERT IGNORE INTO" if is_mysql(connection) else "INSERT OR IGNORE INTO"
    await connection.execute_query(
        sql(connection, f"{ignore} event_lock (name) VALUES " + ", ".join(["(%s)"] * len(names))),
        names,
    )


async def fire_due(connection: BaseDBAsyncClient, limit: int) -> int | None:
    """Move up to ``limit`` due scheduled events into the outbox, in the caller's
    transaction. Returns how many, or None when another process holds the scheduler
    lock (it is doing this right now)."""
    if not await take_lock(connection, SCHEDULER_LOCK):
        return None
    now = utcnow()
    lock = " FOR UPDATE" if is_mysql(connection) else ""
    _, rows = await connection.execute_query(
        sql(
            connection,
            "SELECT id, `key`, due_at, type, entity_type, entity_id, data, actor_id "
            f"FROM scheduled_event WHERE due_at <= %s ORDER BY due_at LIMIT %s{lock}",
        ),
        [db_time(connection, now), limit],
    )
    if not rows:
        return 0
    created = db_time(connection, now)
    values: list[Any] = []
    for row in rows:
        data = load_json(row["data"])
        if not isinstance(data, dict):
            data = {"value": data}
        data["schedule_key"] = row["key"]
        data["scheduled_for"] = from_db_time(row["due_at"]).isoformat()  # type: ignore[union-attr]
        values += [
            row["type"],
            row["entity_type"],
            row["entity_id"],
            dump_json(data),
            row["actor_id"],
            created,
        ]
    await connection.execute_query(
        sql(
            connection,
            "INSERT INTO outbox_event (type, entity_type, entity_id, data, actor_id, "
            f"created_at) VALUES {placeholders(len(rows), 6)}",
        ),
        values,
    )
    await connection.execute_query(
        sql(
            connection,
            f"DELETE FROM scheduled_event WHERE id IN ({placeholders(len(rows))})",
        ),
        [row["id"] for row in rows],
    )
    signals.outbox_written()
    return len(rows)


async def next_due(connection: BaseDBAsyncClient) -> datetime | None:
    """The earliest due time of a scheduled event or of a run to hand to the queue again
    (two index lookups)."""
    _, rows = await connection.execute_query(
        "SELECT (SELECT MIN(due_at) FROM scheduled_event) AS s, "
        "(SELECT MIN(due_at) FROM event_delivery) AS d"
    )
    times = [from_db_time(rows[0][column]) for column in ("s", "d")]
    known = [time for time in times if time is not None]
    return min(known) if known else None
