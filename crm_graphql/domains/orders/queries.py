"""Root query fields of the orders domain."""

from __future__ import annotations

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.filters import filter_q
from crm_graphql.api.ids import decode_id
from crm_graphql.api.loaders import load_by_id
from crm_graphql.api.pagination import (
    After,
    Before,
    Connection,
    FilterArg,
    First,
    IdArg,
    Last,
    OrderByArg,
    list_page,
)
from crm_graphql.domains.orders.filters import (
    ORDER_LIST,
    PRODUCT_LIST,
    OrderFilter,
    OrderOrderBy,
    ProductFilter,
    ProductOrderBy,
)
from crm_graphql.domains.orders.models import Order as OrderModel
from crm_graphql.domains.orders.models import Product as ProductModel
from crm_graphql.domains.orders.types import Order, Product


@strawberry.type
class OrderQueries:
    @strawberry.field(description="One product by global ID; null when there is none.")
    async def product(self, info: Info, id: IdArg) -> Product | None:
        return await load_by_id(info, ProductModel, decode_id(id, "Product"))

    @strawberry.field(description="The product catalogue, by name by default.")
    async def products(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: FilterArg[ProductFilter | None] = None,
        order_by: OrderByArg[list[ProductOrderBy] | None] = None,
    ) -> Connection[Product]:
        return await list_page(
            info,
            PRODUCT_LIST,
            filter_q(filter, info),
            first=first,
            after=after,
            last=last,
            before=before,
            order_by=order_by,
        )

    @strawberry.field(description="One order by global ID; null when there is none.")
    async def order(self, info: Info, id: IdArg) -> Order | None:
        return await load_by_id(info, OrderModel, decode_id(id, "Order"))

    @strawberry.field(description="Orders of all customers, newest first by default.")
    async def orders(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: FilterArg[OrderFilter | None] = None,
        order_by: OrderByArg[list[OrderOrderBy] | None] = None,
    ) -> Connection[Order]:
        return await list_page(
            info,
            ORDER_LIST,
            filter_q(filter, info),
            first=first,
            after=after,
            last=last,
            before=before,
            order_by=order_by,
        )
