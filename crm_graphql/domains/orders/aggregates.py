"""Order records in groups: ``ordersAggregate``, counts, sums, averages, extremes."""

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
    filter_input=OrderFilter,
)
ORDER_TYPES = group_types("Order", OrderGroupKey, ORDERS.numeric)


@strawberry.type
class OrderAggregateQueries:
    orders_aggregate = aggregate_field(
        ORDERS,
        ORDER_TYPES,
        OrderGroupBy,
        description="Orders in groups: counts, sums, averages, extremes.",
    )
