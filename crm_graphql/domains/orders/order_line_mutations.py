"""Order lines in mutations: the item input, its validation and the order totals.

An item without ``unitPrice`` costs the product's list price, which is only possible when
the product is priced in the order's currency; otherwise the item must give an explicit
``unitPrice`` (in the order's currency), or it is refused with INVALID at its
``unitPrice`` path. Inactive products cannot be added to orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import strawberry

from crm_graphql.api import validation
from crm_graphql.api.mutations import Problems, UserErrorCode, update_versioned
from crm_graphql.domains.orders import services
from crm_graphql.domains.orders.models import Order as OrderModel
from crm_graphql.domains.orders.models import Product as ProductModel
from crm_graphql.domains.orders.shared_mutations import Path


@strawberry.input(description="One line of an order.")
class OrderItemInput:
    product: strawberry.ID = strawberry.field(description="Product ID (an active product).")
    quantity: int = strawberry.field(
        description=f"Units, {services.MIN_QUANTITY} to {services.MAX_QUANTITY}."
    )
    unit_price: Decimal | None = strawberry.field(
        default=None,
        description="Price per unit in the order's currency; defaults to the product's "
        "price, which requires the product to be priced in the order's currency.",
    )


@dataclass
class _Line:
    """A validated order line, ready to insert."""

    product_id: int
    quantity: int
    unit_price: Decimal
    line_total: Decimal

    def columns(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "quantity": self.quantity,
            "unit_price": self.unit_price,
            "line_total": self.line_total,
        }


async def _clean_items(
    problems: Problems,
    items: Sequence[OrderItemInput],
    paths: Sequence[Path],
    currency: str | None,
) -> list[_Line]:
    """Validate order lines (all problems at once): products in one query.

    ``currency`` is the order's; None when it is itself invalid (then the currency of
    the products is not compared).
    """
    pks = [
        problems.id_of([*path, "product"], item.product, "Product")
        for item, path in zip(items, paths, strict=True)
    ]
    wanted = {pk for pk in pks if pk is not None}
    products = {p.pk: p for p in await ProductModel.filter(pk__in=wanted)} if wanted else {}
    lines: list[_Line] = []
    for item, path, pk in zip(items, paths, pks, strict=True):
        product = products.get(pk) if pk is not None else None
        if pk is not None and product is None:
            problems.add([*path, "product"], "No such product.", UserErrorCode.NOT_FOUND)
        elif product is not None and not product.active:
            problems.add(
                [*path, "product"], "The product is no longer sold.", UserErrorCode.INVALID
            )
        if not services.MIN_QUANTITY <= item.quantity <= services.MAX_QUANTITY:
            problems.add(
                [*path, "quantity"],
                f"From {services.MIN_QUANTITY} to {services.MAX_QUANTITY}.",
                UserErrorCode.OUT_OF_RANGE,
            )
        price: Decimal | None = None
        if item.unit_price is not None:
            price = validation.money(problems, [*path, "unitPrice"], item.unit_price)
        elif product is not None:
            if currency is not None and product.currency != currency:
                problems.add(
                    [*path, "unitPrice"],
                    f"The product is priced in {product.currency}: give a unit price in "
                    f"{currency}.",
                    UserErrorCode.INVALID,
                )
            else:
                price = Decimal(str(product.unit_price))
        if product is None or price is None or problems.errors:
            continue
        total = services.line_total(item.quantity, price)
        if total > validation.MAX_AMOUNT:
            problems.add(
                [*path, "quantity"], "The line total is too large.", UserErrorCode.OUT_OF_RANGE
            )
            continue
        lines.append(_Line(product.pk, item.quantity, price, total))
    return lines


def _check_totals(problems: Problems, totals: services.Totals, path: Path) -> None:
    if totals.total > validation.MAX_AMOUNT:
        problems.add(path, "The order total is too large.", UserErrorCode.OUT_OF_RANGE)


async def _retotal(
    problems: Problems, order: OrderModel, extra: dict[str, Any] | None = None
) -> None:
    """Recompute an order's totals from its stored items and bump its version (the
    version read guards against a concurrent change: CONFLICT)."""
    totals = await services.stored_totals(order.pk)
    _check_totals(problems, totals, ["item"])
    problems.check()
    await update_versioned(
        problems, OrderModel, order.pk, order.version, {**totals.columns(), **(extra or {})}
    )
