"""What customers, orders, opportunities and interactions may be grouped by and summed.

One :class:`AggregateSpec` per kind of record, with its group-key type; the other
GraphQL types are made from them (see ``aggregates``). A new groupable field is one
line in the field enum, one in the spec and one on the key type.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.enums import graphql_enum
from crm_graphql.api.loaders import loaded
from crm_graphql.api.permissions import FINANCIAL
from crm_graphql.domains.analytics.aggregates import (
    AggregateSpec,
    GroupField,
    NumericField,
    group_by_input,
    group_types,
)
from crm_graphql.domains.customers.enums import CustomerSource, LifecycleStage
from crm_graphql.domains.customers.models import Company as CompanyModel
from crm_graphql.domains.customers.models import Customer as CustomerModel
from crm_graphql.domains.customers.types import NOT_DELETED, Company, Customer, is_visible_customer
from crm_graphql.domains.interactions.enums import Channel, Direction
from crm_graphql.domains.interactions.models import Interaction as InteractionModel
from crm_graphql.domains.orders.enums import OrderStatus
from crm_graphql.domains.orders.models import Order as OrderModel
from crm_graphql.domains.sales.enums import OpportunityStage
from crm_graphql.domains.sales.models import Opportunity as OpportunityModel
from crm_graphql.domains.sales.types import Opportunity
from crm_graphql.domains.users.models import User as UserModel
from crm_graphql.domains.users.types import User

_PERIOD = "The local start of the period (grouped by this date with a granularity)."


def _field_enum(type_name: str, values: dict[str, str]) -> type:
    enum = Enum(f"{type_name}GroupField", {name: name for name in values})  # type: ignore[misc]
    return graphql_enum(enum, f"Fields {type_name} records can be grouped by.", values)


def _customer(info: Info, pk: int | None) -> Any:
    """The customer ``pk`` unless deleted: the row when loaded already, else an awaitable."""
    row = loaded(info, CustomerModel, pk)
    if row is None or isinstance(row, CustomerModel):
        return row if row is not None and is_visible_customer(row) else None
    return _visible_customer(row)


async def _visible_customer(pending: Awaitable[CustomerModel | None]) -> CustomerModel | None:
    row = await pending
    return row if row is not None and is_visible_customer(row) else None


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

    @strawberry.field(description="The company.")
    def company(self, info: Info) -> Company | None:
        return loaded(info, CompanyModel, self._company_id)

    @strawberry.field(description="The owner.")
    def owner(self, info: Info) -> User | None:
        return loaded(info, UserModel, self._owner_id)


CUSTOMERS = AggregateSpec(
    view="customersAggregate",
    model=CustomerModel,
    fields={
        "LIFECYCLE_STAGE": GroupField("lifecycle_stage", "lifecycle_stage", convert=LifecycleStage),
        "SOURCE": GroupField("source", "source", convert=CustomerSource),
        "COMPANY": GroupField("_company_id", "company_id", model=CompanyModel),
        "OWNER": GroupField("_owner_id", "owner_id", model=UserModel),
        "MARKETING_CONSENT": GroupField("marketing_consent", "marketing_consent", convert=bool),
        "CREATED_AT": GroupField("created_at", "created_at", "datetime"),
    },
    numeric=(),
    key_type=CustomerGroupKey,
    base=NOT_DELETED,
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

    @strawberry.field(description="The customer.")
    def customer(self, info: Info) -> Customer | None:
        return _customer(info, self._customer_id)


ORDERS = AggregateSpec(
    view="ordersAggregate",
    model=OrderModel,
    fields={
        "STATUS": GroupField("status", "status", convert=OrderStatus),
        "CURRENCY": GroupField("currency", "currency"),
        "CUSTOMER": GroupField("_customer_id", "customer_id", model=CustomerModel),
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

    @strawberry.field(description="The customer.")
    def customer(self, info: Info) -> Customer | None:
        return _customer(info, self._customer_id)

    @strawberry.field(description="The company.")
    def company(self, info: Info) -> Company | None:
        return loaded(info, CompanyModel, self._company_id)

    @strawberry.field(description="The owner.")
    def owner(self, info: Info) -> User | None:
        return loaded(info, UserModel, self._owner_id)


OPPORTUNITIES = AggregateSpec(
    view="opportunitiesAggregate",
    model=OpportunityModel,
    fields={
        "STAGE": GroupField("stage", "stage", convert=OpportunityStage),
        "CURRENCY": GroupField("currency", "currency"),
        "CUSTOMER": GroupField("_customer_id", "customer_id", model=CustomerModel),
        "COMPANY": GroupField("_company_id", "company_id", model=CompanyModel),
        "OWNER": GroupField("_owner_id", "owner_id", model=UserModel),
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

    @strawberry.field(description="The customer.")
    def customer(self, info: Info) -> Customer | None:
        return _customer(info, self._customer_id)

    @strawberry.field(description="The staff author.")
    def author(self, info: Info) -> User | None:
        return loaded(info, UserModel, self._author_id)

    @strawberry.field(description="The linked opportunity.")
    def opportunity(self, info: Info) -> Opportunity | None:
        return loaded(info, OpportunityModel, self._opportunity_id)


INTERACTIONS = AggregateSpec(
    view="interactionsAggregate",
    model=InteractionModel,
    fields={
        "CHANNEL": GroupField("channel", "channel", convert=Channel),
        "DIRECTION": GroupField("direction", "direction", convert=Direction),
        "CUSTOMER": GroupField("_customer_id", "customer_id", model=CustomerModel),
        "AUTHOR": GroupField("_author_id", "author_id", model=UserModel),
        "OPPORTUNITY": GroupField("_opportunity_id", "opportunity_id", model=OpportunityModel),
        "OCCURRED_AT": GroupField("occurred_at", "occurred_at", "datetime"),
    },
    numeric=(NumericField("duration_seconds", "duration_seconds", "Duration in seconds."),),
    key_type=InteractionGroupKey,
)
INTERACTION_TYPES = group_types("Interaction", InteractionGroupKey, INTERACTIONS.numeric)
