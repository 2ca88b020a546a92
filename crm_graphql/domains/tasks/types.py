"""GraphQL type of tasks."""

from __future__ import annotations

from datetime import datetime

import strawberry

from crm_graphql.api.entities import ANY_ROW, OWN_ROWS, entity
from crm_graphql.api.node import Node
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.references import reference
from crm_graphql.api.roles import CONVERSATION, Role
from crm_graphql.domains.tasks.enums import TaskPriority, TaskStatus
from crm_graphql.domains.tasks.models import Task as TaskModel


@strawberry.type(
    description="Something to do by a due time, about a customer, lead, opportunity or "
    "order, with an optional reminder."
)
@entity(
    TaskModel,
    owner="assignee_id",
    writers={
        Role.MANAGER: ANY_ROW,
        Role.SALES: OWN_ROWS,
        Role.SUPPORT: OWN_ROWS,
        Role.MARKETING: OWN_ROWS,
    },
)
class Task(Node):
    title: str = strawberry.field(description="What to do.")
    notes: str | None = guarded_field(CONVERSATION, "Details.", attr="notes")
    due_at: datetime = strawberry.field(description="When it is due.")
    remind_at: datetime | None = strawberry.field(
        description="When the assignee is reminded; null: no reminder."
    )
    priority: TaskPriority = strawberry.field(description="How important it is.")
    status: TaskStatus = strawberry.field(description="Whether it is still to do.")
    completed_at: datetime | None = strawberry.field(description="When it was done.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    version: int = strawberry.field(
        description="Incremented by every change; send it back with updates."
    )
    assignee = reference("Who does it; null: unassigned.")
    created_by = reference("Who (or which rule's actor) created it.")
    completed_by = reference("Who completed it.")
    customer = reference("The customer it is about, if any.")
    lead = reference("The lead it is about, if any.")
    opportunity = reference("The opportunity it is about, if any.")
    order = reference("The order it is about, if any.")

    @strawberry.field(description="OPEN and due before now.")
    def overdue(self, root: TaskModel) -> bool:
        from datetime import UTC

        return root.status == TaskStatus.OPEN and root.due_at < datetime.now(UTC)
