"""GraphQL enums of the tasks domain."""

from __future__ import annotations

from crm_graphql.api.enums import graphql_enum
from crm_graphql.domains.tasks.models import TaskPriority, TaskStatus

graphql_enum(
    TaskStatus,
    "Whether a task is still to do.",
    {
        "OPEN": "To do.",
        "DONE": "Done (`completeTask`); `reopenTask` makes it OPEN again.",
        "CANCELLED": "No longer needed.",
    },
)
graphql_enum(
    TaskPriority,
    "How important a task is.",
    {"LOW": "Can wait.", "NORMAL": "The usual.", "HIGH": "Do it first."},
)

__all__ = ["TaskPriority", "TaskStatus"]
