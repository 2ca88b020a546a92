"""Mutations of orders: create, update, delete, items and status.

The order rules (state machine, totals, numbers, lines) live in ``services``.

Decisions worth knowing:

- Only DRAFT orders change number, currency or items, and only DRAFT orders are deleted;
  otherwise INVALID_TRANSITION. The currency changes only while the order has no items.
- Every change of an order (items, status) bumps its ``version``.
- An item without ``unitPrice`` costs the product's list price, which is only possible
  when the product is priced in the order's currency; otherwise the item must give an
  explicit ``unitPrice`` (in the order's currency), or it is refused with INVALID at its
  ``unitPrice`` path. Inactive products cannot be added to orders.
- Every mutation reads the order with a row lock, so changes of one order never
  interleave (see ``services.locked_order``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.context import Info
from crm_graphql.api.mutations.problems import Problems, UserError, UserErrorCode
from crm_graphql.api.mutations.writes import Writes
from crm_graphql.domains.orders import services
from crm_graphql.domains.orders.enums import OrderStatus
from crm_graphql.domains.orders.models import Order as OrderModel
from crm_graphql.domains.orders.models import OrderItem as OrderItemModel
from crm_graphql.domains.orders.models import OrderStatus as Status
from crm_graphql.domains.orders.types import Order


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


@strawberry.input(description="Changes to a DRAFT order: only the fields given change.")
class UpdateOrderInput:
    version: int = strawberry.field(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    )
    number: str | None = strawberry.field(default=UNSET, description="Order number, unique.")
    currency: str | None = strawberry.field(
        default=UNSET, description="ISO 4217 code; only while the order has no items."
    )


@strawberry.type(description="The result of an order mutation.")
class OrderPayload:
    order: Order | None = strawberry.field(
        description="The order as saved (as it was, for a delete); null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


ORDER = Writes(
    Order,
    OrderPayload,
    field="order",
    load=services.locked_order,
    unique={"number": services.DUPLICATE_NUMBER},
)

OrderIdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID of the order.")]


@strawberry.type
class OrderMutations:
    @strawberry.mutation(
        description="Create a DRAFT order with its items in one transaction. Totals are "
        "computed from the items. Send an `Idempotency-Key` header to retry safely."
    )
    async def create_order(
        self,
        info: Info,
        input: Annotated[CreateOrderInput, strawberry.argument(description="The order.")],
    ) -> OrderPayload:
        return await ORDER.create(info, input, services.new_order, after=services.number_order)

    @strawberry.mutation(
        description="Change a DRAFT order's number or currency (INVALID_TRANSITION otherwise)."
    )
    async def update_order(
        self,
        info: Info,
        id: OrderIdArg,
        input: Annotated[UpdateOrderInput, strawberry.argument(description="The changes.")],
    ) -> OrderPayload:
        return await ORDER.update(info, id, input, services.order_changes)

    @strawberry.mutation(
        description="Delete a DRAFT order and its items (INVALID_TRANSITION otherwise: "
        "cancel a placed order instead)."
    )
    async def delete_order(self, info: Info, id: OrderIdArg) -> OrderPayload:
        return await ORDER.delete(
            info,
            id,
            before=services.remove_draft_items,
            audit_values=lambda order: {"number": order.number},
        )

    @strawberry.mutation(
        description="Add a line to a DRAFT order; its totals are recomputed and its version bumped."
    )
    async def add_order_item(
        self,
        info: Info,
        order_id: Annotated[
            strawberry.ID, strawberry.argument(description="Global ID of the order.")
        ],
        item: Annotated[OrderItemInput, strawberry.argument(description="The line to add.")],
    ) -> OrderPayload:
        return await ORDER.act(
            info,
            order_id,
            "add_item",
            ["items"],
            services.add_item(item),
            version=None,
            path=["item"],
            id_path=["orderId"],
        )

    @strawberry.mutation(
        description="Remove a line from a DRAFT order; its totals are recomputed and its "
        "version bumped."
    )
    async def remove_order_item(
        self,
        info: Info,
        item_id: Annotated[
            strawberry.ID, strawberry.argument(description="Global ID of the order item.")
        ],
    ) -> OrderPayload:
        async def work(problems: Problems) -> OrderModel:
            pk = problems.id_of(["itemId"], item_id, "OrderItem")
            problems.check()
            item = await OrderItemModel.get_or_none(pk=pk)
            if item is None:
                problems.fail(["itemId"], "No such order item.", UserErrorCode.NOT_FOUND)
            order = await services.locked_order(item.order_id)
            assert order is not None  # the foreign key guarantees it
            await ORDER.require(problems, order, ["items"], ["itemId"])
            services.require_draft(problems, order, ["itemId"], "change items")
            if not await OrderItemModel.filter(pk=item.pk).delete():
                # Removed by a concurrent request while this one waited for the lock.
                problems.fail(["itemId"], "No such order item.", UserErrorCode.NOT_FOUND)
            await services.retotal(problems, order)
            saved = await ORDER.reload(order.pk)
            await ORDER.record(
                problems,
                "remove_item",
                order.pk,
                {"item_id": item.pk, "product_id": item.product_id, "quantity": item.quantity},
                before=order,
                after=saved,
            )
            return saved

        return await ORDER.transaction(info, work)

    @strawberry.mutation(
        description="Move an order along its state machine: DRAFT -> PLACED -> PAID -> "
        "SHIPPED; PLACED or PAID -> CANCELLED; PAID or SHIPPED -> REFUNDED. Anything else is "
        "INVALID_TRANSITION. PLACED (which needs at least one item) sets `placedAt`."
    )
    async def change_order_status(
        self,
        info: Info,
        id: OrderIdArg,
        status: Annotated[OrderStatus, strawberry.argument(description="The new status.")],
        version: Annotated[
            int,
            strawberry.argument(description="The `version` read; a stale one answers CONFLICT."),
        ],
    ) -> OrderPayload:
        target = Status(status.value if hasattr(status, "value") else status)
        return await ORDER.act(
            info,
            id,
            "status",
            ["status"],
            services.move_to(target),
            version=version,
            path=["status"],
        )
