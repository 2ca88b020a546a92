"""Assignment rules (who gets a new lead) and automation rules (what happens when a
record is created, changes, or waits too long)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields

from crm_graphql.db.models import TimestampedModel


class AssignmentKind(StrEnum):
    """How an assignment rule picks the owner."""

    ROUND_ROBIN = "ROUND_ROBIN"
    TERRITORY = "TERRITORY"


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


class AutomationAction(StrEnum):
    """What an automation rule does."""

    CREATE_TASK = "CREATE_TASK"
    ASSIGN_OWNER = "ASSIGN_OWNER"
    SET_FIELD = "SET_FIELD"


class AssignmentRule(TimestampedModel):
    """Chooses the owner of new unassigned leads: the first active rule (by position)
    whose condition holds decides."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120)
    position = fields.IntField(default=0)
    active = fields.BooleanField(default=True)
    kind = fields.CharEnumField(AssignmentKind, max_length=16)
    #: ROUND_ROBIN: the users taken in turn (their IDs).
    user_ids: fields.JSONField[list[int]] = fields.JSONField(default=list)
    #: TERRITORY: country (or country-region) codes and the users of each, taken in turn.
    territories: fields.JSONField[dict[str, list[int]]] = fields.JSONField(default=dict)
    #: The leads it applies to: a LeadFilter input (empty: every lead).
    condition: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    #: How many leads it assigned (the round-robin turn).
    assigned = fields.IntField(default=0)

    class Meta:
        table = "assignment_rule"
        indexes = (("active", "position"),)


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
    condition: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    action = fields.CharEnumField(AutomationAction, max_length=16)
    #: The action's parameters (title template, assignee, due in days, field, value).
    params: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    created_by_id = fields.IntField(null=True)

    class Meta:
        table = "automation_rule"
        indexes = (("active", "entity", "trigger"),)
