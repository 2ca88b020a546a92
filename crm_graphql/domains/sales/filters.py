"""Filters and sort orders of opportunity lists."""

from __future__ import annotations

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.filters import (
    DateFilter,
    DateTimeFilter,
    DecimalFilter,
    EnumFilter,
    FilterInput,
    IDFilter,
    IntFilter,
    StringFilter,
    filter_input,
)
from crm_graphql.api.pagination.cursors import SortKey
from crm_graphql.api.pagination.listing import sortable
from crm_graphql.api.roles import FINANCIAL
from crm_graphql.domains.sales.enums import OpportunityStage
from crm_graphql.domains.sales.models import Opportunity


@strawberry.input(description="Conditions on a OpportunityStage value.")
class OpportunityStageFilter(EnumFilter[OpportunityStage]):
    pass


@filter_input("opportunities")
class OpportunityFilter(FilterInput):
    model = Opportunity
    guarded = {"amount": FINANCIAL}

    name: StringFilter | None = strawberry.field(default=UNSET, description="Name.")
    stage: OpportunityStageFilter | None = strawberry.field(default=UNSET, description="Stage.")
    amount: DecimalFilter | None = strawberry.field(default=UNSET, description="Amount.")
    currency: StringFilter | None = strawberry.field(default=UNSET, description="Currency code.")
    probability: IntFilter | None = strawberry.field(
        default=UNSET, description="Win probability in percent."
    )
    expected_close_date: DateFilter | None = strawberry.field(
        default=UNSET, description="Expected close date."
    )
    closed_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When it was won or lost."
    )
    created_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When it was created."
    )
    customer: IDFilter | None = strawberry.field(default=UNSET, description="The customer.")
    company: IDFilter | None = strawberry.field(default=UNSET, description="The company.")
    owner: IDFilter | None = strawberry.field(default=UNSET, description="The owner.")
    campaign: IDFilter | None = strawberry.field(
        default=UNSET, description="The campaign it came from."
    )


OPPORTUNITY_LIST = sortable(
    "Opportunity",
    Opportunity,
    {
        "CREATED_AT": ("created_at", "Creation time."),
        "AMOUNT": ("amount", "Amount."),
        "EXPECTED_CLOSE_DATE": ("expected_close_date", "Expected close date."),
        "STAGE": ("stage", "Stage name."),
        "NAME": ("name", "Name."),
    },
    default=(SortKey("created_at", True),),
    filter=OpportunityFilter,
    guarded={"AMOUNT": FINANCIAL},
)
