"""Opportunity records in groups: ``opportunitiesAggregate``, counts, sums, averages, extremes."""

from __future__ import annotations

from datetime import date, datetime

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
from crm_graphql.api.roles import FINANCIAL
from crm_graphql.domains.sales.enums import OpportunityStage
from crm_graphql.domains.sales.filters import OpportunityFilter
from crm_graphql.domains.sales.models import Opportunity as OpportunityModel

OpportunityGroupField = group_field_enum(
    "Opportunity",
    {
        "STAGE": "Pipeline stage.",
        "CURRENCY": "Currency.",
        "CUSTOMER": "Customer.",
        "COMPANY": "Company.",
        "OWNER": "Owner.",
        "CREATED_AT": "Creation time (with a granularity).",
        "CLOSED_AT": "When it was won or lost (with a granularity).",
        "EXPECTED_CLOSE_DATE": "Expected close date (with a granularity).",
    },
)
OpportunityGroupBy = group_by_input("OpportunityGroupBy", OpportunityGroupField)


@strawberry.type(
    description="What the opportunities of a group share; keys not grouped by are null."
)
class OpportunityGroupKey:
    stage: OpportunityStage | None = strawberry.field(default=None, description="Stage.")
    currency: str | None = strawberry.field(default=None, description="Currency.")
    created_at: datetime | None = strawberry.field(default=None, description=PERIOD_KEY)
    closed_at: datetime | None = strawberry.field(default=None, description=PERIOD_KEY)
    expected_close_date: date | None = strawberry.field(
        default=None, description="The first day of the period (with a granularity)."
    )
    _customer_id: strawberry.Private[int | None] = None
    _company_id: strawberry.Private[int | None] = None
    _owner_id: strawberry.Private[int | None] = None

    customer = key_reference(OpportunityModel, "customer", "The customer.")
    company = key_reference(OpportunityModel, "company", "The company.")
    owner = key_reference(OpportunityModel, "owner", "The owner.")


OPPORTUNITIES = AggregateSpec(
    view="opportunitiesAggregate",
    model=OpportunityModel,
    fields={
        "STAGE": GroupField("stage", "stage", convert=OpportunityStage),
        "CURRENCY": GroupField("currency", "currency"),
        "CUSTOMER": by_reference("customer"),
        "COMPANY": by_reference("company"),
        "OWNER": by_reference("owner"),
        "CREATED_AT": GroupField("created_at", "created_at", "datetime"),
        "CLOSED_AT": GroupField("closed_at", "closed_at", "datetime"),
        "EXPECTED_CLOSE_DATE": GroupField("expected_close_date", "expected_close_date", "date"),
    },
    numeric=(
        NumericField("amount", "amount", "Amount.", money=True, readable_by=FINANCIAL),
        NumericField("probability", "probability", "Win probability in percent."),
    ),
    key_type=OpportunityGroupKey,
    filter_input=OpportunityFilter,
)
OPPORTUNITY_TYPES = group_types("Opportunity", OpportunityGroupKey, OPPORTUNITIES.numeric)


@strawberry.type
class OpportunityAggregateQueries:
    opportunities_aggregate = aggregate_field(
        OPPORTUNITIES,
        OPPORTUNITY_TYPES,
        OpportunityGroupBy,
        description="Opportunities in groups: counts, sums, averages, extremes.",
    )
