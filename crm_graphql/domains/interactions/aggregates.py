"""Interaction records in groups: ``interactionsAggregate``, counts, sums, averages, extremes."""

from __future__ import annotations

from datetime import datetime

import strawberry

from crm_graphql.api.aggregation.aggregates import (
    PERIOD_KEY,
    AggregateSpec,
    GroupField,
    NumericField,
    aggregate_field,
    by_reference,
    group_by_input,
    group_field_enum,
    group_types,
)
from crm_graphql.api.references import key_reference
from crm_graphql.domains.interactions.enums import Channel, Direction
from crm_graphql.domains.interactions.filters import InteractionFilter
from crm_graphql.domains.interactions.models import Interaction as InteractionModel

InteractionGroupField = group_field_enum(
    "Interaction",
    {
        "CHANNEL": "Channel.",
        "DIRECTION": "Direction.",
        "CUSTOMER": "Customer.",
        "AUTHOR": "The staff author.",
        "OPPORTUNITY": "The linked opportunity.",
        "OCCURRED_AT": "When it happened (with a granularity).",
    },
)
InteractionGroupBy = group_by_input("InteractionGroupBy", InteractionGroupField)


@strawberry.type(
    description="What the interactions of a group share; keys not grouped by are null."
)
class InteractionGroupKey:
    channel: Channel | None = strawberry.field(default=None, description="Channel.")
    direction: Direction | None = strawberry.field(default=None, description="Direction.")
    occurred_at: datetime | None = strawberry.field(default=None, description=PERIOD_KEY)
    _customer_id: strawberry.Private[int | None] = None
    _author_id: strawberry.Private[int | None] = None
    _opportunity_id: strawberry.Private[int | None] = None

    customer = key_reference(InteractionModel, "customer", "The customer.")
    author = key_reference(InteractionModel, "author", "The staff author.")
    opportunity = key_reference(InteractionModel, "opportunity", "The linked opportunity.")


INTERACTIONS = AggregateSpec(
    view="interactionsAggregate",
    model=InteractionModel,
    fields={
        "CHANNEL": GroupField("channel", "channel", convert=Channel),
        "DIRECTION": GroupField("direction", "direction", convert=Direction),
        "CUSTOMER": by_reference("customer"),
        "AUTHOR": by_reference("author"),
        "OPPORTUNITY": by_reference("opportunity"),
        "OCCURRED_AT": GroupField("occurred_at", "occurred_at", "datetime"),
    },
    numeric=(NumericField("duration_seconds", "duration_seconds", "Duration in seconds."),),
    key_type=InteractionGroupKey,
    filter_input=InteractionFilter,
)
INTERACTION_TYPES = group_types("Interaction", InteractionGroupKey, INTERACTIONS.numeric)


@strawberry.type
class InteractionAggregateQueries:
    interactions_aggregate = aggregate_field(
        INTERACTIONS,
        INTERACTION_TYPES,
        InteractionGroupBy,
        description="Interactions in groups: counts, sums, averages, extremes.",
    )
