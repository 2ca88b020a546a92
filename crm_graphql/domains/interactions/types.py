"""GraphQL types of interactions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.loaders import related
from crm_graphql.api.node import Node, node_type
from crm_graphql.api.permissions import CONVERSATION, guarded_field
from crm_graphql.domains.interactions.enums import Channel, Direction
from crm_graphql.domains.interactions.filters import INTERACTION_REFERENCES
from crm_graphql.domains.interactions.models import Interaction as InteractionModel
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
    body: str | None = guarded_field(CONVERSATION, "Full text: message body or notes.", attr="body")
    occurred_at: datetime = strawberry.field(description="When it happened.")
    duration_seconds: int | None = strawberry.field(
        description="How long it lasted, for calls and meetings."
    )
    outcome: str | None = strawberry.field(description="What came of it.")
    created_at: datetime = strawberry.field(description="When it was recorded.")
    version: int = strawberry.field(
        description="Incremented by every change; send it back with `updateInteraction`."
    )

    @strawberry.field(description="The customer it was with.")
    def customer(self, root: InteractionModel, info: Info) -> CustomerRef:
        return related(info, root, "customer", INTERACTION_REFERENCES["customer"])

    @strawberry.field(description="The staff member who recorded it.")
    def author(self, root: InteractionModel, info: Info) -> User | None:
        return related(info, root, "author", INTERACTION_REFERENCES["author"])

    @strawberry.field(description="The opportunity it belongs to, if any.")
    def opportunity(self, root: InteractionModel, info: Info) -> OpportunityRef | None:
        return related(info, root, "opportunity", INTERACTION_REFERENCES["opportunity"])
