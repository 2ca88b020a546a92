"""GraphQL enums of the orders domain."""

from __future__ import annotations

from crm_graphql.api.enums import graphql_enum
from crm_graphql.domains.orders.models import OrderStatus

graphql_enum(
    OrderStatus,
    "Where an order stands. DRAFT -> PLACED -> PAID -> SHIPPED; PLACED or PAID -> CANCELLED; "
    "PAID or SHIPPED -> REFUNDED.",
    {
        "DRAFT": "Being prepared; not yet sent by the customer.",
        "PLACED": "Placed by the customer, awaiting payment.",
        "PAID": "Paid; counts towards lifetime value.",
        "SHIPPED": "Delivered or shipped; counts towards lifetime value.",
        "CANCELLED": "Cancelled before fulfilment.",
        "REFUNDED": "Paid, then refunded.",
    },
)

__all__ = ["OrderStatus"]
