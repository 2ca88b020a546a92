"""The rules of tasks: what a new or changed task may hold, completing and reopening,
and the scheduled events (reminder, due time) each open task has.

Plain functions over the models, free of GraphQL; they never commit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from crm_graphql.api import validation
from crm_graphql.api.mutations.inputs import given
from crm_graphql.api.mutations.problems import UserErrorCode
from crm_graphql.api.mutations.writes import Change
from crm_graphql.domains.tasks.models import Task, TaskPriority, TaskStatus
from crm_graphql.domains.users.models import User
from crm_graphql.events import cancel, schedule

TITLE_LENGTH = 200
NOTES_LENGTH = 20_000
#: What a task may be about: input field -> (column, GraphQL type).
SUBJECTS = {
    "customer": ("customer_id", "Customer"),
    "lead": ("lead_id", "Lead"),
    "opportunity": ("opportunity_id", "Opportunity"),
    "order": ("order_id", "Order"),
    "ticket": ("ticket_id", "Ticket"),
}


def now() -> datetime:
    return datetime.now(UTC)


async def _assignee(change: Change, global_id: str | None) -> int | None:
    pk = await change.problems.existing_id(change.at("assignee"), global_id, "User")
    if pk is not None and not await User.filter(pk=pk, is_active=True).exists():
        change.problems.add(
            change.at("assignee"), "The user is deactivated.", UserErrorCode.INVALID
        )
    return pk


async def task_fields(change: Change) -> dict[str, Any]:
    """Validated columns of the fields given (every problem at once)."""
    data, problems = change.input, change.problems
    values: dict[str, Any] = {}
    if given(data.title):
        values["title"] = validation.text(
            problems, change.at("title"), data.title, max_length=TITLE_LENGTH, required=True
        )
    if given(data.notes):
        values["notes"] = validation.text(
            problems, change.at("notes"), data.notes, max_length=NOTES_LENGTH
        )
    if given(data.due_at):
        if data.due_at is None:
            problems.add(change.at("dueAt"), "Must not be null.", UserErrorCode.REQUIRED)
        values["due_at"] = data.due_at
    if given(data.remind_at):
        values["remind_at"] = data.remind_at
    if given(data.priority) and data.priority is not None:
        values["priority"] = TaskPriority(data.priority.value)
    if given(data.assignee):
        values["assignee_id"] = await _assignee(change, data.assignee)
    for name, (column, type_name) in SUBJECTS.items():
        value = getattr(data, name, None)
        if given(value):
            values[column] = await problems.existing_id(change.at(name), value, type_name)
    due = values.get("due_at", change.row.due_at if change.row is not None else None)
    remind = values.get("remind_at", change.row.remind_at if change.row is not None else None)
    if due is not None and remind is not None and remind > due:
        problems.add(
            change.at("remindAt"),
            "The reminder comes before the due time.",
            UserErrorCode.OUT_OF_RANGE,
        )
    return values


async def new_task(change: Change) -> dict[str, Any]:
    """A new OPEN task, assigned to the caller unless someone else is given."""
    values = await task_fields(change)
    if values.get("assignee_id") is None and change.input.assignee is None:
        values["assignee_id"] = change.caller_id
    values["created_by_id"] = change.caller_id
    return values


async def task_changes(change: Change) -> dict[str, Any]:
    return await task_fields(change)


def reminder_key(pk: int) -> str:
    return f"task:{pk}:reminder"


def due_key(pk: int) -> str:
    return f"task:{pk}:due"


async def plan_events(task: Task) -> None:
    """The scheduled events of a task (in the caller's transaction): its reminder and
    its due time while it is OPEN, none otherwise. Scheduling by key replaces."""
    data = {"title": task.title, "assignee_id": task.assignee_id}
    if task.status == TaskStatus.OPEN and task.remind_at is not None:
        await schedule(
            task.remind_at, "task.reminder_due", "task", task.pk, data, key=reminder_key(task.pk)
        )
    else:
        await cancel(reminder_key(task.pk))
    if task.status == TaskStatus.OPEN:
        await schedule(task.due_at, "task.due", "task", task.pk, data, key=due_key(task.pk))
    else:
        await cancel(due_key(task.pk))


async def after_write(change: Change, row: Task, values: dict[str, Any]) -> None:
    """After a create or update: the task's scheduled events follow it."""
    await plan_events(await Task.get(pk=row.pk))


def complete(caller_id: int | None) -> Callable[[Change], Awaitable[dict[str, Any]]]:
    async def work(change: Change) -> dict[str, Any]:
        if change.row.status != TaskStatus.OPEN:
            change.problems.add(
                ["id"], "Only an OPEN task is completed.", UserErrorCode.INVALID_TRANSITION
            )
        return {"status": TaskStatus.DONE, "completed_at": now(), "completed_by_id": caller_id}

    return work


async def reopen(change: Change) -> dict[str, Any]:
    if change.row.status == TaskStatus.OPEN:
        change.problems.add(["id"], "The task is OPEN.", UserErrorCode.INVALID_TRANSITION)
    return {"status": TaskStatus.OPEN, "completed_at": None, "completed_by_id": None}


async def cancel_task(change: Change) -> dict[str, Any]:
    if change.row.status != TaskStatus.OPEN:
        change.problems.add(
            ["id"], "Only an OPEN task is cancelled.", UserErrorCode.INVALID_TRANSITION
        )
    return {"status": TaskStatus.CANCELLED}
