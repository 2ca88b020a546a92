"""What customers, orders, opportunities and interactions may be grouped by and summed.

One :class:`AggregateSpec` per kind of record, with its group-key type; the other
GraphQL types are made from them (see ``aggregates``). A new groupable field is one
line in the field enum, one in the spec and one on the key type.
"""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from crm_graphql.api.dynamic_types import enum_of
from crm_graphql.api.enums import graphql_enum
from crm_graphql.api.references import key_reference
from crm_graphql.api.roles import FINANCIAL
from crm_graphql.domains.analytics.aggregates import (
    AggregateSpec,
    GroupField,
    NumericField,
    by_reference,
    group_by_input,
    group_types,
)
from crm_graphql.domains.customers.enums import CustomerSource, LifecycleStage
from crm_graphql.domains.customers.models import Customer as CustomerModel
from crm_graphql.domains.interactions.enums import Channel, Direction
from crm_graphql.domains.interactions.models import Interaction as InteractionModel
from crm_graphql.domains.orders.enums import OrderStatus
from crm_graphql.domains.orders.models import Order as OrderModel
from crm_graphql.domains.sales.enums import OpportunityStage
from crm_graphql.domains.sales.models import Opportunity as OpportunityModel

_PERIOD = "The local start of the period (grouped by this date with a granularity)."


def _field_enum(type_name: str, values: dict[str, str]) -> type:
    enum = enum_of(f"{type_name}GroupField", values)
    return graphql_enum(enum, f"Fields {type_name} records can be grouped by.", values)


# --------------------------------------------------------------------------- customers


CustomerGroupField = _field_enum(
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
    created_at: datetime | None = strawberry.field(default=None, description=_PERIOD)
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
)
CUSTOMER_TYPES = group_types("Customer", CustomerGroupKey, CUSTOMERS.numeric)


# --------------------------------------------------------------------------- orders


OrderGroupField = _field_enum(
    "Order",
    {
        "STATUS": "Status.",
        "CURRENCY": "Currency.",
        "CUSTOMER": "Customer.",
        "PLACED_AT": "When it was placed (with a granularity).",
        "CREATED_AT": "Creation time (with a granularity).",
    },
)
OrderGroupBy = group_by_input("OrderGroupBy", OrderGroupField)


@strawberry.type(description="What the orders of a group share; keys not grouped by are null.")
class OrderGroupKey:
    status: OrderStatus | None = strawberry.field(default=None, description="Status.")
    currency: str | None = strawberry.field(default=None, description="Currency.")
    placed_at: datetime | None = strawberry.field(default=None, description=_PERIOD)
    created_at: datetime | None = strawberry.field(default=None, description=_PERIOD)
    _customer_id: strawberry.Private[int | None] = None

    customer = key_reference(OrderModel, "customer", "The customer.")


ORDERS = AggregateSpec(
    view="ordersAggregate",
    model=OrderModel,
    fields={
        "STATUS": GroupField("status", "status", convert=OrderStatus),
        "CURRENCY": GroupField("currency", "currency"),
        "CUSTOMER": by_reference("customer"),
        "PLACED_AT": GroupField("placed_at", "placed_at", "datetime"),
        "CREATED_AT": GroupField("created_at", "created_at", "datetime"),
    },
    numeric=(
        NumericField("total", "total", "Order total.", money=True, readable_by=FINANCIAL),
        NumericField("subtotal", "subtotal", "Subtotal.", money=True, readable_by=FINANCIAL),
        NumericField("tax_total", "tax_total", "Tax.", money=True, readable_by=FINANCIAL),
    ),
    key_type=OrderGroupKey,
)
ORDER_TYPES = group_types("Order", OrderGroupKey, ORDERS.numeric)


# --------------------------------------------------------------------------- opportunities


OpportunityGroupField = _field_enum(
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
    created_at: datetime | None = strawberry.field(default=None, description=_PERIOD)
    closed_at: datetime | None = strawberry.field(default=None, description=_PERIOD)
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
)
OPPORTUNITY_TYPES = group_types("Opportunity", OpportunityGroupKey, OPPORTUNITIES.numeric)


# --------------------------------------------------------------------------- interactions


InteractionGroupField = _field_enum(
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
    occurred_at: datetime | None = strawberry.field(default=None, description=_PERIOD)
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
)
INTERACTION_TYPES = group_types("Interaction", InteractionGroupKey, INTERACTIONS.numeric)
