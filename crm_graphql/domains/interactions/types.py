"""GraphQL types of interactions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.loaders import load_by_id
from crm_graphql.api.node import Node, node_type
from crm_graphql.domains.interactions.enums import Channel, Direction
from crm_graphql.domains.interactions.models import Interaction as InteractionModel
from crm_graphql.domains.users.models import User as UserModel
from crm_graphql.domains.users.types import User

if TYPE_CHECKING:
    from crm_graphql.domains.customers.types import Customer
    from crm_graphql.domains.sales.types import Opportunity

CustomerRef = Annotated["Customer", strawberry.lazy("crm_graphql.domains.customers.types")]
OpportunityRef = Annotated["Opportunity", strawberry.lazy("crm_graphql.domains.sales.types")]


@strawberry.type(description="One touch point with a customer: e-mail, call, meeting, note ...")
@node_type(InteractionModel)
class Interaction(Node):
    channel: Channel = strawberry.field(description="The medium.")
    direction: Direction = strawberry.field(description="Who started it.")
    subject: str = strawberry.field(description="Subject or one-line summary.")
    body: str | None = strawberry.field(description="Full text: message body or notes.")
    occurred_at: datetime = strawberry.field(description="When it happened.")
    duration_seconds: int | None = strawberry.field(
        description="How long it lasted, for calls and meetings."
    )
    outcome: str | None = strawberry.field(description="What came of it.")
    created_at: datetime = strawberry.field(description="When it was recorded.")

    @strawberry.field(description="The customer it was with.")
    async def customer(self, root: InteractionModel, info: Info) -> CustomerRef:
        from crm_graphql.domains.customers.models import Customer as CustomerModel

        return await load_by_id(info, CustomerModel, root.customer_id)

    @strawberry.field(description="The staff member who recorded it.")
    async def author(self, root: InteractionModel, info: Info) -> User | None:
        return await load_by_id(info, UserModel, root.author_id)

    @strawberry.field(description="The opportunity it belongs to, if any.")
    async def opportunity(self, root: InteractionModel, info: Info) -> OpportunityRef | None:
        from crm_graphql.domains.sales.models import Opportunity as OpportunityModel

        return await load_by_id(info, OpportunityModel, root.opportunity_id)
