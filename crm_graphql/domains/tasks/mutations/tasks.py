"""Mutations of tasks: create, update, complete, reopen, cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.context import Info
from crm_graphql.api.mutations.problems import UserError
from crm_graphql.api.mutations.writes import Writes
from crm_graphql.domains.tasks import services
from crm_graphql.domains.tasks.enums import TaskPriority
from crm_graphql.domains.tasks.types import Task


@strawberry.input(description="A new task; it starts OPEN.")
class CreateTaskInput:
    title: str = strawberry.field(description="What to do (1-200 characters).")
    due_at: datetime = strawberry.field(description="When it is due.")
    remind_at: datetime | None = strawberry.field(
        default=None, description="When to remind the assignee (not after `dueAt`)."
    )
    notes: str | None = strawberry.field(default=None, description="Details.")
    priority: TaskPriority = strawberry.field(
        default=TaskPriority.NORMAL, description="How important it is."
    )
    assignee: strawberry.ID | None = strawberry.field(
        default=None, description="Who does it (an active user); the caller when omitted."
    )
    customer: strawberry.ID | None = strawberry.field(
        default=None, description="The customer it is about."
    )
    lead: strawberry.ID | None = strawberry.field(default=None, description="The lead it is about.")
    opportunity: strawberry.ID | None = strawberry.field(
        default=None, description="The opportunity it is about."
    )
    order: strawberry.ID | None = strawberry.field(
        default=None, description="The order it is about."
    )
    ticket: strawberry.ID | None = strawberry.field(
        default=None, description="The support ticket it is about."
    )


@strawberry.input(description="Changes to a task: only the fields given change.")
class UpdateTaskInput:
    version: int = strawberry.field(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    )
    title: str | None = strawberry.field(default=UNSET, description="What to do.")
    due_at: datetime | None = strawberry.field(default=UNSET, description="Due time.")
    remind_at: datetime | None = strawberry.field(
        default=UNSET, description="Reminder time; null: no reminder."
    )
    notes: str | None = strawberry.field(default=UNSET, description="Details.")
    priority: TaskPriority | None = strawberry.field(default=UNSET, description="Priority.")
    assignee: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Who does it; null: unassigned."
    )


@strawberry.type(description="The result of a task mutation.")
class TaskPayload:
    task: Task | None = strawberry.field(description="The task as saved; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


TASK = Writes(Task, TaskPayload, field="task")

IdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID of the task.")]
VersionArg = Annotated[
    int, strawberry.argument(description="The `version` read; a stale one answers CONFLICT.")
]


@strawberry.type
class TaskMutations:
    @strawberry.mutation(
        description="Create a task; its reminder and due time become scheduled events."
    )
    async def create_task(
        self,
        info: Info,
        input: Annotated[CreateTaskInput, strawberry.argument(description="The task.")],
    ) -> TaskPayload:
        return await TASK.create(info, input, services.new_task, after=services.after_write)

    @strawberry.mutation(description="Change a task: only the fields given change.")
    async def update_task(
        self,
        info: Info,
        id: IdArg,
        input: Annotated[UpdateTaskInput, strawberry.argument(description="The changes.")],
    ) -> TaskPayload:
        return await TASK.update(info, id, input, services.task_changes, after=services.after_write)

    @strawberry.mutation(
        description="Mark an OPEN task DONE (its reminder is dropped); anything else is "
        "INVALID_TRANSITION."
    )
    async def complete_task(self, info: Info, id: IdArg, version: VersionArg) -> TaskPayload:
        principal = info.context.principal
        caller = principal.user_id if principal is not None else None
        return await TASK.act(
            info,
            id,
            "complete",
            ["status"],
            services.complete(caller),
            version=version,
            after=services.after_write,
        )

    @strawberry.mutation(
        description="Make a DONE or CANCELLED task OPEN again (its reminder is scheduled "
        "again); an OPEN one is INVALID_TRANSITION."
    )
    async def reopen_task(self, info: Info, id: IdArg, version: VersionArg) -> TaskPayload:
        return await TASK.act(
            info,
            id,
            "reopen",
            ["status"],
            services.reopen,
            version=version,
            after=services.after_write,
        )

    @strawberry.mutation(description="Cancel an OPEN task (no longer needed).")
    async def cancel_task(self, info: Info, id: IdArg, version: VersionArg) -> TaskPayload:
        return await TASK.act(
            info,
            id,
            "cancel",
            ["status"],
            services.cancel_task,
            version=version,
            after=services.after_write,
        )
