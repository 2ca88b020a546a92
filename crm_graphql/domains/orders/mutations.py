"""Mutations of products and orders: create, update, delete, items and status.

The order rules (state machine, totals, numbers) live in ``services``; this module
validates input, checks who may change what, writes and records the audit event, all in
the one transaction of :func:`run_mutation`.

Decisions worth knowing:

- An item without ``unitPrice`` costs the product's list price, which is only possible
  when the product is priced in the order's currency; otherwise the item must give an
  explicit ``unitPrice`` (in the order's currency), or it is refused with INVALID at
  its ``unitPrice`` path. Inactive products cannot be added to orders.
- A product on any order cannot be deleted (IN_USE): deactivate it
  (``updateProduct(input: {active: false})``) so past orders keep their lines.
- Only DRAFT orders change number, currency or items, and only DRAFT orders are deleted;
  otherwise INVALID_TRANSITION. The currency changes only while the order has no items.
- Every change of an order (items, status) bumps its ``version``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.types.unset import UNSET
from tortoise.exceptions import IntegrityError

from crm_graphql.api import validation
from crm_graphql.api.context import Info
from crm_graphql.api.mutations import (
    Problems,
    UserError,
    UserErrorCode,
    changed_fields,
    given,
    plain,
    run_mutation,
    update_versioned,
)
from crm_graphql.domains.audit import services as audit
from crm_graphql.domains.audit.services import meta_from
from crm_graphql.domains.customers.models import Customer as CustomerModel
from crm_graphql.domains.orders import services
from crm_graphql.domains.orders.enums import OrderStatus
from crm_graphql.domains.orders.models import Order as OrderModel
from crm_graphql.domains.orders.models import OrderItem as OrderItemModel
from crm_graphql.domains.orders.models import OrderStatus as Status
from crm_graphql.domains.orders.models import Product as ProductModel
from crm_graphql.domains.orders.types import Order, Product

Path = list[str | int]

#: Length limits of the product columns (the description is TEXT: a sane cap).
SKU_LENGTH = 64
NAME_LENGTH = 200
DESCRIPTION_LENGTH = 10_000


# --------------------------------------------------------------------------- inputs


@strawberry.input(description="A new product.")
class CreateProductInput:
    sku: str = strawberry.field(description="Stock-keeping unit (1-64 characters), unique.")
    name: str = strawberry.field(description="Product name (1-200 characters).")
    description: str | None = strawberry.field(
        default=None, description="Longer description (at most 10,000 characters)."
    )
    unit_price: Decimal = strawberry.field(
        description="List price per unit, at most two decimals, not negative."
    )
    currency: str = strawberry.field(description="ISO 4217 currency code of the price.")
    active: bool = strawberry.field(default=True, description="Whether it is sold.")


@strawberry.input(description="Changes to a product: only the fields given change.")
class UpdateProductInput:
    version: int = strawberry.field(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    )
    sku: str | None = strawberry.field(default=UNSET, description="Stock-keeping unit.")
    name: str | None = strawberry.field(default=UNSET, description="Product name.")
    description: str | None = strawberry.field(
        default=UNSET, description="Longer description; null clears."
    )
    unit_price: Decimal | None = strawberry.field(
        default=UNSET, description="List price; lines already ordered keep their price."
    )
    currency: str | None = strawberry.field(default=UNSET, description="ISO 4217 code.")
    active: bool | None = strawberry.field(
        default=UNSET, description="False stops selling it (the way to retire a product)."
    )


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


# --------------------------------------------------------------------------- payloads


@strawberry.type(description="The result of a product mutation.")
class ProductPayload:
    product: Product | None = strawberry.field(
        description="The product as saved (as it was, for a delete); null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


@strawberry.type(description="The result of an order mutation.")
class OrderPayload:
    order: Order | None = strawberry.field(
        description="The order as saved (as it was, for a delete); null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


# --------------------------------------------------------------------------- helpers


def _diff(values: dict[str, Any]) -> dict[str, Any]:
    return {name: plain(value) for name, value in values.items()}


@asynccontextmanager
async def _unique(problems: Problems, path: Sequence[str | int], message: str) -> AsyncIterator:
    """Turn a unique-key violation into DUPLICATE.

    The lookup before the write answers the usual case; this catches the race where a
    concurrent transaction commits the same value between that lookup and our write.
    """
    try:
        yield
    except IntegrityError:
        problems.fail(path, message, UserErrorCode.DUPLICATE)


# --------------------------------------------------------------------------- products


async def _clean_product(
    problems: Problems, data: CreateProductInput | UpdateProductInput, own_pk: int | None
) -> dict[str, Any]:
    """Validated column values for the product fields given (all problems at once)."""
    out: dict[str, Any] = {}
    for name, limit in (("sku", SKU_LENGTH), ("name", NAME_LENGTH)):
        value = getattr(data, name)
        if given(value):
            out[name] = validation.text(
                problems, ["input", name], value, max_length=limit, required=True
            )
    if given(data.description):
        out["description"] = validation.text(
            problems, ["input", "description"], data.description, max_length=DESCRIPTION_LENGTH
        )
    if given(data.unit_price):
        out["unit_price"] = validation.money(problems, ["input", "unitPrice"], data.unit_price)
    if given(data.currency):
        out["currency"] = validation.currency(problems, ["input", "currency"], data.currency)
    if given(data.active):
        if data.active is None:
            problems.add(["input", "active"], "Must not be null.", UserErrorCode.REQUIRED)
        out["active"] = data.active
    if out.get("sku"):
        taken = ProductModel.filter(sku=out["sku"])
        if own_pk is not None:
            taken = taken.exclude(pk=own_pk)
        if await taken.exists():
            problems.add(["input", "sku"], "Another product has this SKU.", UserErrorCode.DUPLICATE)
    return out


async def _product(problems: Problems, global_id: str, path: Path) -> ProductModel:
    pk = problems.id_of(path, global_id, "Product")
    problems.check()
    product = await ProductModel.get_or_none(pk=pk)
    if product is None:
        problems.fail(path, "No such product.", UserErrorCode.NOT_FOUND)
    return product  # type: ignore[return-value]


DUPLICATE_SKU = "Another product has this SKU."


# --------------------------------------------------------------------------- orders


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


async def _record(info: Info, action: str, entity_type: str, pk: int, **changes: Any) -> None:
    await audit.record(
        action, meta_from(info.context), entity_type=entity_type, entity_id=pk, **changes
    )


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


# --------------------------------------------------------------------------- schema

ProductIdArg = Annotated[
    strawberry.ID, strawberry.argument(description="Global ID of the product.")
]
OrderIdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID of the order.")]


def _product_payload(outcome: Any) -> ProductPayload:
    return ProductPayload(product=outcome.first, user_errors=outcome.errors)


def _order_payload(outcome: Any) -> OrderPayload:
    return OrderPayload(order=outcome.first, user_errors=outcome.errors)


@strawberry.type
class OrderMutations:
    @strawberry.mutation(description="Create a product. The SKU must be unique (DUPLICATE).")
    async def create_product(
        self,
        info: Info,
        input: Annotated[CreateProductInput, strawberry.argument(description="The product.")],
    ) -> ProductPayload:
        async def work(problems: Problems) -> ProductModel:
            problems.require_change(
                "Product", changed_fields(input), is_owner=False, path=["input"]
            )
            values = await _clean_product(problems, input, None)
            problems.check()
            async with _unique(problems, ["input", "sku"], DUPLICATE_SKU):
                product = await ProductModel.create(**values)
            await _record(info, "product.create", "Product", product.pk, changes=_diff(values))
            return product

        return _product_payload(await run_mutation(info, "createProduct", work))

    @strawberry.mutation(
        description="Change a product: only the fields given change. Lines already ordered "
        "keep their price."
    )
    async def update_product(
        self,
        info: Info,
        id: ProductIdArg,
        input: Annotated[UpdateProductInput, strawberry.argument(description="The changes.")],
    ) -> ProductPayload:
        async def work(problems: Problems) -> ProductModel:
            product = await _product(problems, id, ["id"])
            problems.require_change(
                "Product", changed_fields(input), is_owner=False, path=["input"]
            )
            values = await _clean_product(problems, input, product.pk)
            problems.check()
            async with _unique(problems, ["input", "sku"], DUPLICATE_SKU):
                await update_versioned(problems, ProductModel, product.pk, input.version, values)
            await _record(info, "product.update", "Product", product.pk, changes=_diff(values))
            return await ProductModel.get(pk=product.pk)

        return _product_payload(await run_mutation(info, "updateProduct", work))

    @strawberry.mutation(
        description="Delete a product nobody ordered. A product on any order is refused with "
        "IN_USE: deactivate it instead (`updateProduct(input: {active: false})`)."
    )
    async def delete_product(self, info: Info, id: ProductIdArg) -> ProductPayload:
        async def work(problems: Problems) -> ProductModel:
            product = await _product(problems, id, ["id"])
            problems.require_change("Product", ["id"], is_owner=False, path=["id"])
            in_use = "The product is on orders; deactivate it instead."
            if await OrderItemModel.filter(product_id=product.pk).exists():
                problems.fail(["id"], in_use, UserErrorCode.IN_USE)
            try:
                await ProductModel.filter(pk=product.pk).delete()
            except IntegrityError:
                # An order took the product between the check and the delete.
                problems.fail(["id"], in_use, UserErrorCode.IN_USE)
            await _record(info, "product.delete", "Product", product.pk)
            return product

        return _product_payload(await run_mutation(info, "deleteProduct", work))

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
