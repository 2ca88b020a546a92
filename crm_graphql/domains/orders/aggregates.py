"""Order records in groups: ``ordersAggregate``, counts, sums, averages, extremes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from crm_graphql.api.aggregation.aggregates import (
    PERIOD_KEY,
    AggregateSpec,
    GroupField,
    NumericField,
    by_reference,
    group_by_argument,
    group_by_input,
    group_field_enum,
    group_types,
    resolve_aggregate,
)
from crm_graphql.api.aggregation.arguments import GroupsFirstArg, TimeZoneArg
from crm_graphql.api.context import Info
from crm_graphql.api.pagination.fields import FilterArg
from crm_graphql.api.references import key_reference
from crm_graphql.api.roles import FINANCIAL
from crm_graphql.domains.orders.enums import OrderStatus
from crm_graphql.domains.orders.filters import OrderFilter
from crm_graphql.domains.orders.models import Order as OrderModel

OrderGroupField = group_field_enum(
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
    placed_at: datetime | None = strawberry.field(default=None, description=PERIOD_KEY)
    created_at: datetime | None = strawberry.field(default=None, description=PERIOD_KEY)
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

#: The GraphQL type of the aggregate.
OrderAggregate = ORDER_TYPES.result


@strawberry.type
class OrderAggregateQueries:
    @strawberry.field(description="Orders in groups: counts, sums, averages, extremes.")
    async def orders_aggregate(
        self,
        info: Info,
        filter: FilterArg[OrderFilter | None] = None,
        group_by: Annotated[list[OrderGroupBy] | None, group_by_argument()] = None,
        time_zone: TimeZoneArg = "UTC",
        first: GroupsFirstArg = None,
    ) -> OrderAggregate:
        return await resolve_aggregate(
            info, ORDERS, ORDER_TYPES, filter, group_by, time_zone, first
        )
