"""``emit()``: an event written in the transaction of the change it describes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient

from crm_graphql.events import signals
from crm_graphql.events.sql import db_time, dump_json, placeholders, sql, utcnow
from crm_graphql.events.subscribers import EVENT_TYPE

#: The Tortoise connection the events live on (the one connection of the app).
CONNECTION = "default"


class NotInTransaction(RuntimeError):
    """``emit()`` or ``schedule()`` was called outside ``in_transaction()``: the event
    would not be atomic with the change it describes."""


class InvalidEvent(ValueError):
    """An event type, entity or ID that cannot be stored."""


@dataclass(frozen=True, slots=True)
class NewEvent:
    """One event for :func:`emit_many`."""

    type: str
    entity: str
    entity_id: str | int
    data: dict[str, Any] | None = field(default=None)
    actor_id: int | None = None


def transaction_connection() -> BaseDBAsyncClient:
    """The connection of the caller's open transaction; raises :class:`NotInTransaction`."""
    connection = connections.get(CONNECTION)
    if not isinstance(connection, TransactionalDBClient):
        raise NotInTransaction(
            "events are written in the transaction of the change they describe: "
            "call this inside `async with in_transaction():`"
        )
    return connection


def check_event(event_type: str, entity: str, entity_id: str | int) -> str:
    """Validate an event's identity; returns the entity ID as text."""
    if not EVENT_TYPE.match(event_type) or len(event_type) > 100:
        raise InvalidEvent(f"{event_type!r} is not an event type such as 'customer.created'")
    if not entity or len(entity) > 64:
        raise InvalidEvent(f"entity {entity!r} must be 1 to 64 characters")
    text = str(entity_id)
    if not text or len(text) > 64:
        raise InvalidEvent(f"entity_id {text!r} must be 1 to 64 characters")
    return text


_INSERT = (
    "INSERT INTO outbox_event (type, entity_type, entity_id, data, actor_id, created_at) VALUES "
)


async def emit(
    type: str,
    *,
    entity: str,
    entity_id: str | int,
    data: dict[str, Any] | None = None,
    actor_id: int | None = None,
) -> int:
    """Write an event to the outbox on the caller's transaction; returns its ID.

    It commits with the change or not at all: a rolled-back mutation leaves no event.
    Subscribers run after the commit, in a worker (or in the server without a broker);
    a failing subscriber never affects the caller. Raises :class:`NotInTransaction`
    outside ``in_transaction()`` and :class:`InvalidEvent` for a malformed type.
    """
    connection = transaction_connection()
    text_id = check_event(type, entity, entity_id)
    event_id = await connection.execute_insert(
        sql(connection, _INSERT + placeholders(1, 6)),
        [type, entity, text_id, dump_json(data), actor_id, db_time(connection, utcnow())],
    )
    signals.outbox_written()
    return int(event_id)


async def emit_many(events: Sequence[NewEvent]) -> None:
    """Write several events in one statement on the caller's transaction (bulk changes)."""
    if not events:
        return
    connection = transaction_connection()
    now = db_time(connection, utcnow())
    rows = [
        (
            event.type,
            event.entity,
            check_event(event.type, event.entity, event.entity_id),
            dump_json(event.data),
            event.actor_id,
            now,
        )
        for event in events
    ]
    # Chunks keep SQLite under its limit of bound values per statement.
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        await connection.execute_query(
            sql(connection, _INSERT + placeholders(len(chunk), 6)),
            [value for row in chunk for value in row],
        )
    signals.outbox_written()
