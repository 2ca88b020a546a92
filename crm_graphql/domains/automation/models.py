"""Assignment rules (who gets a new lead) and automation rules (what happens when a
record is created, changes, or waits too long)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from crm_graphql.db.models import TimestampedModel
from crm_graphql.events import OutboxEvent


class AssignmentKind(StrEnum):
    """How an assignment rule picks the owner."""

    ROUND_ROBIN = "ROUND_ROBIN"
    TERRITORY = "TERRITORY"


class AssignmentTarget(StrEnum):
    """The kind of new record an assignment rule gives an owner."""

    LEAD = "LEAD"
    TICKET = "TICKET"


class AutomationEntity(StrEnum):
    """The kind of record an automation rule watches."""

    LEAD = "LEAD"
    OPPORTUNITY = "OPPORTUNITY"
    TASK = "TASK"


class AutomationTrigger(StrEnum):
    """When an automation rule fires."""

    CREATED = "CREATED"
    FIELD_CHANGED = "FIELD_CHANGED"
    TIME_AFTER_CREATED = "TIME_AFTER_CREATED"
    TASK_DUE = "TASK_DUE"
    TASK_REMINDER = "TASK_REMINDER"
    NO_INTERACTION = "NO_INTERACTION"


class AutomationAction(StrEnum):
    """What an automation rule does."""

    CREATE_TASK = "CREATE_TASK"
    ASSIGN_OWNER = "ASSIGN_OWNER"
    SET_FIELD = "SET_FIELD"
    CALL_WEBHOOK = "CALL_WEBHOOK"


class AssignmentRule(TimestampedModel):
    """Chooses the owner of new unassigned leads (or tickets): the first active rule (by
    position) whose condition holds decides."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120)
    #: What it assigns: new leads (their owner) or new tickets (their assignee).
    target = fields.CharEnumField(AssignmentTarget, max_length=8, default=AssignmentTarget.LEAD)
    position = fields.IntField(default=0)
    active = fields.BooleanField(default=True)
    kind = fields.CharEnumField(AssignmentKind, max_length=16)
    #: ROUND_ROBIN: the users taken in turn (their IDs).
    user_ids: fields.JSONField[list[int]] = fields.JSONField(default=list)
    #: TERRITORY: country (or country-region) codes and the users of each, taken in turn.
    territories: fields.JSONField[dict[str, list[int]]] = fields.JSONField(default=dict)
    #: The records it applies to: a LeadFilter or TicketFilter input (empty: every one).
    condition: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    #: How many leads it assigned (the round-robin turn).
    assigned = fields.IntField(default=0)

    class Meta:
        table = "assignment_rule"
        indexes = (("active", "target", "position"),)


class AutomationRule(TimestampedModel):
    """A trigger on one kind of record, a condition in the list's filter input, and an
    action with its parameters."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120)
    active = fields.BooleanField(default=True)
    entity = fields.CharEnumField(AutomationEntity, max_length=16)
    trigger = fields.CharEnumField(AutomationTrigger, max_length=24)
    #: FIELD_CHANGED: the field (GraphQL name) and optionally the value it changed to.
    field = fields.CharField(max_length=64, null=True)
    to_value = fields.CharField(max_length=64, null=True)
    #: TIME_AFTER_CREATED: hours after the record's creation.
    delay_hours = fields.IntField(null=True)
    #: NO_INTERACTION: days without an interaction with the opportunity customer.
    delay_days = fields.IntField(null=True)
    condition: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    action = fields.CharEnumField(AutomationAction, max_length=16)
    #: The action's parameters (title template, assignee, due in days, field, value).
    params: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    created_by_id = fields.IntField(null=True)

    class Meta:
        table = "automation_rule"
        indexes = (("active", "entity", "trigger"),)


class AutomationRun(Model):
    """One run of an automation rule on one record: the rule_matched event that runs it,
    with the record it is about (its state is the event delivery of automation.run)."""

    id = fields.BigIntField(primary_key=True)
    rule: fields.ForeignKeyRelation[AutomationRule] = fields.ForeignKeyField(
        "models.AutomationRule", related_name="runs", on_delete=fields.CASCADE
    )
    rule_id: int
    #: lead, opportunity or task, and its primary key.
    record_type = fields.CharField(max_length=16)
    record_id = fields.IntField()
    event: fields.ForeignKeyRelation[OutboxEvent] = fields.ForeignKeyField(
        "models.OutboxEvent", related_name="automation_runs", on_delete=fields.CASCADE
    )
    event_id: int
    created_at = fields.DatetimeField()

    class Meta:
        table = "automation_run"
        unique_together = (("event",),)
        indexes = (("rule_id", "created_at"), ("record_type", "record_id", "created_at"))
