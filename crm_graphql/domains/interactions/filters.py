"""Filters and sort orders of interaction lists."""

from __future__ import annotations

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.filters import (
    DateTimeFilter,
    EnumFilter,
    FilterInput,
    IDFilter,
    IntFilter,
    StringFilter,
    filter_input,
)
from crm_graphql.api.pagination.cursors import SortKey
from crm_graphql.api.pagination.listing import sortable
from crm_graphql.domains.interactions.enums import Channel, Direction
from crm_graphql.domains.interactions.models import Interaction


@strawberry.input(description="Conditions on a Channel value.")
class ChannelFilter(EnumFilter[Channel]):
    pass


@strawberry.input(description="Conditions on a Direction value.")
class DirectionFilter(EnumFilter[Direction]):
    pass


@filter_input("interactions")
class InteractionFilter(FilterInput):
    model = Interaction

    channel: ChannelFilter | None = strawberry.field(default=UNSET, description="Channel.")
    direction: DirectionFilter | None = strawberry.field(default=UNSET, description="Direction.")
    subject: StringFilter | None = strawberry.field(default=UNSET, description="Subject line.")
    outcome: StringFilter | None = strawberry.field(default=UNSET, description="Outcome.")
    occurred_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When it happened."
    )
    duration_seconds: IntFilter | None = strawberry.field(
        default=UNSET, description="Duration in seconds."
    )
    customer: IDFilter | None = strawberry.field(default=UNSET, description="The customer.")
    author: IDFilter | None = strawberry.field(default=UNSET, description="The staff author.")
    opportunity: IDFilter | None = strawberry.field(
        default=UNSET, description="The linked opportunity."
    )


INTERACTION_LIST = sortable(
    "Interaction",
    Interaction,
    {
        "OCCURRED_AT": ("occurred_at", "When it happened."),
        "CREATED_AT": ("created_at", "When it was recorded."),
        "CHANNEL": ("channel", "Channel name."),
        "DURATION_SECONDS": ("duration_seconds", "Duration."),
    },
    default=(SortKey("occurred_at", True),),
    filter=InteractionFilter,
)
