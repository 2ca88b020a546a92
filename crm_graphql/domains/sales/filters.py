"""Filters and sort orders of opportunity lists."""

from __future__ import annotations

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.filters import (
    DateFilter,
    DateTimeFilter,
    DecimalFilter,
    FilterInput,
    IDFilter,
    IntFilter,
    Ref,
    StringFilter,
    enum_filter,
)
from crm_graphql.api.loaders import Reference
from crm_graphql.api.pagination import SortKey, sortable
from crm_graphql.api.permissions import FINANCIAL
from crm_graphql.domains.customers.models import Company, Customer
from crm_graphql.domains.sales.enums import OpportunityStage
from crm_graphql.domains.sales.models import Opportunity
from crm_graphql.domains.users.models import User

OpportunityStageFilter = enum_filter(OpportunityStage)


@strawberry.input(description="Conditions on opportunities; all given conditions must hold.")
class OpportunityFilter(FilterInput):
    columns = {
        "customer": Ref("customer_id", "Customer"),
        "company": Ref("company_id", "Company"),
        "owner": Ref("owner_id", "User"),
    }
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
    and_: list[OpportunityFilter] | None = strawberry.field(
        default=UNSET, name="and", description="All of these must hold."
    )
    or_: list[OpportunityFilter] | None = strawberry.field(
        default=UNSET, name="or", description="At least one of these must hold."
    )
    not_: OpportunityFilter | None = strawberry.field(
        default=UNSET, name="not", description="This must not hold."
    )


#: Reference fields of Opportunity and the foreign keys they follow.
OPPORTUNITY_REFERENCES = {
    "customer": Reference(Customer, "customer_id"),
    "company": Reference(Company, "company_id"),
    "owner": Reference(User, "owner_id"),
}

OPPORTUNITY_LIST, OpportunityOrderBy = sortable(
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
    references=OPPORTUNITY_REFERENCES,
    guarded={"AMOUNT": FINANCIAL},
)
