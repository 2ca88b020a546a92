"""Filters and sort orders of product and order lists."""

from __future__ import annotations

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.filters import (
    BooleanFilter,
    DateTimeFilter,
    DecimalFilter,
    EnumFilter,
    FilterInput,
    IDFilter,
    StringFilter,
    filter_input,
)
from crm_graphql.api.pagination.cursors import SortKey
from crm_graphql.api.pagination.listing import sortable
from crm_graphql.api.roles import FINANCIAL
from crm_graphql.domains.orders.enums import OrderStatus
from crm_graphql.domains.orders.loaders import attach_order_items
from crm_graphql.domains.orders.models import Order, Product


@strawberry.input(description="Conditions on a OrderStatus value.")
class OrderStatusFilter(EnumFilter[OrderStatus]):
    pass


@filter_input("products")
class ProductFilter(FilterInput):
    model = Product
    guarded = {"unit_price": FINANCIAL}

    sku: StringFilter | None = strawberry.field(default=UNSET, description="Stock-keeping unit.")
    name: StringFilter | None = strawberry.field(default=UNSET, description="Product name.")
    unit_price: DecimalFilter | None = strawberry.field(default=UNSET, description="List price.")
    currency: StringFilter | None = strawberry.field(default=UNSET, description="Currency code.")
    active: BooleanFilter | None = strawberry.field(default=UNSET, description="On sale.")


@filter_input("orders")
class OrderFilter(FilterInput):
    model = Order
    guarded = {"total": FINANCIAL}

    number: StringFilter | None = strawberry.field(default=UNSET, description="Order number.")
    status: OrderStatusFilter | None = strawberry.field(default=UNSET, description="Status.")
    currency: StringFilter | None = strawberry.field(default=UNSET, description="Currency code.")
    total: DecimalFilter | None = strawberry.field(default=UNSET, description="Order total.")
    placed_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When it was placed."
    )
    created_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When it was created."
    )
    customer: IDFilter | None = strawberry.field(default=UNSET, description="The customer.")


PRODUCT_LIST = sortable(
    "Product",
    Product,
    {
        "NAME": ("name", "Product name."),
        "SKU": ("sku", "Stock-keeping unit."),
        "UNIT_PRICE": ("unit_price", "List price."),
        "CREATED_AT": ("created_at", "Creation time."),
    },
    default=(SortKey("name", False),),
    filter=ProductFilter,
    guarded={"UNIT_PRICE": FINANCIAL},
)

ORDER_LIST = sortable(
    "Order",
    Order,
    {
        "CREATED_AT": ("created_at", "Creation time."),
        "PLACED_AT": ("placed_at", "When it was placed (drafts have none)."),
        "NUMBER": ("number", "Order number."),
        "TOTAL": ("total", "Order total."),
        "STATUS": ("status", "Status name."),
    },
    default=(SortKey("created_at", True),),
    filter=OrderFilter,
    guarded={"TOTAL": FINANCIAL},
    children={"items": attach_order_items},
)
