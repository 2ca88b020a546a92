"""The rules of orders: the status state machine, totals and order numbers.

Plain functions over the models, free of GraphQL, so that the mutations and the command
line apply the same rules. They never commit: callers run them inside their transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError

from crm_graphql.api import validation
from crm_graphql.api.json import plain
from crm_graphql.api.mutations.inputs import given
from crm_graphql.api.mutations.problems import Path, Problems, UserErrorCode
from crm_graphql.api.mutations.transaction import update_versioned
from crm_graphql.api.mutations.writes import Change
from crm_graphql.db.values import column_values
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.orders.models import Order, OrderItem, OrderStatus, Product

#: The state machine: the statuses each status may move to.
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.DRAFT: frozenset({OrderStatus.PLACED}),
    OrderStatus.PLACED: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED, OrderStatus.REFUNDED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.REFUNDED: frozenset(),
}

#: Units of one product on one line.
MIN_QUANTITY = 1
MAX_QUANTITY = 10_000
#: Lines in one order.
MAX_ITEMS = 200
#: Length of the ``number`` column.
NUMBER_LENGTH = 32
#: Tax is not modelled yet: every order's tax is zero.
TAX_RATE = Decimal("0")

_CENT = Decimal("0.01")


class TransitionRefused(Exception):
    """A status change the state machine (or an order's content) does not allow."""


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    """Whether an order in ``current`` may move to ``target``."""
    return target in TRANSITIONS[OrderStatus(current)]


def transition_changes(
    current: OrderStatus, target: OrderStatus, *, item_count: int, now: datetime | None = None
) -> dict[str, Any]:
    """The column values of moving an order from ``current`` to ``target``.

    Raises :class:`TransitionRefused` for a move the state machine forbids, and for
    placing an order without items (nothing to pay for).
    """
    if not can_transition(current, target):
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[OrderStatus(current)])) or "none"
        raise TransitionRefused(
            f"An order in {OrderStatus(current).value} cannot become {target.value} "
            f"(allowed: {allowed})."
        )
    changes: dict[str, Any] = {"status": target}
    if target is OrderStatus.PLACED:
        if item_count == 0:
            raise TransitionRefused("An order without items cannot be placed.")
        changes["placed_at"] = now or datetime.now(UTC)
    return changes


def line_total(quantity: int, unit_price: Decimal) -> Decimal:
    """What one line costs: quantity x unit price, in cents."""
    return (unit_price * quantity).quantize(_CENT)


@dataclass(frozen=True)
class Totals:
    """An order's amounts, computed from its lines."""

    subtotal: Decimal
    tax_total: Decimal
    total: Decimal

    def columns(self) -> dict[str, Decimal]:
        """The values of the order's total columns."""
        return {"subtotal": self.subtotal, "tax_total": self.tax_total, "total": self.total}


def compute_totals(line_totals: Iterable[Decimal]) -> Totals:
    """Subtotal = sum of the lines, tax = subtotal x TAX_RATE, total = subtotal + tax."""
    subtotal = sum((Decimal(str(amount)) for amount in line_totals), Decimal("0")).quantize(_CENT)
    tax_total = (subtotal * TAX_RATE).quantize(_CENT)
    return Totals(subtotal=subtotal, tax_total=tax_total, total=subtotal + tax_total)


async def stored_totals(order_id: int) -> Totals:
    """The totals of an order from the items in the database (one SELECT)."""
    amounts = await column_values(OrderItem.filter(order_id=order_id), "line_total")
    return compute_totals(amounts)


def placeholder_number() -> str:
    """A unique stand-in for a new order's number until its primary key is known."""
    return f"PENDING-{secrets.token_hex(12)}"


def generated_number(order: Order) -> str:
    """The human-readable number of an order: ORD-<year>-<primary key, 6+ digits>.

    Derived from the primary key, so unique among generated numbers without a counter.
    """
    year = (order.created_at or datetime.now(UTC)).year
    return f"ORD-{year}-{order.pk:06d}"


def fallback_number(order: Order) -> str:
    """A generated number for the rare order whose :func:`generated_number` was already
    chosen by hand for another order."""
    return f"{generated_number(order)}-{secrets.token_hex(3).upper()}"


# --------------------------------------------------------------------------- mutations


DUPLICATE_NUMBER = "Another order has this number."
DUPLICATE_SKU = "Another product has this SKU."
PRODUCT_IN_USE = "The product is on orders; deactivate it instead."
#: Length limits of the product columns (the description is TEXT: a sane cap).
SKU_LENGTH = 64
NAME_LENGTH = 200
DESCRIPTION_LENGTH = 10_000


async def number_taken(number: str, own_pk: int | None = None) -> bool:
    """Whether another order has this number."""
    query = Order.filter(number=number)
    if own_pk is not None:
        query = query.exclude(pk=own_pk)
    return await query.exists()


async def customer_owner(order: Order) -> int | None:
    """Who owns an order: the owner of its customer."""
    owners = await column_values(Customer.filter(pk=order.customer_id), "owner_id")
    return owners[0] if owners else None


