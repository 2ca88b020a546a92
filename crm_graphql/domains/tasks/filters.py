"""Filters and sort orders of task lists, with the overdue and due-today conditions."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import strawberry
from strawberry.types.unset import UNSET
from tortoise.expressions import Q

from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.filters import (
    DateTimeFilter,
    EnumFilter,
    FilterInput,
    IDFilter,
    LeafFilter,
    StringFilter,
    filter_input,
)
from crm_graphql.api.pagination.cursors import SortKey
from crm_graphql.api.pagination.listing import sortable
from crm_graphql.domains.tasks.enums import TaskPriority, TaskStatus
from crm_graphql.domains.tasks.models import Task


@strawberry.input(description="Conditions on a TaskStatus value.")
class TaskStatusFilter(EnumFilter[TaskStatus]):
    pass


@strawberry.input(description="Conditions on a TaskPriority value.")
class TaskPriorityFilter(EnumFilter[TaskPriority]):
    pass


def today_span(zone_name: str | None, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The start and end of today in ``zone_name`` (UTC when None), as UTC instants."""
    try:
        zone = ZoneInfo(zone_name) if zone_name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        raise CrmError(
            f"Unknown time zone {zone_name!r}.", ErrorCode.BAD_USER_INPUT, argument="filter.due"
        ) from None
    local = (now or datetime.now(UTC)).astimezone(zone)
    start = datetime.combine(local.date(), time(), zone)
    end = datetime.combine(local.date() + timedelta(days=1), time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


@strawberry.input(description="Conditions on when an open task is due, as of now.")
class TaskDueFilter(LeafFilter):
    overdue: bool | None = strawberry.field(
        default=UNSET,
        description="true: OPEN and due before now; false: anything else.",
    )
    today: bool | None = strawberry.field(
        default=UNSET, description="true: OPEN and due today (in `timeZone`); false: not."
    )
    time_zone: str | None = strawberry.field(
        default=UNSET, description="IANA time zone of `today`; UTC when omitted."
    )

    def to_q(self, column: str) -> Q:
        now = datetime.now(UTC)
        parts = []
        if self.overdue not in (UNSET, None):
            overdue = Q(status=TaskStatus.OPEN, due_at__lt=now)
            parts.append(overdue if self.overdue else ~overdue)
        if self.today not in (UNSET, None):
            start, end = today_span(self.time_zone or None)
            today = Q(status=TaskStatus.OPEN, due_at__gte=start, due_at__lt=end)
            parts.append(today if self.today else ~today)
        return Q(*parts) if parts else Q()


@filter_input("tasks")
class TaskFilter(FilterInput):
    model = Task

    title: StringFilter | None = strawberry.field(default=UNSET, description="Title.")
    status: TaskStatusFilter | None = strawberry.field(default=UNSET, description="Status.")
    priority: TaskPriorityFilter | None = strawberry.field(default=UNSET, description="Priority.")
    due_at: DateTimeFilter | None = strawberry.field(default=UNSET, description="Due time.")
    due: TaskDueFilter | None = strawberry.field(
        default=UNSET, description="Overdue or due today, as of now."
    )
    remind_at: DateTimeFilter | None = strawberry.field(default=UNSET, description="Reminder time.")
    completed_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When it was done."
    )
    created_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When it was created."
    )
    assignee: IDFilter | None = strawberry.field(
        default=UNSET, description="The assignee (`isNull: true`: unassigned)."
    )
    customer: IDFilter | None = strawberry.field(default=UNSET, description="The customer.")
    lead: IDFilter | None = strawberry.field(default=UNSET, description="The lead.")
    opportunity: IDFilter | None = strawberry.field(default=UNSET, description="The opportunity.")
    order: IDFilter | None = strawberry.field(default=UNSET, description="The order.")
    ticket: IDFilter | None = strawberry.field(default=UNSET, description="The support ticket.")


TASK_LIST = sortable(
    "Task",
    Task,
    {
        "DUE_AT": ("due_at", "Due time."),
        "CREATED_AT": ("created_at", "Creation time."),
        "PRIORITY": ("priority", "Priority name."),
        "COMPLETED_AT": ("completed_at", "When it was done."),
    },
    default=(SortKey("due_at", False),),
    filter=TaskFilter,
)
