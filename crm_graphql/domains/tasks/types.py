"""GraphQL type of tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from crm_graphql.api.columns import reads
from crm_graphql.api.context import Info
from crm_graphql.api.entities import ANY_ROW, OWN_ROWS, entity
from crm_graphql.api.node import Node
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.references import reference, visible_row
from crm_graphql.api.roles import CONVERSATION, Role
from crm_graphql.domains.customers.models import Customer as CustomerModel
from crm_graphql.domains.customers.types import Customer
from crm_graphql.domains.leads.models import Lead as LeadModel
from crm_graphql.domains.leads.types import Lead
from crm_graphql.domains.orders.models import Order as OrderModel
from crm_graphql.domains.orders.types import Order
from crm_graphql.domains.sales.models import Opportunity as OpportunityModel
from crm_graphql.domains.sales.types import Opportunity
from crm_graphql.domains.support.rules import readable_ticket
from crm_graphql.domains.support.types import Ticket
from crm_graphql.domains.tasks.enums import TaskPriority, TaskStatus
from crm_graphql.domains.tasks.models import Task as TaskModel


@strawberry.type(
    description="Something to do by a due time, about a customer, lead, opportunity, "
    "order or support ticket, with an optional reminder."
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

    @strawberry.field(
        description="The support ticket it is about, if any (null too when your role may not "
        "read that ticket).",
        graphql_type=Ticket | None,
    )
    @reads("ticket_id")
    async def ticket(self, root: TaskModel, info: Info) -> Any:
        return await readable_ticket(info, root.ticket_id)

    @strawberry.field(
        description="What it is about: its ticket, order, opportunity, lead or customer (the "
        "most specific one it has), or null.",
        graphql_type=Annotated[
            Customer | Lead | Opportunity | Order | Ticket,
            strawberry.union("TaskSubject", description="What a task can be about."),
        ]
        | None,
    )
    @reads("ticket_id", "order_id", "opportunity_id", "lead_id", "customer_id")
    async def about(self, root: TaskModel, info: Info) -> Any:
        if root.ticket_id is not None:
            return await readable_ticket(info, root.ticket_id)
        for model, pk in (
            (OrderModel, root.order_id),
            (OpportunityModel, root.opportunity_id),
            (LeadModel, root.lead_id),
            (CustomerModel, root.customer_id),
        ):
            if pk is not None:
                return await visible_row(info, model, pk)
        return None

    @strawberry.field(description="OPEN and due before now.")
    def overdue(self, root: TaskModel) -> bool:
        from datetime import UTC

        return root.status == TaskStatus.OPEN and root.due_at < datetime.now(UTC)
