"""Customer records in groups: ``customersAggregate``, counts, sums, averages, extremes."""

from __future__ import annotations

from datetime import datetime

import strawberry

from crm_graphql.api.aggregation.aggregates import (
    PERIOD_KEY,
    AggregateSpec,
    GroupField,
    aggregate_field,
    by_reference,
    group_by_input,
    group_field_enum,
    group_types,
)
from crm_graphql.api.references import key_reference
from crm_graphql.domains.customers.enums import CustomerSource, LifecycleStage
from crm_graphql.domains.customers.filters import CustomerFilter
from crm_graphql.domains.customers.models import Customer as CustomerModel

CustomerGroupField = group_field_enum(
    "Customer",
    {
        "LIFECYCLE_STAGE": "Lifecycle stage.",
        "SOURCE": "Source.",
        "COMPANY": "Company.",
        "OWNER": "Owner.",
        "MARKETING_CONSENT": "Consent to marketing.",
        "CREATED_AT": "Creation time (with a granularity).",
    },
)
CustomerGroupBy = group_by_input("CustomerGroupBy", CustomerGroupField)


@strawberry.type(description="What the customers of a group share; keys not grouped by are null.")
class CustomerGroupKey:
    lifecycle_stage: LifecycleStage | None = strawberry.field(
        default=None, description="Lifecycle stage."
    )
    source: CustomerSource | None = strawberry.field(default=None, description="Source.")
    marketing_consent: bool | None = strawberry.field(
        default=None, description="Consent to marketing."
    )
    created_at: datetime | None = strawberry.field(default=None, description=PERIOD_KEY)
    _company_id: strawberry.Private[int | None] = None
    _owner_id: strawberry.Private[int | None] = None

    company = key_reference(CustomerModel, "company", "The company.")
    owner = key_reference(CustomerModel, "owner", "The owner.")


CUSTOMERS = AggregateSpec(
    view="customersAggregate",
    model=CustomerModel,
    fields={
        "LIFECYCLE_STAGE": GroupField("lifecycle_stage", "lifecycle_stage", convert=LifecycleStage),
        "SOURCE": GroupField("source", "source", convert=CustomerSource),
        "COMPANY": by_reference("company"),
        "OWNER": by_reference("owner"),
        "MARKETING_CONSENT": GroupField("marketing_consent", "marketing_consent", convert=bool),
        "CREATED_AT": GroupField("created_at", "created_at", "datetime"),
    },
    numeric=(),
    key_type=CustomerGroupKey,
    filter_input=CustomerFilter,
)
CUSTOMER_TYPES = group_types("Customer", CustomerGroupKey, CUSTOMERS.numeric)


@strawberry.type
class CustomerAggregateQueries:
    customers_aggregate = aggregate_field(
        CUSTOMERS,
        CUSTOMER_TYPES,
        CustomerGroupBy,
        description="Customers (not deleted) in groups, with their counts.",
    )
