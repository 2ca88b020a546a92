"""The demo step of billing: most orders invoiced, most invoices paid, some late; numbers
gap-free per year and the counters at the last number; amounts add up."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from crm_graphql.demo.seed import generate
from crm_graphql.domains.billing.models import (
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    InvoiceStatus,
    PaymentAllocation,
)
from crm_graphql.domains.orders.models import Order, OrderStatus
from tests.billing.flows import CREATE, ISSUE, line, ok
from tests.factories import gid, make_customer


async def test_seed_invoices_most_orders_and_most_invoices_are_paid(gql, db):
    report = await generate(80, 5, batch_size=500, progress=False, options={"tickets": 0})
    invoices = await Invoice.all()
    placed = await Order.filter(
        status__in=(OrderStatus.PLACED, OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.REFUNDED)
    ).count()
    assert len(invoices) == report.rows["invoice"]
    assert 0.8 * placed <= len(invoices) <= placed
    paid = [i for i in invoices if i.status == InvoiceStatus.PAID]
    assert len(paid) > 0.7 * len(invoices)
    late = [
        i
        for i in invoices
        if i.status in (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)
        and i.due_date < date(2026, 10, 1)
    ]
    assert late, "some invoices are overdue"
    # Gap-free numbers per year, counters at the last one.
    numbers: dict[int, list[int]] = defaultdict(list)
    for invoice in invoices:
        _, year, n = invoice.number.split("-")
        numbers[int(year)].append(int(n))
    for year, found in numbers.items():
        assert sorted(found) == list(range(1, len(found) + 1))
        assert (await InvoiceCounter.get(series="INV", year=year)).last_number == len(found)
    # Every invoice's amounts are the sums of its lines and its payments.
    lines: dict[int, Decimal] = defaultdict(Decimal)
    for row in await InvoiceLine.all():
        lines[row.invoice_id] += row.gross_amount
    allocated: dict[int, Decimal] = defaultdict(Decimal)
    for row in await PaymentAllocation.all():
        allocated[row.invoice_id] += row.amount
    for invoice in invoices:
        assert invoice.total == lines[invoice.pk]
        assert invoice.amount_paid == allocated[invoice.pk]
        assert invoice.balance == invoice.total - invoice.amount_paid
    # The next invoice issued through the API continues the year's numbering.
    year = max(numbers)
    draft = await ok(
        gql,
        CREATE,
        {
            "input": {
                "customer": gid(await make_customer()),
                "currency": "EUR",
                "lines": [line(1, "5")],
            }
        },
    )
    issued = await ok(
        gql, ISSUE, {"id": draft["id"], "version": draft["version"], "date": f"{year}-12-31"}
    )
    assert issued["number"] == f"INV-{year}-{len(numbers[year]) + 1:05d}"
