"""Mutations of orders: create, update, delete, items and status.

The order rules (state machine, totals, numbers) live in ``services``; this module
validates input, checks who may change what, writes and records the audit event, all in
the one transaction of :func:`run_mutation`. Order lines are validated in
``order_line_mutations``, the creation of an order is in ``order_create_mutations`` and
the products are changed by ``product_mutations``.

Decisions worth knowing:

- Only DRAFT orders change number, currency or items, and only DRAFT orders are deleted;
  otherwise INVALID_TRANSITION. The currency changes only while the order has no items.
- Every change of an order (items, status) bumps its ``version``.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api import validation
from crm_graphql.api.context import Info
from crm_graphql.api.mutations import (
    Problems,
    UserError,
    UserErrorCode,
    changed_fields,
    given,
    run_mutation,
    update_versioned,
)
from crm_graphql.domains.customers.models import Customer as CustomerModel
from crm_graphql.domains.orders import services
from crm_graphql.domains.orders.enums import OrderStatus
from crm_graphql.domains.orders.models import Order as OrderModel
from crm_graphql.domains.orders.models import OrderItem as OrderItemModel
from crm_graphql.domains.orders.models import OrderStatus as Status
from crm_graphql.domains.orders.order_create_mutations import (
    DUPLICATE_NUMBER,
    CreateOrderInput,
    _create_order,
    _number_taken,
)
from crm_graphql.domains.orders.order_line_mutations import OrderItemInput, _clean_items, _retotal
from crm_graphql.domains.orders.shared_mutations import Path, _diff, _record, _unique
from crm_graphql.domains.orders.types import Order


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


async def _order(
    problems: Problems, global_id: str, path: Path
) -> tuple[OrderModel, CustomerModel]:
    """The order behind ``global_id``, locked, and its customer; or NOT_FOUND."""
    pk = problems.id_of(path, global_id, "Order")
    problems.check()
    found = await _locked_order(pk)  # type: ignore[arg-type]
    if found is None:
        problems.fail(path, "No such order.", UserErrorCode.NOT_FOUND)
    return found  # type: ignore[return-value]


async def _locked_order(pk: int) -> tuple[OrderModel, CustomerModel] | None:
    """An order read with a row lock (SELECT ... FOR UPDATE), and its customer.

    The lock serialises the changes of one order. Without it two transactions adding
    items to the same order each take a shared lock on the order row (the items'
    foreign key check) and then both wait for the other's to update the totals: a
    deadlock on MySQL. SQLite ignores the clause; it has a single writer anyway. The
    customer is read apart so that it is not locked too.
    """
    order = await OrderModel.filter(pk=pk).select_for_update().first()
    if order is None:
        return None
    customer = await CustomerModel.get(pk=order.customer_id)
    return order, customer


def _require_draft(problems: Problems, order: OrderModel, path: Path, what: str) -> None:
    if order.status != Status.DRAFT:
        problems.fail(
            path,
            f"Only DRAFT orders {what}; this one is {Status(order.status).value}.",
            UserErrorCode.INVALID_TRANSITION,
        )


OrderIdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID of the order.")]


def _order_payload(outcome: Any) -> OrderPayload:
    return OrderPayload(order=outcome.first, user_errors=outcome.errors)


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
        async def work(problems: Problems) -> OrderModel:
            return await _create_order(problems, input)

        return _order_payload(await run_mutation(info, "createOrder", work))

    @strawberry.mutation(
        description="Change a DRAFT order's number or currency (INVALID_TRANSITION otherwise)."
    )
    async def update_order(
        self,
        info: Info,
        id: OrderIdArg,
        input: Annotated[UpdateOrderInput, strawberry.argument(description="The changes.")],
    ) -> OrderPayload:
        async def work(problems: Problems) -> OrderModel:
            order, customer = await _order(problems, id, ["id"])
            problems.require_change(
                "Order",
                changed_fields(input),
                is_owner=problems.owns(customer.owner_id if customer else None),
                path=["input"],
            )
            _require_draft(problems, order, ["id"], "change")
            values: dict[str, Any] = {}
            if given(input.number):
                values["number"] = validation.text(
                    problems,
                    ["input", "number"],
                    input.number,
                    max_length=services.NUMBER_LENGTH,
                    required=True,
                )
                if values["number"] and await _number_taken(values["number"], order.pk):
                    problems.add(["input", "number"], DUPLICATE_NUMBER, UserErrorCode.DUPLICATE)
            if given(input.currency):
                values["currency"] = validation.currency(
                    problems, ["input", "currency"], input.currency
                )
                changes_currency = values["currency"] not in (None, order.currency)
                if changes_currency and await OrderItemModel.filter(order_id=order.pk).exists():
                    problems.add(
                        ["input", "currency"],
                        "The order has items priced in its currency; remove them first.",
                        UserErrorCode.INVALID,
                    )
            problems.check()
            async with _unique(problems, ["input", "number"], DUPLICATE_NUMBER):
                await update_versioned(problems, OrderModel, order.pk, input.version, values)
            await _record(info, "order.update", "Order", order.pk, changes=_diff(values))
            return await OrderModel.get(pk=order.pk)

        return _order_payload(await run_mutation(info, "updateOrder", work))

    @strawberry.mutation(
        description="Delete a DRAFT order and its items (INVALID_TRANSITION otherwise: "
        "cancel a placed order instead)."
    )
    async def delete_order(self, info: Info, id: OrderIdArg) -> OrderPayload:
        async def work(problems: Problems) -> OrderModel:
            order, customer = await _order(problems, id, ["id"])
            problems.require_change(
                "Order",
                ["id"],
                is_owner=problems.owns(customer.owner_id if customer else None),
                path=["id"],
            )
            _require_draft(problems, order, ["id"], "are deleted")
            await OrderItemModel.filter(order_id=order.pk).delete()
            # The status and version in the condition: a concurrent change wins.
            deleted = await OrderModel.filter(
                pk=order.pk, version=order.version, status=Status.DRAFT
            ).delete()
            if not deleted:
                problems.fail(
                    ["id"], "The order changed meanwhile; read it again.", UserErrorCode.CONFLICT
                )
            await _record(info, "order.delete", "Order", order.pk, changes={"number": order.number})
            return order

        return _order_payload(await run_mutation(info, "deleteOrder", work))

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
        async def work(problems: Problems) -> OrderModel:
            order, customer = await _order(problems, order_id, ["orderId"])
            problems.require_change(
                "Order",
                ["items"],
                is_owner=problems.owns(customer.owner_id if customer else None),
                path=["item"],
            )
            _require_draft(problems, order, ["orderId"], "change items")
            count = await OrderItemModel.filter(order_id=order.pk).count()
            if count >= services.MAX_ITEMS:
                problems.add(
                    ["item"], f"At most {services.MAX_ITEMS} items.", UserErrorCode.TOO_MANY
                )
            lines = await _clean_items(problems, [item], [["item"]], order.currency)
            problems.check()
            added = await OrderItemModel.create(order_id=order.pk, **lines[0].columns())
            await _retotal(problems, order)
            await _record(
                info,
                "order.add_item",
                "Order",
                order.pk,
                changes={"item_id": added.pk, **_diff(lines[0].columns())},
            )
            return await OrderModel.get(pk=order.pk)

        return _order_payload(await run_mutation(info, "addOrderItem", work))

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
            found = await _locked_order(item.order_id)
            assert found is not None  # the foreign key guarantees it
            order, customer = found
            problems.require_change(
                "Order",
                ["items"],
                is_owner=problems.owns(customer.owner_id if customer else None),
                path=["itemId"],
            )
            _require_draft(problems, order, ["itemId"], "change items")
            if not await OrderItemModel.filter(pk=item.pk).delete():
                # Removed by a concurrent request while this one waited for the lock.
                problems.fail(["itemId"], "No such order item.", UserErrorCode.NOT_FOUND)
            await _retotal(problems, order)
            await _record(
                info,
                "order.remove_item",
                "Order",
                order.pk,
                changes={
                    "item_id": item.pk,
                    "product_id": item.product_id,
                    "quantity": item.quantity,
                },
            )
            return await OrderModel.get(pk=order.pk)

        return _order_payload(await run_mutation(info, "removeOrderItem", work))

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
        async def work(problems: Problems) -> OrderModel:
            order, customer = await _order(problems, id, ["id"])
            problems.require_change(
                "Order",
                ["status"],
                is_owner=problems.owns(customer.owner_id if customer else None),
                path=["status"],
            )
            target = Status(status.value if hasattr(status, "value") else status)
            count = (
                await OrderItemModel.filter(order_id=order.pk).count()
                if target is Status.PLACED
                else 0
            )
            try:
                changes = services.transition_changes(order.status, target, item_count=count)
            except services.TransitionRefused as refused:
                problems.fail(["status"], str(refused), UserErrorCode.INVALID_TRANSITION)
            await update_versioned(problems, OrderModel, order.pk, version, changes)
            await _record(
                info,
                "order.status",
                "Order",
                order.pk,
                changes={"from": Status(order.status).value, **_diff(changes)},
            )
            return await OrderModel.get(pk=order.pk)

        return _order_payload(await run_mutation(info, "changeOrderStatus", work))
