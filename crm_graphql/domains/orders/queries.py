"""Root query fields of the orders domain."""

from __future__ import annotations

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.ids import IdArg
from crm_graphql.api.node import resolve_node
from crm_graphql.api.pagination.fields import connection
from crm_graphql.domains.orders.filters import ORDER_LIST, PRODUCT_LIST
from crm_graphql.domains.orders.types import Order, Product


@strawberry.type
class OrderQueries:
    @strawberry.field(description="One product by global ID; null when there is none.")
    async def product(self, info: Info, id: IdArg) -> Product | None:
        return await resolve_node(info, id, "Product")

    products = connection(PRODUCT_LIST, description="The product catalogue, by name by default.")

    @strawberry.field(description="One order by global ID; null when there is none.")
    async def order(self, info: Info, id: IdArg) -> Order | None:
        return await resolve_node(info, id, "Order")

    orders = connection(ORDER_LIST, description="Orders of all customers, newest first by default.")
