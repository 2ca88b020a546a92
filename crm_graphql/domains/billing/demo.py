"""Demo data of billing: invoices for most orders, payments for most invoices, some late.

``seed`` runs :func:`seed_invoices` after the core records. Of the orders placed (not
drafts or cancelled ones) a share ``invoiced_share`` (default 0.9) is invoiced on the
day it was placed, with the order's lines and a tax rate per product (19 %, 7 % or 0 %,
written to the products too); invoices are numbered gap-free per year in the order of
their issue dates and the counters are set to the last number. Most invoices are paid
(one bank transfer or card payment each), mostly within their 30 days, some late, some
in part; a few are never paid, and invoices issued lately are still open.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from crm_graphql.api.roles import Role
from crm_graphql.domains.billing import services
from crm_graphql.domains.billing.models import (
    Invoice,
    InvoiceCounter,
    InvoiceKind,
    InvoiceLine,
    Payment,
    PaymentAllocation,
    PaymentMethod,
)
from crm_graphql.domains.orders.models import Order, OrderItem, OrderStatus, Product

INVOICED_SHARE = 0.9
#: Tax rates given to the demo products, by product ID modulo their number.
TAX_RATES = (Decimal("19.00"), Decimal("7.00"), Decimal("19.00"), Decimal("0.00"))
TERMS_DAYS = services.DEFAULT_PAYMENT_TERMS_DAYS
#: Orders read (and invoices written) per transaction.
CHUNK = 5000
STATUSES = (OrderStatus.PLACED, OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.REFUNDED)


class Run(Protocol):
    """What the seed's demo run gives a step (see ``crm_graphql.demo.steps.DemoRun``)."""

    seed: int
    customer_ids: list[int]
    staff: dict[Role, list[int]]
    batch_size: int
    now: datetime
    options: Mapping[str, float]

    def rng(self, name: str) -> random.Random: ...


def _insert(model: Any, columns: tuple[str, ...], mysql: bool) -> str:
    quote, mark = ("`", "%s") if mysql else ('"', "?")
    names = ", ".join(f"{quote}{column}{quote}" for column in columns)
    marks = ", ".join([mark] * len(columns))
    return f"INSERT INTO {quote}{model._meta.db_table}{quote} ({names}) VALUES ({marks})"


INVOICE_COLUMNS = (
    "id", "kind", "series", "number", "status", "customer_id", "order_id", "currency",
    "payment_terms_days", "issue_date", "due_date", "issued_at", "subtotal", "tax_total",
    "total", "amount_paid", "amount_credited", "balance", "version", "created_at",
    "updated_at",
)  # fmt: skip
LINE_COLUMNS = (
    "invoice_id", "position", "product_id", "description", "quantity", "unit_price",
    "discount_percent", "tax_rate", "net_amount", "tax_amount", "gross_amount", "version",
    "created_at", "updated_at",
)  # fmt: skip
PAYMENT_COLUMNS = (
    "id", "customer_id", "amount", "currency", "method", "received_at", "reference",
    "unallocated", "version", "created_at", "updated_at",
)  # fmt: skip
ALLOCATION_COLUMNS = (
    "payment_id", "invoice_id", "amount", "version", "created_at", "updated_at",
)  # fmt: skip


async def _top(connection: Any, model: Any) -> int:
    _, found = await connection.execute_query(
        f"SELECT COALESCE(MAX(id), 0) AS top FROM {model._meta.db_table}"
    )
    return int(next(iter(dict(found[0]).values())))


def _payment_delay(rng: random.Random) -> float | None:
    """Days from issue to payment: mostly within the terms, some late, a few never."""
    if rng.random() < 0.03:
        return None
    return min(400.0, rng.lognormvariate(math.log(18), 0.55))


