"""GraphQL enums of the automation domain."""

from __future__ import annotations

from enum import Enum

from crm_graphql.api.enums import graphql_enum
from crm_graphql.domains.automation.models import (
    AssignmentKind,
    AssignmentTarget,
    AutomationAction,
    AutomationEntity,
    AutomationTrigger,
)

graphql_enum(
    AssignmentKind,
    "How an assignment rule picks the owner of a new lead.",
    {
        "ROUND_ROBIN": "Its users in turn.",
        "TERRITORY": "The users of the lead's country (or country-region, e.g. US-CA), in turn.",
    },
)
graphql_enum(
    AssignmentTarget,
    "What an assignment rule assigns.",
    {
        "LEAD": "New leads without an owner (their owner).",
        "TICKET": "New tickets without an assignee (their assignee; territory: the "
        "customer's country and region).",
    },
)
graphql_enum(
    AutomationEntity,
    "The kind of record an automation rule watches.",
    {"LEAD": "Leads.", "OPPORTUNITY": "Opportunities.", "TASK": "Tasks."},
)
graphql_enum(
    AutomationTrigger,
    "When an automation rule fires.",
    {
        "CREATED": "A record is created.",
        "FIELD_CHANGED": "A field changes (to a given value, if one is set).",
        "TIME_AFTER_CREATED": "`delayHours` after a record was created (the condition is "
        "checked then: e.g. a lead still NEW after 24 hours).",
        "TASK_DUE": "A task falls due (its due time passes while it is OPEN).",
        "TASK_REMINDER": "A task's reminder time comes while it is OPEN.",
        "NO_INTERACTION": "An open opportunity's customer had no interaction for "
        "`delayDays` days (counted from the last interaction, or from the opportunity's "
        "creation if later; every new interaction starts the count again).",
    },
)
graphql_enum(
    AutomationAction,
    "What an automation rule does.",
    {
        "CREATE_TASK": "Create a task about the record.",
        "ASSIGN_OWNER": "Make a user the record's owner (a task's assignee).",
        "SET_FIELD": "Set a field of the record.",
        "CALL_WEBHOOK": "POST the record, signed, to a registered webhook endpoint (a "
        "webhook delivery of type automation.rule_fired, retried like every delivery).",
    },
)


class TaskAssigneeChoice(Enum):
    """Who gets a task an automation rule creates."""

    OWNER = "OWNER"
    CREATOR = "CREATOR"
    USER = "USER"


graphql_enum(
    TaskAssigneeChoice,
    "Who gets a task an automation rule creates.",
    {
        "OWNER": "The record's owner (a task's assignee).",
        "CREATOR": "Who created the record (or the rule, when unknown).",
        "USER": "The user given in `user`.",
    },
)


class AutomationRunState(Enum):
    """Where one run of an automation rule stands (its event delivery's state)."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    RETRYING = "RETRYING"
    DONE = "DONE"
    FAILED = "FAILED"


graphql_enum(
    AutomationRunState,
    "Where one run of an automation rule stands.",
    {
        "PENDING": "Waiting to run.",
        "RUNNING": "Running.",
        "RETRYING": "Failed; runs again after a backoff.",
        "DONE": "Done (or skipped: the condition did not hold).",
        "FAILED": "Gave up; `error` says why.",
    },
)

__all__ = [
    "AssignmentKind",
    "AssignmentTarget",
    "AutomationAction",
    "AutomationEntity",
    "AutomationRunState",
    "AutomationTrigger",
    "TaskAssigneeChoice",
]
