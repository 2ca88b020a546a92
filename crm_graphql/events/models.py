"""Tables of the event machinery: the outbox, scheduled events, subscriber runs, locks.

Docstrings of models become SQL table comments: keep them free of quotes and semicolons.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class DeliveryState(StrEnum):
    """Where the run of one subscriber on one event stands."""

    #: Relayed to the queue, not yet attempted.
    PENDING = "PENDING"
    #: Failed at least once; tried again at ``due_at``.
    RETRYING = "RETRYING"
    #: A subscriber with external effects is running it (``due_at`` is its lease).
    RUNNING = "RUNNING"
    #: Done: its effect is committed. Never run again.
    DONE = "DONE"
    #: Failed on every attempt; ``last_error`` says why. Never run again by itself.
    FAILED = "FAILED"


class OutboxEvent(Model):
    """Something that happened, written in the transaction of the change it describes."""

    id = fields.BigIntField(primary_key=True)
    type = fields.CharField(max_length=100, description="e.g. opportunity.stage_changed")
    entity_type = fields.CharField(max_length=64)
    entity_id = fields.CharField(max_length=64)
    data: dict[str, Any] = fields.JSONField(default=dict)
    actor_id = fields.IntField(null=True, description="The user who caused it, if any.")
    created_at = fields.DatetimeField()
    relayed_at = fields.DatetimeField(
        null=True, description="When the relay handed it to its subscribers, null until then."
    )

    class Meta:
        table = "outbox_event"
        indexes = (("relayed_at", "id"), ("entity_type", "entity_id"), ("type", "created_at"))


class ScheduledEvent(Model):
    """An event that happens at a given time (a reminder, a due date), unique by key."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=200, unique=True)
    due_at = fields.DatetimeField(db_index=True)
    type = fields.CharField(max_length=100)
    entity_type = fields.CharField(max_length=64)
    entity_id = fields.CharField(max_length=64)
    data: dict[str, Any] = fields.JSONField(default=dict)
    actor_id = fields.IntField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "scheduled_event"


class EventDelivery(Model):
    """The run of one subscriber on one event: its state, attempts and last error."""

    id = fields.BigIntField(primary_key=True)
    event: fields.ForeignKeyRelation[OutboxEvent] = fields.ForeignKeyField(
        "models.OutboxEvent", related_name="deliveries", on_delete=fields.CASCADE
    )
    subscriber = fields.CharField(max_length=100)
    state = fields.CharEnumField(DeliveryState, max_length=16, default=DeliveryState.PENDING)
    attempts = fields.IntField(default=0)
    due_at = fields.DatetimeField(
        null=True,
        db_index=True,
        description="When it is handed to the queue again unless finished, null once finished.",
    )
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "event_delivery"
        unique_together = (("event", "subscriber"),)
        indexes = (("subscriber", "state", "created_at"),)


class EventLock(Model):
    """A named lock row: only the holder of the scheduler row runs a scheduling pass."""

    name = fields.CharField(max_length=64, primary_key=True)

    class Meta:
        table = "event_lock"
