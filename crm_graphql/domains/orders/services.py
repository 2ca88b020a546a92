"""The rules of orders: the status state machine, totals and order numbers.

Plain functions over the models, free of GraphQL, so that the mutations and the command
line apply the same rules. They never commit: callers run them inside their transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from crm_graphql.domains.orders.models import Order, OrderItem, OrderStatus

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
    amounts = await OrderItem.filter(order_id=order_id).values_list("line_total", flat=True)
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
