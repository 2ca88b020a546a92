"""GraphQL types of products, orders and order items."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from decimal import Decimal

import strawberry

from crm_graphql.api.columns import reads
from crm_graphql.api.context import Info
from crm_graphql.api.entities import ANY_ROW, entity
from crm_graphql.api.loaders import attached
from crm_graphql.api.node import Node
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.planner import attached_first
from crm_graphql.api.references import reference
from crm_graphql.api.roles import FINANCIAL, Role
from crm_graphql.domains.orders import services
from crm_graphql.domains.orders.enums import OrderStatus
from crm_graphql.domains.orders.loaders import load_order_items
from crm_graphql.domains.orders.models import Order as OrderModel
from crm_graphql.domains.orders.models import OrderItem as OrderItemModel
from crm_graphql.domains.orders.models import Product as ProductModel

#: Orders, their items and the catalogue are changed by managers (and ADMIN).
MANAGERS = {Role.MANAGER: ANY_ROW}


@strawberry.type(description="Something the organisation sells.")
@entity(ProductModel, writers=MANAGERS)
class Product(Node):
    sku: str = strawberry.field(description="Stock-keeping unit, unique.")
    name: str = strawberry.field(description="Product name.")
    description: str | None = strawberry.field(description="Longer description.")
    unit_price: Decimal | None = guarded_field(
        FINANCIAL,
        "List price per unit, in `currency` (order totals can be computed from it).",
        attr="unit_price",
    )
    currency: str = strawberry.field(description="ISO 4217 currency code of the price.")
    active: bool = strawberry.field(description="False once the product is no longer sold.")
    tax_rate: Decimal | None = strawberry.field(
        description="Tax rate in percent invoices apply to it (e.g. 19.00); null: the "
        "invoice's default."
    )
    created_at: datetime = strawberry.field(description="When the product was created.")
    version: int = strawberry.field(
        description="Incremented by every change; send it back with `updateProduct`."
    )


@strawberry.type(description="One line of an order: a product, a quantity and its price.")
@entity(OrderItemModel, writers=MANAGERS)
class OrderItem(Node):
    quantity: int = strawberry.field(description="Number of units.")
    unit_price: Decimal | None = guarded_field(
        FINANCIAL, "Price per unit agreed for this order, in its currency.", attr="unit_price"
    )
    line_total: Decimal | None = guarded_field(
        FINANCIAL, "quantity x unitPrice.", attr="line_total"
    )

    product = reference("The product ordered.")


@strawberry.type(description="A customer's order. Totals are computed by the server from items.")
@entity(OrderModel, owner=services.customer_owner, writers=MANAGERS)
class Order(Node):
    number: str = strawberry.field(description="Human-readable order number, unique.")
    status: OrderStatus = strawberry.field(description="Where the order stands.")
    currency: str = strawberry.field(description="ISO 4217 currency code of every amount.")
    subtotal: Decimal | None = guarded_field(FINANCIAL, "Sum of the line totals.", attr="subtotal")
    tax_total: Decimal | None = guarded_field(FINANCIAL, "Tax on the order.", attr="tax_total")
    total: Decimal | None = guarded_field(FINANCIAL, "subtotal + taxTotal.", attr="total")
    placed_at: datetime | None = strawberry.field(description="When it was placed.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    version: int = strawberry.field(
        description="Incremented by every change (items and status too); send it back with "
        "`updateOrder` and `changeOrderStatus`."
    )

    @strawberry.field(
        description="The line items, in the order they were added.",
        graphql_type=list[OrderItem],
    )
    @reads("id")
    @attached_first
    def items(
        self, root: OrderModel, info: Info
    ) -> list[OrderItemModel] | Awaitable[list[OrderItemModel]]:
        found, items = attached(root, "items")
        return items if found else load_order_items(info, root.id)

    customer = reference("The customer who ordered.")
