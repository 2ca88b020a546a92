"""Tasks: something to do by a due time, about a customer, a lead, an opportunity, an
order or a ticket, with an optional reminder."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields

from crm_graphql.db.models import TimestampedModel

if TYPE_CHECKING:
    from crm_graphql.domains.customers.models import Customer
    from crm_graphql.domains.leads.models import Lead
    from crm_graphql.domains.orders.models import Order
    from crm_graphql.domains.sales.models import Opportunity
    from crm_graphql.domains.support.models import Ticket
    from crm_graphql.domains.users.models import User


class TaskStatus(StrEnum):
    """Whether a task is still to do."""

    OPEN = "OPEN"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class TaskPriority(StrEnum):
    """How important a task is."""

    LOW = "LOW"
    NORMAL = "NORMAL"
    HIGH = "HIGH"


class Task(TimestampedModel):
    """Something to do by a due time."""

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    notes = fields.TextField(null=True)
    due_at = fields.DatetimeField()
    remind_at = fields.DatetimeField(null=True)
    priority = fields.CharEnumField(TaskPriority, max_length=8, default=TaskPriority.NORMAL)
    status = fields.CharEnumField(TaskStatus, max_length=10, default=TaskStatus.OPEN)
    assignee: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="assigned_tasks", null=True, on_delete=fields.SET_NULL
    )
    assignee_id: int | None
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="created_tasks", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    customer: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="tasks", null=True, on_delete=fields.CASCADE
    )
    customer_id: int | None
    lead: fields.ForeignKeyNullableRelation[Lead] = fields.ForeignKeyField(
        "models.Lead", related_name="tasks", null=True, on_delete=fields.CASCADE
    )
    lead_id: int | None
    opportunity: fields.ForeignKeyNullableRelation[Opportunity] = fields.ForeignKeyField(
        "models.Opportunity", related_name="tasks", null=True, on_delete=fields.CASCADE
    )
    opportunity_id: int | None
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="tasks", null=True, on_delete=fields.CASCADE
    )
    order_id: int | None
    ticket: fields.ForeignKeyNullableRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="tasks", null=True, on_delete=fields.CASCADE
    )
    ticket_id: int | None
    completed_at = fields.DatetimeField(null=True)
    completed_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="completed_tasks", null=True, on_delete=fields.SET_NULL
    )
    completed_by_id: int | None
    #: Set on tasks made by automation (the rule and the event), so a redelivered event
    #: never makes a second task.
    origin_key = fields.CharField(max_length=80, null=True, unique=True)

    class Meta:
        table = "task"
        indexes = (
            ("created_at", "id"),
            ("assignee_id", "status", "due_at"),
            ("status", "due_at"),
            ("customer_id", "due_at"),
            ("lead_id", "status"),
            ("opportunity_id", "due_at"),
            ("ticket_id", "due_at"),
        )
