"""The customers with the highest lifetime value, most orders or most interactions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry
from tortoise.expressions import Q, Subquery

from crm_graphql.api.aggregation import rollups
from crm_graphql.api.aggregation.arguments import currency_code, require_role
from crm_graphql.api.aggregation.cache import cached_view
from crm_graphql.api.aggregation.core import Dimension, Measure, aggregate
from crm_graphql.api.context import Info
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.loaders import loaded, preload, selected_fields
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.roles import FINANCIAL
from crm_graphql.domains.analytics.enums import TopCustomersBy
from crm_graphql.domains.analytics.models import (
    CustomerInteractionsTally,
    CustomerOrdersTally,
    CustomerValueTally,
)
from crm_graphql.domains.customers.models import Customer as CustomerModel
from crm_graphql.domains.customers.types import Customer
from crm_graphql.domains.interactions.models import Interaction as InteractionModel
from crm_graphql.domains.orders.models import REVENUE_STATUSES, OrderStatus
from crm_graphql.domains.orders.models import Order as OrderModel


def _visible() -> Q:
    """Rows of customers not soft-deleted. The few deleted IDs are read once (MySQL
    materialises the subquery), which is much cheaper than a join per row."""
    deleted = CustomerModel.filter(deleted_at__isnull=False).values("id")
    return ~Q(customer_id__in=Subquery(deleted))


@strawberry.type(description="A customer and the value it is ranked by.")
class TopCustomer:
    rank: int = strawberry.field(description="Position in the ranking, from 1.")
    lifetime_value: Decimal | None = guarded_field(
        FINANCIAL,
        "Sum of PAID and SHIPPED order totals in the chosen currency (ranked by "
        "LIFETIME_VALUE; null otherwise).",
        attr="lifetime_value",
    )
    order_count: int | None = strawberry.field(
        description="Orders counted (ranked by LIFETIME_VALUE: its PAID and SHIPPED orders; "
        "by ORDER_COUNT: every order but drafts); null when ranked by interactions."
    )
    interaction_count: int | None = strawberry.field(
        description="Interactions (ranked by INTERACTION_COUNT; null otherwise)."
    )
    _customer_id: strawberry.Private[int]

    @strawberry.field(description="The customer.")
    def customer(self, info: Info) -> Customer | None:
        return loaded(info, CustomerModel, self._customer_id)


async def _from_tallies(by: TopCustomersBy, currency: str, limit: int) -> list[dict[str, Any]]:
    """The ranking read top down from a per-customer tally's ranking index (the same
    order as the rows': highest first, then the lower customer ID)."""
    if by is TopCustomersBy.INTERACTION_COUNT:
        rows = await (
            CustomerInteractionsTally.filter(_visible(), interactions__gt=0)
            .order_by("-interactions", "customer_id")
            .limit(limit)
            .values("customer_id", "interactions")
        )
        return [{"customer": r["customer_id"], "interactions": r["interactions"]} for r in rows]
    if by is TopCustomersBy.ORDER_COUNT:
        rows = await (
            CustomerOrdersTally.filter(_visible(), orders__gt=0)
            .order_by("-orders", "customer_id")
            .limit(limit)
            .values("customer_id", "orders")
        )
        return [{"customer": r["customer_id"], "orders": r["orders"]} for r in rows]
    rows = await (
        CustomerValueTally.filter(_visible(), currency=currency, orders__gt=0)
        .order_by("-value_cents", "customer_id")
        .limit(limit)
        .values("customer_id", "value_cents", "orders")
    )
    return [
        {
            "customer": r["customer_id"],
            "value": (Decimal(r["value_cents"]) / 100).quantize(Decimal("0.01")),
            "orders": r["orders"],
        }
        for r in rows
    ]


async def _ranking(by: TopCustomersBy, currency: str, limit: int) -> list[dict[str, Any]]:
    if rollups.rollup_reads.get():
        rollups.note_path("rollup")
        return await _from_tallies(by, currency, limit)
    customer = [Dimension("customer", "customer_id")]
    if by is TopCustomersBy.INTERACTION_COUNT:
        return await aggregate(
            InteractionModel,
            _visible(),
            customer,
            [Measure("interactions", "count")],
            order_by=["-interactions"],
            limit=limit,
        )
    if by is TopCustomersBy.ORDER_COUNT:
        return await aggregate(
            OrderModel,
            _visible() & ~Q(status=OrderStatus.DRAFT),
            customer,
            [Measure("orders", "count")],
            order_by=["-orders"],
            limit=limit,
        )
    return await aggregate(
        OrderModel,
        _visible() & Q(status__in=REVENUE_STATUSES, currency=currency),
        customer,
        [Measure("value", "sum", "total", money=True), Measure("orders", "count")],
        order_by=["-value"],
        limit=limit,
    )


async def top_customers(
    info: Info, by: TopCustomersBy, first: int, currency: str | None
) -> list[TopCustomer]:
    """The ``first`` customers by ``by``, highest first (ties: the older customer first)."""
    if by is TopCustomersBy.LIFETIME_VALUE:
        require_role(info, FINANCIAL, "by", "lifetime value")
    maximum = info.context.settings.max_page_size
    if not 0 <= first <= maximum:
        raise CrmError(
            f"`first` must be from 0 to {maximum}.",
            ErrorCode.PAGINATION_LIMIT if first > maximum else ErrorCode.BAD_USER_INPUT,
            argument="first",
            maximum=maximum,
        )
    code = currency_code(info, currency)

    async def compute() -> list[dict[str, Any]]:
        return await _ranking(by, code, first)

    arguments = {"by": by.name, "first": first, "currency": code}
    rows = await cached_view(info, "topCustomers", arguments, compute)
    if "customer" in selected_fields(info):
        await preload(info, CustomerModel, (row["customer"] for row in rows))
    return [
        TopCustomer(
            rank=rank,
            lifetime_value=row.get("value"),
            order_count=row.get("orders"),
            interaction_count=row.get("interactions"),
            _customer_id=row["customer"],
        )
        for rank, row in enumerate(rows, start=1)
    ]