async def locked_order(pk: int) -> Order | None:
    """An order read with a row lock (SELECT ... FOR UPDATE).

    The lock serialises the changes of one order. Without it two transactions adding
    items to the same order each take a shared lock on the order row (the items'
    foreign key check) and then both wait for the other's to update the totals: a
    deadlock on MySQL. SQLite ignores the clause; it has a single writer anyway.
    """
    return await Order.filter(pk=pk).select_for_update().first()


def require_draft(problems: Problems, order: Order, path: Path, what: str) -> None:
    """Only DRAFT orders change their number, currency or items, or are deleted."""
    if order.status != OrderStatus.DRAFT:
        problems.fail(
            path,
            f"Only DRAFT orders {what}; this one is {OrderStatus(order.status).value}.",
            UserErrorCode.INVALID_TRANSITION,
        )


@dataclass
class OrderLine:
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


async def order_lines(
    problems: Problems, items: Sequence[Any], paths: Sequence[Path], currency: str | None
) -> list[OrderLine]:
    """Validate order lines (all problems at once): products in one query.

    An item without ``unit_price`` costs the product's list price, which is only possible
    when the product is priced in the order's currency (``currency``; None when it is
    itself invalid: then it is not compared); otherwise the item must give an explicit
    price, or it is refused with INVALID at its ``unitPrice`` path. Inactive products
    cannot be added to orders.
    """
    pks = [
        problems.id_of([*path, "product"], item.product, "Product")
        for item, path in zip(items, paths, strict=True)
    ]
    wanted = {pk for pk in pks if pk is not None}
    products = {p.pk: p for p in await Product.filter(pk__in=wanted)} if wanted else {}
    lines: list[OrderLine] = []
    for item, path, pk in zip(items, paths, pks, strict=True):
        product = products.get(pk) if pk is not None else None
        if pk is not None and product is None:
            problems.add([*path, "product"], "No such product.", UserErrorCode.NOT_FOUND)
        elif product is not None and not product.active:
            problems.add(
                [*path, "product"], "The product is no longer sold.", UserErrorCode.INVALID
            )
        if not MIN_QUANTITY <= item.quantity <= MAX_QUANTITY:
            problems.add(
                [*path, "quantity"],
                f"From {MIN_QUANTITY} to {MAX_QUANTITY}.",
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
        total = line_total(item.quantity, price)
        if total > validation.MAX_AMOUNT:
            problems.add(
                [*path, "quantity"], "The line total is too large.", UserErrorCode.OUT_OF_RANGE
            )
            continue
        lines.append(OrderLine(product.pk, item.quantity, price, total))
    return lines


def check_totals(problems: Problems, totals: Totals, path: Path) -> None:
    if totals.total > validation.MAX_AMOUNT:
        problems.add(path, "The order total is too large.", UserErrorCode.OUT_OF_RANGE)


async def retotal(problems: Problems, order: Order) -> None:
    """Recompute an order's totals from its stored items and bump its version (the
    version read guards against a concurrent change: CONFLICT)."""
    totals = await stored_totals(order.pk)
    check_totals(problems, totals, ["item"])
    problems.check()
    await update_versioned(problems, Order, order.pk, order.version, totals.columns())


async def new_order(change: Change) -> dict[str, Any]:
    """A new DRAFT order: its customer (not deleted), currency, number (generated when
    not given, see :func:`number_order`) and lines, with totals from the lines."""
    data, problems = change.input, change.problems
    customer_id = await problems.existing_id(change.at("customer"), data.customer, "Customer")
    if customer_id is not None:
        owners = await column_values(Customer.filter(pk=customer_id), "owner_id")
        change.owner_id = owners[0] if owners else None
    currency = validation.currency(problems, change.at("currency"), data.currency)
    number = None
    if data.number is not None:
        number = validation.text(
            problems, change.at("number"), data.number, max_length=NUMBER_LENGTH, required=True
        )
        if number and await number_taken(number):
            problems.add(change.at("number"), DUPLICATE_NUMBER, UserErrorCode.DUPLICATE)
    if len(data.items) > MAX_ITEMS:
        problems.add(change.at("items"), f"At most {MAX_ITEMS} items.", UserErrorCode.TOO_MANY)
    paths: list[Path] = [change.at("items", index) for index in range(len(data.items))]
    lines = await order_lines(problems, data.items, paths, currency)
    totals = compute_totals(line.line_total for line in lines)
    check_totals(problems, totals, change.at("items"))
    change.extra["lines"] = lines
    change.audit["items"] = [plain(line.columns()) for line in lines]
    return {
        "customer_id": customer_id,
        "currency": currency,
        "number": number or placeholder_number(),
        "status": OrderStatus.DRAFT,
        **totals.columns(),
    }


async def number_order(change: Change, order: Order, values: dict[str, Any]) -> None:
    """After a new order is written: its lines, and its generated number."""
    lines: list[OrderLine] = change.extra["lines"]
    if lines:
        await OrderItem.bulk_create(
            [OrderItem(order_id=order.pk, **line.columns()) for line in lines]
        )
    if change.input.number is None:
        order.number = generated_number(order)
        try:
            await Order.filter(pk=order.pk).update(number=order.number)
        except IntegrityError:
            # Someone typed this very number by hand for another order: keep ours unique.
            order.number = fallback_number(order)
            await Order.filter(pk=order.pk).update(number=order.number)
    change.audit["number"] = order.number


async def order_changes(change: Change) -> dict[str, Any]:
    """A DRAFT order's number or currency; the currency only while it has no items."""
    data, problems, order = change.input, change.problems, change.row
    require_draft(problems, order, ["id"], "change")
    values: dict[str, Any] = {}
    if given(data.number):
        values["number"] = validation.text(
            problems, change.at("number"), data.number, max_length=NUMBER_LENGTH, required=True
        )
        if values["number"] and await number_taken(values["number"], order.pk):
            problems.add(change.at("number"), DUPLICATE_NUMBER, UserErrorCode.DUPLICATE)
    if given(data.currency):
        values["currency"] = validation.currency(problems, change.at("currency"), data.currency)
        changes_currency = values["currency"] not in (None, order.currency)
        if changes_currency and await OrderItem.filter(order_id=order.pk).exists():
            problems.add(
                change.at("currency"),
                "The order has items priced in its currency; remove them first.",
                UserErrorCode.INVALID,
            )
    return values


async def remove_draft_items(change: Change) -> None:
    """Before an order is deleted: it must be a DRAFT; its items go with it."""
    require_draft(change.problems, change.row, change.path, "are deleted")
    await OrderItem.filter(order_id=change.row.pk).delete()


def add_item(item: Any) -> Any:
    """The rules of adding ``item`` to a DRAFT order (at most ``MAX_ITEMS`` lines): the
    line is written and the totals recomputed (which bumps the version)."""

    async def add(change: Change) -> dict[str, Any]:
        problems, order = change.problems, change.row
        require_draft(problems, order, ["orderId"], "change items")
        if await OrderItem.filter(order_id=order.pk).count() >= MAX_ITEMS:
            problems.add(["item"], f"At most {MAX_ITEMS} items.", UserErrorCode.TOO_MANY)
        lines = await order_lines(problems, [item], [["item"]], order.currency)
        problems.check()
        added = await OrderItem.create(order_id=order.pk, **lines[0].columns())
        await retotal(problems, order)
        change.audit.update({"item_id": added.pk, **plain(lines[0].columns())})
        return {}

    return add


def move_to(status: OrderStatus) -> Any:
    """The rules of a status change (see :data:`TRANSITIONS`)."""

    async def move(change: Change) -> dict[str, Any]:
        order = change.row
        count = (
            await OrderItem.filter(order_id=order.pk).count() if status is OrderStatus.PLACED else 0
        )
        try:
            changes = transition_changes(order.status, status, item_count=count)
        except TransitionRefused as refused:
            change.problems.fail(["status"], str(refused), UserErrorCode.INVALID_TRANSITION)
        change.audit["from"] = OrderStatus(order.status).value
        return changes

    return move


# --------------------------------------------------------------------------- products


async def product_fields(change: Change) -> dict[str, Any]:
    """Validated column values for the product fields given (all problems at once)."""
    data, problems = change.input, change.problems
    out: dict[str, Any] = {}
    for name, limit in (("sku", SKU_LENGTH), ("name", NAME_LENGTH)):
        value = getattr(data, name)
        if given(value):
            out[name] = validation.text(
                problems, change.at(name), value, max_length=limit, required=True
            )
    if given(data.description):
        out["description"] = validation.text(
            problems, change.at("description"), data.description, max_length=DESCRIPTION_LENGTH
        )
    if given(data.unit_price):
        out["unit_price"] = validation.money(problems, change.at("unitPrice"), data.unit_price)
    if given(data.currency):
        out["currency"] = validation.currency(problems, change.at("currency"), data.currency)
    if given(data.tax_rate):
        out["tax_rate"] = tax_rate(problems, change.at("taxRate"), data.tax_rate)
    if given(data.active):
        if data.active is None:
            problems.add(change.at("active"), "Must not be null.", UserErrorCode.REQUIRED)
        out["active"] = data.active
    if out.get("sku"):
        taken = Product.filter(sku=out["sku"])
        if change.row is not None:
            taken = taken.exclude(pk=change.row.pk)
        if await taken.exists():
            problems.add(change.at("sku"), DUPLICATE_SKU, UserErrorCode.DUPLICATE)
    return out


def tax_rate(problems: Problems, path: Path, value: Decimal | None) -> Decimal | None:
    """A product's tax rate: percent from 0 to 100 with at most two decimals, or None."""
    if value is None:
        return None
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2:
        problems.add(path, "At most two decimals.", UserErrorCode.INVALID)
        return None
    if not Decimal(0) <= value <= Decimal(100):
        problems.add(path, "From 0 to 100.", UserErrorCode.OUT_OF_RANGE)
        return None
    return value.quantize(_CENT)


async def product_unused(change: Change) -> None:
    """A product on any order stays (IN_USE): deactivate it instead."""
    if await OrderItem.filter(product_id=change.row.pk).exists():
        change.problems.fail(change.path, PRODUCT_IN_USE, UserErrorCode.IN_USE)
