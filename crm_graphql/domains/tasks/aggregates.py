"""Task records in groups: ``tasksAggregate``."""

from __future__ import annotations

from datetime import datetime

import strawberry

from crm_graphql.api.aggregation.aggregates import (
    PERIOD_KEY,
    AggregateSpec,
    GroupField,
    aggregate_field,
    by_reference,
    group_by_input,
    group_field_enum,
    group_types,
)
from crm_graphql.api.references import key_reference
from crm_graphql.domains.tasks.enums import TaskPriority, TaskStatus
from crm_graphql.domains.tasks.filters import TaskFilter
from crm_graphql.domains.tasks.models import Task as TaskModel

TaskGroupField = group_field_enum(
    "Task",
    {
        "STATUS": "Status.",
        "PRIORITY": "Priority.",
        "ASSIGNEE": "Assignee.",
        "DUE_AT": "Due time (with a granularity).",
        "COMPLETED_AT": "When it was done (with a granularity).",
    },
)
TaskGroupBy = group_by_input("TaskGroupBy", TaskGroupField)


@strawberry.type(description="What the tasks of a group share; keys not grouped by are null.")
class TaskGroupKey:
    status: TaskStatus | None = strawberry.field(default=None, description="Status.")
    priority: TaskPriority | None = strawberry.field(default=None, description="Priority.")
    due_at: datetime | None = strawberry.field(default=None, description=PERIOD_KEY)
    completed_at: datetime | None = strawberry.field(default=None, description=PERIOD_KEY)
    _assignee_id: strawberry.Private[int | None] = None

    assignee = key_reference(TaskModel, "assignee", "The assignee.")


TASKS = AggregateSpec(
    view="tasksAggregate",
    model=TaskModel,
    fields={
        "STATUS": GroupField("status", "status", convert=TaskStatus),
        "PRIORITY": GroupField("priority", "priority", convert=TaskPriority),
        "ASSIGNEE": by_reference("assignee"),
        "DUE_AT": GroupField("due_at", "due_at", "datetime"),
        "COMPLETED_AT": GroupField("completed_at", "completed_at", "datetime"),
    },
    numeric=(),
    key_type=TaskGroupKey,
    filter_input=TaskFilter,
)
TASK_TYPES = group_types("Task", TaskGroupKey, TASKS.numeric)


@strawberry.type
class TaskAggregateQueries:
    tasks_aggregate = aggregate_field(
        TASKS, TASK_TYPES, TaskGroupBy, description="Tasks in groups: counts."
    )
