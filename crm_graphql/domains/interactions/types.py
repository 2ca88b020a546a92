"""GraphQL types of interactions."""

from __future__ import annotations

from datetime import datetime

import strawberry

from crm_graphql.api.entities import ANY_ROW, READABLE_PARENT, WriteRule, entity
from crm_graphql.api.node import Node
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.references import reference
from crm_graphql.api.roles import CONVERSATION, Role
from crm_graphql.domains.interactions.enums import Channel, Direction
from crm_graphql.domains.interactions.models import Interaction as InteractionModel

#: Interactions the caller authored, with customers it may read.
ON_READABLE_CUSTOMERS = WriteRule(own_only=True, parents=(("customer", READABLE_PARENT),))


@strawberry.type(description="One touch point with a customer: e-mail, call, meeting, note ...")
@entity(
    InteractionModel,
    owner="author_id",
    writers={
        Role.MANAGER: ANY_ROW,
        # Interactions with any customer the role may read; changed by their author.
        Role.SALES: ON_READABLE_CUSTOMERS,
        Role.SUPPORT: ON_READABLE_CUSTOMERS,
    },
)
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

    customer = reference("The customer it was with.")
    author = reference("The staff member who recorded it.")
    opportunity = reference("The opportunity it belongs to, if any.")
