"""Creation of an order with its items: numbers, lines and totals in one transaction."""

from __future__ import annotations

import strawberry
from tortoise.exceptions import IntegrityError

from crm_graphql.api import validation
from crm_graphql.api.mutations import Problems, UserErrorCode
from crm_graphql.domains.customers.models import Customer as CustomerModel
from crm_graphql.domains.orders import services
from crm_graphql.domains.orders.models import Order as OrderModel
from crm_graphql.domains.orders.models import OrderItem as OrderItemModel
from crm_graphql.domains.orders.models import OrderStatus as Status
from crm_graphql.domains.orders.order_line_mutations import (
    OrderItemInput,
    _check_totals,
    _clean_items,
)
from crm_graphql.domains.orders.shared_mutations import Path, _diff, _record, _unique


@strawberry.input(description="A new order, DRAFT, with its items (all written or none).")
class CreateOrderInput:
    customer: strawberry.ID = strawberry.field(description="Customer ID (not a deleted customer).")
    currency: str = strawberry.field(description="ISO 4217 currency code of every amount.")
    number: str | None = strawberry.field(
        default=None,
        description="Order number (1-32 characters), unique; generated (ORD-<year>-<n>) "
        "when omitted.",
    )
    items: list[OrderItemInput] = strawberry.field(
        default_factory=list,
        description=f"The lines, at most {services.MAX_ITEMS}. Totals are computed from them.",
    )


DUPLICATE_NUMBER = "Another order has this number."


async def _number_taken(number: str, own_pk: int | None = None) -> bool:
    query = OrderModel.filter(number=number)
    if own_pk is not None:
        query = query.exclude(pk=own_pk)
    return await query.exists()


async def _create_order(problems: Problems, data: CreateOrderInput) -> OrderModel:
    customer_pk = problems.id_of(["input", "customer"], data.customer, "Customer")
    customer = await CustomerModel.get_or_none(pk=customer_pk) if customer_pk else None
    if customer_pk is not None and (customer is None or customer.deleted_at is not None):
        problems.add(["input", "customer"], "No such customer.", UserErrorCode.NOT_FOUND)
    fields = ["customer", "currency", "items", *(["number"] if data.number is not None else [])]
    problems.require_change(
        "Order",
        fields,
        is_owner=problems.owns(customer.owner_id if customer else None),
        path=["input"],
    )
    currency = validation.currency(problems, ["input", "currency"], data.currency)
    number = None
    if data.number is not None:
        number = validation.text(
            problems,
            ["input", "number"],
            data.number,
            max_length=services.NUMBER_LENGTH,
            required=True,
        )
        if number and await _number_taken(number):
            problems.add(["input", "number"], DUPLICATE_NUMBER, UserErrorCode.DUPLICATE)
    if len(data.items) > services.MAX_ITEMS:
        problems.add(
            ["input", "items"], f"At most {services.MAX_ITEMS} items.", UserErrorCode.TOO_MANY
        )
    paths: list[Path] = [["input", "items", index] for index in range(len(data.items))]
    lines = await _clean_items(problems, data.items, paths, currency)
    totals = services.compute_totals(line.line_total for line in lines)
    _check_totals(problems, totals, ["input", "items"])
    problems.check()

    async with _unique(problems, ["input", "number"], DUPLICATE_NUMBER):
        order = await OrderModel.create(
            customer_id=customer.pk,  # type: ignore[union-attr]
            currency=currency,
            number=number or services.placeholder_number(),
            status=Status.DRAFT,
            **totals.columns(),
        )
    if lines:
        await OrderItemModel.bulk_create(
            [OrderItemModel(order_id=order.pk, **line.columns()) for line in lines]
        )
    if number is None:
        order.number = services.generated_number(order)
        try:
            await OrderModel.filter(pk=order.pk).update(number=order.number)
        except IntegrityError:
            # Someone typed this very number by hand for another order: keep ours unique.
            order.number = services.fallback_number(order)
            await OrderModel.filter(pk=order.pk).update(number=order.number)
    await _record(
        problems.info,
        "order.create",
        "Order",
        order.pk,
        changes={
            "number": order.number,
            "customer_id": order.customer_id,
            "currency": currency,
            "items": [_diff(line.columns()) for line in lines],
            **_diff(totals.columns()),
        },
    )
    return order
