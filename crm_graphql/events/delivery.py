"""Running one subscriber on one event, at most once in effect.

Every (event, subscriber) pair has one ``event_delivery`` row (unique key). A
transactional subscriber runs inside a transaction that first locks that row and ends
by marking it DONE: its database writes and the DONE mark commit together, so a
redelivery (a crash, two workers, a duplicate message) finds DONE and does nothing. A
subscriber with external effects (``transactional=False``) claims the row (RUNNING,
with a lease), runs outside any transaction and marks it DONE afterwards: a crash
between its effect and the mark runs it again, so it is at least once, keyed by
``event.id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from tortoise import connections
from tortoise.transactions import in_transaction

from crm_graphql.events.models import DeliveryState
from crm_graphql.events.outbox import CONNECTION
from crm_graphql.events.sql import db_time, from_db_time, is_mysql, load_json, sql, utcnow
from crm_graphql.events.subscribers import Event, PermanentFailure, Subscriber, get_subscriber
from crm_graphql.settings import Settings

logger = logging.getLogger("crm_graphql.events")

#: Longest error text kept on a delivery row.
MAX_ERROR_CHARS = 4000
#: Added to a run's time limit before another worker may take over a RUNNING run.
LEASE_MARGIN_SECONDS = 5.0


class Outcome(StrEnum):
    """What one attempt did."""

    DONE = "DONE"
    RETRY = "RETRY"
    FAILED = "FAILED"
    #: Already finished (or running elsewhere): nothing done.
    SKIPPED = "SKIPPED"


@dataclass(frozen=True, slots=True)
class Policy:
    """Attempts, retry delays and time limit of one subscriber."""

    max_attempts: int
    retry_base_seconds: float
    retry_max_seconds: float
    timeout_seconds: float
    #: A heartbeat's lease (see ``Subscriber.lease_seconds``), or None.
    lease_seconds: float | None = None

    @classmethod
    def of(cls, subscriber: Subscriber | None, settings: Settings) -> Policy:
        """The subscriber's own values where it sets them, the settings' otherwise."""

        def pick(value: Any, default: Any) -> Any:
            return default if value is None else value

        return cls(
            max_attempts=pick(subscriber and subscriber.max_attempts, settings.events_max_attempts),
            retry_base_seconds=pick(
                subscriber and subscriber.retry_base_seconds, settings.events_retry_base_seconds
            ),
            retry_max_seconds=pick(
                subscriber and subscriber.retry_max_seconds, settings.events_retry_max_seconds
            ),
            timeout_seconds=pick(
                subscriber and subscriber.timeout_seconds, settings.events_handler_timeout_seconds
            ),
            lease_seconds=subscriber.lease_seconds if subscriber is not None else None,
        )

    def retry_delay(self, attempt: int) -> float:
        """Seconds before the attempt after ``attempt`` (1-based): exponential backoff
        with jitter (half fixed, half random), capped at ``retry_max_seconds``."""
        ceiling = min(self.retry_max_seconds, self.retry_base_seconds * 2 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


_SELECT = (
    "SELECT d.attempts, d.state, e.id, e.type, e.entity_type, e.entity_id, e.data, "
    "e.actor_id, e.created_at FROM event_delivery d JOIN outbox_event e ON e.id = d.event_id "
    "WHERE d.event_id = %s AND d.subscriber = %s"
)


def _event(row: dict[str, Any]) -> Event:
    data = load_json(row["data"])
    return Event(
        id=int(row["id"]),
        type=row["type"],
        entity_type=row["entity_type"],
        entity_id=row["entity_id"],
        data=data if isinstance(data, dict) else {"value": data},
        actor_id=row["actor_id"],
        created_at=from_db_time(row["created_at"]),  # type: ignore[arg-type]
        attempt=int(row["attempts"]) + 1,
    )


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, PermanentFailure):
        text = str(exc) or type(exc).__name__
    elif isinstance(exc, TimeoutError):
        text = "TimeoutError: the handler did not finish in time"
    else:
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text[:MAX_ERROR_CHARS]


async def run_delivery(event_id: int, subscriber_name: str, settings: Settings) -> Outcome:
    """Run subscriber ``subscriber_name`` on event ``event_id`` unless it already ran.

    Never raises for a failing handler: the failure is recorded on the delivery row
    (attempts, error, next attempt time, or FAILED after the last attempt).
    """
    subscriber = get_subscriber(subscriber_name)
    policy = Policy.of(subscriber, settings)
    try:
        if subscriber is None:
            raise LookupError(f"no subscriber named {subscriber_name!r} in this process")
        if subscriber.transactional:
            return await _run_in_transaction(event_id, subscriber, policy)
        return await _run_external(event_id, subscriber, policy)
    except Exception as exc:
        return await _record_failure(event_id, subscriber_name, policy, exc)


async def _run_in_transaction(event_id: int, subscriber: Subscriber, policy: Policy) -> Outcome:
    started = utcnow()
    async with in_transaction(CONNECTION) as connection:
        # Lock the delivery row before anything else: a concurrent attempt waits here,
        # then finds the row finished (due_at is NULL).
        if is_mysql(connection):
            # One statement locks and reads (it also locks the event row, which only
            # the purge of old events ever writes).
            _, rows = await connection.execute_query(
                _SELECT + " AND d.due_at IS NOT NULL FOR UPDATE", [event_id, subscriber.name]
            )
            if not rows:
                return Outcome.SKIPPED
        else:
            # SQLite: a write first takes the database's write lock (a read first could
            # not be followed by a write once another process wrote).
            claimed, _ = await connection.execute_query(
                "UPDATE event_delivery SET started_at = started_at "
                "WHERE event_id = ? AND subscriber = ? AND due_at IS NOT NULL",
                [event_id, subscriber.name],
            )
            if not claimed:
                return Outcome.SKIPPED
            _, rows = await connection.execute_query(
                sql(connection, _SELECT), [event_id, subscriber.name]
            )
        event = _event(rows[0])
        await asyncio.wait_for(subscriber.handler(event), policy.timeout_seconds)
        await connection.execute_query(
            sql(
                connection,
                "UPDATE event_delivery SET state = %s, due_at = NULL, started_at = %s, "
                "finished_at = %s, last_error = NULL, attempts = attempts + 1 "
                "WHERE event_id = %s AND subscriber = %s",
            ),
            [
                DeliveryState.DONE.value,
                db_time(connection, started),
                db_time(connection, utcnow()),
                event_id,
                subscriber.name,
            ],
        )
    return Outcome.DONE


class LeaseLost(Exception):
    """Another worker took over a run whose heartbeat did not reach the database in time."""


async def _run_external(event_id: int, subscriber: Subscriber, policy: Policy) -> Outcome:
    connection = connections.get(CONNECTION)
    now = utcnow()
    if policy.lease_seconds is not None:
        lease = timedelta(seconds=policy.lease_seconds)
    else:
        lease = timedelta(seconds=policy.timeout_seconds + LEASE_MARGIN_SECONDS)
    claimed, _ = await connection.execute_query(
        sql(
            connection,
            "UPDATE event_delivery SET state = %s, started_at = %s "
            "WHERE event_id = %s AND subscriber = %s AND due_at IS NOT NULL "
            "AND (state IN (%s, %s) OR (state = %s AND started_at < %s))",
        ),
        [
            DeliveryState.RUNNING.value,
            db_time(connection, now),
            event_id,
            subscriber.name,
            DeliveryState.PENDING.value,
            DeliveryState.RETRYING.value,
            DeliveryState.RUNNING.value,
            db_time(connection, now - lease),
        ],
    )
    if not claimed:
        return Outcome.SKIPPED
    _, rows = await connection.execute_query(sql(connection, _SELECT), [event_id, subscriber.name])
    event = _event(rows[0])
    if policy.lease_seconds is None:
        await asyncio.wait_for(subscriber.handler(event), policy.timeout_seconds)
    else:
        try:
            await _with_heartbeat(event, subscriber, policy, now)
        except LeaseLost:
            logger.warning("%s lost its run of event %s to a worker", subscriber.name, event_id)
            return Outcome.SKIPPED
    await connection.execute_query(
        sql(
            connection,
            "UPDATE event_delivery SET state = %s, due_at = NULL, finished_at = %s, "
            "last_error = NULL, attempts = attempts + 1 "
            "WHERE event_id = %s AND subscriber = %s AND state = %s",
        ),
        [
            DeliveryState.DONE.value,
            db_time(connection, utcnow()),
            event_id,
            subscriber.name,
            DeliveryState.RUNNING.value,
        ],
    )
    return Outcome.DONE


async def _with_heartbeat(
    event: Event, subscriber: Subscriber, policy: Policy, claimed_at: datetime
) -> None:
    """Run the handler, renewing the claim (``started_at``) every third of the lease
    while it runs. A renewal finds the claim as this run left it, or the run was taken
    over (a heartbeat that came too late): the handler is then cancelled and
    :class:`LeaseLost` raised."""
    beat = (policy.lease_seconds or policy.timeout_seconds) / 3
    connection = connections.get(CONNECTION)
    run = asyncio.ensure_future(asyncio.wait_for(subscriber.handler(event), policy.timeout_seconds))
    stamp = claimed_at
    try:
        while True:
            done, _ = await asyncio.wait({run}, timeout=beat)
            if done:
                run.result()
                return
            renewed = utcnow()
            kept, _ = await connection.execute_query(
                sql(
                    connection,
                    "UPDATE event_delivery SET started_at = %s WHERE event_id = %s "
                    "AND subscriber = %s AND state = %s AND started_at = %s",
                ),
                [
                    db_time(connection, renewed),
                    event.id,
                    subscriber.name,
                    DeliveryState.RUNNING.value,
                    db_time(connection, stamp),
                ],
            )
            if not kept:
                raise LeaseLost(f"event {event.id}, subscriber {subscriber.name}")
            stamp = renewed
    finally:
        if not run.done():
            run.cancel()
            with contextlib.suppress(BaseException):
                await run


async def _record_failure(
    event_id: int, subscriber_name: str, policy: Policy, exc: BaseException
) -> Outcome:
    connection = connections.get(CONNECTION)
    _, rows = await connection.execute_query(
        sql(
            connection,
            "SELECT attempts FROM event_delivery WHERE event_id = %s AND subscriber = %s "
            "AND due_at IS NOT NULL",
        ),
        [event_id, subscriber_name],
    )
    if not rows:
        return Outcome.SKIPPED
    attempt = int(rows[0]["attempts"]) + 1
    final = attempt >= policy.max_attempts or isinstance(exc, PermanentFailure)
    now = utcnow()
    error = _error_text(exc)
    if final:
        state, due, finished = DeliveryState.FAILED, None, db_time(connection, now)
    else:
        delay = policy.retry_delay(attempt)
        state, due, finished = (
            DeliveryState.RETRYING,
            db_time(connection, now + timedelta(seconds=delay)),
            None,
        )
    # `attempts` is assigned last: MySQL evaluates assignments left to right.
    await connection.execute_query(
        sql(
            connection,
            "UPDATE event_delivery SET state = %s, due_at = %s, finished_at = %s, "
            "last_error = %s, attempts = attempts + 1 "
            "WHERE event_id = %s AND subscriber = %s AND due_at IS NOT NULL",
        ),
        [state.value, due, finished, error, event_id, subscriber_name],
    )
    log = logger.error if final else logger.warning
    log(
        "subscriber %s failed on event %s (attempt %s of %s%s): %s",
        subscriber_name,
        event_id,
        attempt,
        policy.max_attempts,
        ", giving up" if final else "",
        error,
    )
    return Outcome.FAILED if final else Outcome.RETRY