async def seed_invoices(run: Run) -> dict[str, int]:
    """Write the demo invoices, their lines, payments and allocations."""
    share = float(run.options.get("invoiced_share", INVOICED_SHARE))
    if share <= 0 or not run.customer_ids:
        return {}
    rng = run.rng("billing")
    connection = get_connection("default")
    mysql = connection.capabilities.dialect == "mysql"
    low, high = run.customer_ids[0], run.customer_ids[-1]

    def stamp(moment: datetime | None) -> Any:
        if moment is None:
            return None
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if mysql else str(moment)

    # Tax rates of the products (the invoices copy them).
    names = dict(await Product.all().values_list("id", "name"))
    products = list(names)
    by_rate: dict[Decimal, list[int]] = defaultdict(list)
    for pk in products:
        by_rate[TAX_RATES[pk % len(TAX_RATES)]].append(pk)
    for rate, pks in by_rate.items():
        await Product.filter(pk__in=pks, tax_rate__isnull=True).update(tax_rate=rate)
    rates = {pk: TAX_RATES[pk % len(TAX_RATES)] for pk in products}

    orders = (
        await Order.filter(
            customer_id__gte=low,
            customer_id__lte=high,
            status__in=STATUSES,
            placed_at__isnull=False,
        )
        .order_by("placed_at", "id")
        .values_list("id", "customer_id", "currency", "placed_at")
    )
    chosen = [row for row in orders if rng.random() < share]
    counters = {
        (row.series, row.year): row.last_number
        for row in await InvoiceCounter.filter(series=services.SERIES[InvoiceKind.INVOICE])
    }
    next_invoice = await _top(connection, Invoice) + 1
    next_payment = await _top(connection, Payment) + 1
    now = run.now
    written = {"invoice": 0, "invoice_line": 0, "payment": 0, "payment_allocation": 0}
    series = services.SERIES[InvoiceKind.INVOICE]
    for start in range(0, len(chosen), CHUNK):
        part = chosen[start : start + CHUNK]
        items: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for row in (
            await OrderItem.filter(order_id__in=[o[0] for o in part])
            .order_by("id")
            .values_list("order_id", "product_id", "quantity", "unit_price")
        ):
            items[row[0]].append(row)
        invoices: list[tuple[Any, ...]] = []
        lines: list[tuple[Any, ...]] = []
        payments: list[tuple[Any, ...]] = []
        allocations: list[tuple[Any, ...]] = []
        for order_id, customer_id, currency, placed_at in part:
            order_items = items.get(order_id)
            if not order_items:
                continue
            placed = placed_at if placed_at.tzinfo else placed_at.replace(tzinfo=UTC)
            issued_at = placed.replace(microsecond=0)
            day: date = issued_at.date()
            key = (series, day.year)
            counters[key] = counters.get(key, 0) + 1
            number = services.format_number(series, day.year, counters[key])
            pk = next_invoice
            next_invoice += 1
            subtotal = tax = Decimal("0.00")
            for position, (_, product_id, quantity, unit_price) in enumerate(order_items, 1):
                price = services.money(unit_price)
                rate = rates.get(product_id, Decimal("0.00"))
                amounts = services.line_amounts(quantity, price, Decimal("0"), rate)
                subtotal += amounts.net
                tax += amounts.tax
                lines.append(
                    (pk, position, product_id, names.get(product_id, "Product"), quantity, price,
                     Decimal("0.00"), rate, amounts.net, amounts.tax, amounts.gross, 1,
                     stamp(issued_at), stamp(issued_at))
                )  # fmt: skip
            total = subtotal + tax
            paid = Decimal("0.00")
            delay = _payment_delay(rng)
            received = issued_at + timedelta(days=delay) if delay is not None else None
            if received is not None and received <= now and total > 0:
                paid = total if rng.random() > 0.04 else (total / 2).quantize(services.CENT)
                payment_pk = next_payment
                next_payment += 1
                method = rng.choice(
                    (PaymentMethod.BANK_TRANSFER, PaymentMethod.BANK_TRANSFER, PaymentMethod.CARD)
                )
                payments.append(
                    (payment_pk, customer_id, paid, currency, method.value,
                     stamp(received.replace(microsecond=0)), f"PAY-{payment_pk:07d}",
                     Decimal("0.00"), 1, stamp(received), stamp(received))
                )  # fmt: skip
                allocations.append(
                    (payment_pk, pk, paid, 1, stamp(received), stamp(received))
                )  # fmt: skip
            status = services.settled_status(InvoiceKind.INVOICE, total, paid, Decimal("0"))
            invoices.append(
                (pk, InvoiceKind.INVOICE.value, series, number, status.value, customer_id,
                 order_id, currency, TERMS_DAYS, day.isoformat(),
                 (day + timedelta(days=TERMS_DAYS)).isoformat(), stamp(issued_at), subtotal,
                 tax, total, paid, Decimal("0.00"), total - paid, 1, stamp(issued_at),
                 stamp(received if paid else issued_at))
            )  # fmt: skip
        async with in_transaction("default") as transaction:
            for model, columns, rows in (
                (Invoice, INVOICE_COLUMNS, invoices),
                (InvoiceLine, LINE_COLUMNS, lines),
                (Payment, PAYMENT_COLUMNS, payments),
                (PaymentAllocation, ALLOCATION_COLUMNS, allocations),
            ):
                sql = _insert(model, columns, mysql)
                for first in range(0, len(rows), run.batch_size):
                    batch = [list(row) for row in rows[first : first + run.batch_size]]
                    await transaction.execute_many(sql, batch)
                written[model._meta.db_table] += len(rows)
    for (name, year), last in counters.items():
        updated = await InvoiceCounter.filter(series=name, year=year).update(last_number=last)
        if not updated:
            await InvoiceCounter.create(series=name, year=year, last_number=last)
    return written
