"""Root query fields of the tasks domain."""

from __future__ import annotations

import strawberry
from tortoise.expressions import Q

from crm_graphql.api.context import Info
from crm_graphql.api.ids import IdArg
from crm_graphql.api.node import resolve_node
from crm_graphql.api.pagination.fields import connection
from crm_graphql.domains.tasks.filters import TASK_LIST
from crm_graphql.domains.tasks.types import Task


@strawberry.type
class TaskQueries:
    @strawberry.field(description="One task by global ID; null when there is none.")
    async def task(self, info: Info, id: IdArg) -> Task | None:
        return await resolve_node(info, id, "Task")

    tasks = connection(TASK_LIST, description="Every task, soonest due first by default.")

    @connection(
        TASK_LIST,
        description="The caller's tasks (assigned to the signed-in user), soonest due "
        "first by default; `filter: { due: { overdue: true } }` or `{ due: { today: true "
        "} }` for what is late or due today.",
    )
    def my_tasks(self, info: Info) -> Q:
        principal = info.context.principal
        user_id = principal.user_id if principal is not None else None
        return Q(assignee_id=user_id) if user_id is not None else Q(pk__in=[0])
