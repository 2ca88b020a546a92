"""GraphQL types of the customer timeline: one entry type per kind, in one union."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.loaders import load_by_id
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.billing.models import Invoice as InvoiceModel
from crm_graphql.domains.billing.models import Payment as PaymentModel
from crm_graphql.domains.billing.types import Invoice, Payment
from crm_graphql.domains.interactions.models import Interaction as InteractionModel
from crm_graphql.domains.interactions.types import Interaction
from crm_graphql.domains.marketing.models import CampaignMember as CampaignMemberModel
from crm_graphql.domains.marketing.types import CampaignMember
from crm_graphql.domains.orders.enums import OrderStatus
from crm_graphql.domains.orders.models import Order as OrderModel
from crm_graphql.domains.orders.types import Order
from crm_graphql.domains.sales.models import Opportunity as OpportunityModel
from crm_graphql.domains.sales.models import OpportunityStageChange as StageChangeModel
from crm_graphql.domains.sales.types import Opportunity, OpportunityStageChange
from crm_graphql.domains.support.models import Ticket as TicketModel
from crm_graphql.domains.support.models import TicketComment as TicketCommentModel
from crm_graphql.domains.support.types import Ticket, TicketComment
from crm_graphql.domains.tasks.models import Task as TaskModel
from crm_graphql.domains.tasks.types import Task
from crm_graphql.domains.timeline.enums import TimelineKind
from crm_graphql.domains.timeline.loaders import TimelineRow, encode_cursor
from crm_graphql.domains.users.models import User as UserModel
from crm_graphql.domains.users.types import User

AT = "When it happened (the feed's order: newest first)."


def _status(value: Any) -> OrderStatus | None:
    """An order status named in an audit diff; None for anything else."""
    return (
        OrderStatus(value) if isinstance(value, str) and value in OrderStatus.__members__ else None
    )


@strawberry.type(description="An interaction with the customer.")
class InteractionEntry:
    at: datetime = strawberry.field(description=AT)
    _pk: strawberry.Private[int]

    @strawberry.field(description="The interaction.", graphql_type=Interaction | None)
    async def interaction(self, info: Info) -> InteractionModel | None:
        return await load_by_id(info, InteractionModel, self._pk)


@strawberry.type(description="An order of the customer, when it was placed.")
class OrderEntry:
    at: datetime = strawberry.field(description=AT)
    _pk: strawberry.Private[int]

    @strawberry.field(description="The order.", graphql_type=Order | None)
    async def order(self, info: Info) -> OrderModel | None:
        return await load_by_id(info, OrderModel, self._pk)


@strawberry.type(description="A change of the status of one of the customer's orders.")
class OrderStatusChangeEntry:
    at: datetime = strawberry.field(description=AT)
    _pk: strawberry.Private[int]
    _order_id: strawberry.Private[int | None]

    @strawberry.field(description="The order.", graphql_type=Order | None)
    async def order(self, info: Info) -> OrderModel | None:
        return await load_by_id(info, OrderModel, self._order_id)

    async def _change(self, info: Info) -> dict[str, Any]:
        event = await load_by_id(info, AuditEvent, self._pk)
        return event.changes if event is not None and isinstance(event.changes, dict) else {}

    @strawberry.field(description="The status before; null when the log does not say.")
    async def from_status(self, info: Info) -> OrderStatus | None:
        value = (await self._change(info)).get("from")
        return _status(value)

    @strawberry.field(description="The status entered; null when the log does not say.")
    async def to_status(self, info: Info) -> OrderStatus | None:
        value = (await self._change(info)).get("status")
        return _status(value)

    @strawberry.field(description="The staff member who changed it.", graphql_type=User | None)
    async def changed_by(self, info: Info) -> UserModel | None:
        event = await load_by_id(info, AuditEvent, self._pk)
        return await load_by_id(info, UserModel, event.actor_user_id if event else None)


@strawberry.type(description="One of the customer's opportunities entering a pipeline stage.")
class OpportunityStageChangeEntry:
    at: datetime = strawberry.field(description=AT)
    _pk: strawberry.Private[int]
    _opportunity_id: strawberry.Private[int | None]

    @strawberry.field(description="The opportunity.", graphql_type=Opportunity | None)
    async def opportunity(self, info: Info) -> OpportunityModel | None:
        return await load_by_id(info, OpportunityModel, self._opportunity_id)

    @strawberry.field(description="The stage change: stage, time and who.")
    async def change(self, info: Info) -> OpportunityStageChange | None:
        row = await load_by_id(info, StageChangeModel, self._pk)
        if row is None:
            return None
        return OpportunityStageChange(
            stage=row.stage, changed_at=row.changed_at, _changed_by_id=row.changed_by_id
        )


@strawberry.type(description="A support ticket of the customer, when it was opened.")
class TicketEntry:
    at: datetime = strawberry.field(description=AT)
    _pk: strawberry.Private[int]

    @strawberry.field(description="The ticket.", graphql_type=Ticket | None)
    async def ticket(self, info: Info) -> TicketModel | None:
        return await load_by_id(info, TicketModel, self._pk)


@strawberry.type(description="A reply or internal note on one of the customer's tickets.")
class TicketCommentEntry:
    at: datetime = strawberry.field(description=AT)
    _pk: strawberry.Private[int]
    _ticket_id: strawberry.Private[int | None]

    @strawberry.field(description="The comment.", graphql_type=TicketComment | None)
    async def comment(self, info: Info) -> TicketCommentModel | None:
        return await load_by_id(info, TicketCommentModel, self._pk)

    @strawberry.field(description="The ticket it is on.", graphql_type=Ticket | None)
    async def ticket(self, info: Info) -> TicketModel | None:
        return await load_by_id(info, TicketModel, self._ticket_id)


@strawberry.type(description="A task about the customer, when it was created.")
class TaskEntry:
    at: datetime = strawberry.field(description=AT)
    _pk: strawberry.Private[int]

    @strawberry.field(description="The task.", graphql_type=Task | None)
    async def task(self, info: Info) -> TaskModel | None:
        return await load_by_id(info, TaskModel, self._pk)


@strawberry.type(description="The customer's response to a campaign.")
class CampaignResponseEntry:
    at: datetime = strawberry.field(description=AT)
    _pk: strawberry.Private[int]

    @strawberry.field(
        description="The membership: the campaign and the response (its status).",
        graphql_type=CampaignMember | None,
    )
    async def member(self, info: Info) -> CampaignMemberModel | None:
        return await load_by_id(info, CampaignMemberModel, self._pk)


@strawberry.type(description="An invoice or credit note of the customer, when it was issued.")
class InvoiceEntry:
    at: datetime = strawberry.field(description=AT)
    _pk: strawberry.Private[int]

    @strawberry.field(description="The invoice.", graphql_type=Invoice | None)
    async def invoice(self, info: Info) -> InvoiceModel | None:
        return await load_by_id(info, InvoiceModel, self._pk)


@strawberry.type(description="A payment or refund of the customer, when it was received.")
class PaymentEntry:
    at: datetime = strawberry.field(description=AT)
    _pk: strawberry.Private[int]

    @strawberry.field(description="The payment.", graphql_type=Payment | None)
    async def payment(self, info: Info) -> PaymentModel | None:
        return await load_by_id(info, PaymentModel, self._pk)


TimelineEntry = Annotated[
    InteractionEntry
    | OrderEntry
    | OrderStatusChangeEntry
    | OpportunityStageChangeEntry
    | TicketEntry
    | TicketCommentEntry
    | TaskEntry
    | CampaignResponseEntry
    | InvoiceEntry
    | PaymentEntry,
    strawberry.union(
        "TimelineEntry", description="One entry of a customer's timeline: a member per kind."
    ),
]


def entry_of(row: TimelineRow) -> Any:
    """The union member of one timeline row."""
    kind = row.kind
    if kind is TimelineKind.INTERACTION:
        return InteractionEntry(at=row.at, _pk=row.pk)
    if kind is TimelineKind.ORDER:
        return OrderEntry(at=row.at, _pk=row.pk)
    if kind is TimelineKind.ORDER_STATUS_CHANGE:
        return OrderStatusChangeEntry(at=row.at, _pk=row.pk, _order_id=row.ref)
    if kind is TimelineKind.OPPORTUNITY_STAGE_CHANGE:
        return OpportunityStageChangeEntry(at=row.at, _pk=row.pk, _opportunity_id=row.ref)
    if kind is TimelineKind.TICKET:
        return TicketEntry(at=row.at, _pk=row.pk)
    if kind is TimelineKind.TICKET_COMMENT:
        return TicketCommentEntry(at=row.at, _pk=row.pk, _ticket_id=row.ref)
    if kind is TimelineKind.TASK:
        return TaskEntry(at=row.at, _pk=row.pk)
    if kind is TimelineKind.CAMPAIGN_RESPONSE:
        return CampaignResponseEntry(at=row.at, _pk=row.pk)
    if kind is TimelineKind.INVOICE:
        return InvoiceEntry(at=row.at, _pk=row.pk)
    return PaymentEntry(at=row.at, _pk=row.pk)


@strawberry.type(description="A timeline entry with its cursor.")
class TimelineEdge:
    cursor: str = strawberry.field(description="Pass as `after` to read the entries after it.")
    at: datetime = strawberry.field(description=AT)
    kind: TimelineKind = strawberry.field(description="What the entry is about.")
    node: TimelineEntry = strawberry.field(description="The entry.")


@strawberry.type(description="Where a timeline page sits, and the cursor to read on.")
class TimelinePageInfo:
    has_next_page: bool = strawberry.field(description="True when older entries follow.")
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last entry of the page; null on an empty page."
    )


@strawberry.type(
    description="One page of a customer's timeline, newest first. Page on with `first` and "
    "`after: pageInfo.endCursor`; cursors stay valid while entries are added."
)
class TimelineConnection:
    edges: list[TimelineEdge] = strawberry.field(description="The entries with their cursors.")
    page_info: TimelinePageInfo = strawberry.field(description="Whether more entries follow.")

    @strawberry.field(description="The entries of this page, newest first.")
    def nodes(self) -> list[TimelineEntry]:
        return [edge.node for edge in self.edges]

    @classmethod
    def of(cls, rows: list[TimelineRow], has_next: bool) -> TimelineConnection:
        edges = [
            TimelineEdge(cursor=encode_cursor(row), at=row.at, kind=row.kind, node=entry_of(row))
            for row in rows
        ]
        return cls(
            edges=edges,
            page_info=TimelinePageInfo(
                has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None
            ),
        )
