"""Batched loads of billing: invoice lines, payment allocations, and per-customer sums
(balance, credit, paid revenue) for the customer-360."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from tortoise.functions import Sum

from crm_graphql.api.context import Info
from crm_graphql.api.loaders import attach, attach_references, selected_fields
from crm_graphql.api.money import MoneyAmount
from crm_graphql.api.references import foreign_keys
from crm_graphql.db.models import MoneyField
from crm_graphql.domains.billing.models import (
    ISSUED_STATUSES,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
)

_MONEY = MoneyField()


async def _lines_of(info: Info, invoice_ids: list[int], wanted: frozenset[str]) -> dict[int, list]:
    lines = await InvoiceLine.filter(invoice_id__in=invoice_ids).order_by("invoice_id", "position")
    if wanted:
        await attach_references(info, lines, foreign_keys(InvoiceLine), wanted)
    grouped: dict[int, list[InvoiceLine]] = defaultdict(list)
    for line in lines:
        grouped[line.invoice_id].append(line)
    return grouped


async def load_invoice_lines(info: Info, invoice_id: int) -> list[InvoiceLine]:
    """All lines of one invoice, batched over every invoice in the response."""
    wanted = frozenset(foreign_keys(InvoiceLine).keys() & selected_fields(info))

    async def batch(ids: list[int]) -> list[list[InvoiceLine]]:
        grouped = await _lines_of(info, ids, wanted)
        return [grouped.get(i, []) for i in ids]

    return await info.context.loader(("invoice_lines", wanted), batch).load(invoice_id)


async def attach_invoice_lines(info: Info, invoices: list[Any]) -> None:
    """Attach ``lines`` to every invoice of a page: one statement for the whole page."""
    wanted = frozenset(foreign_keys(InvoiceLine).keys() & selected_fields(info, "nodes", "lines"))
    grouped = await _lines_of(info, [invoice.pk for invoice in invoices], wanted)
    for invoice in invoices:
        attach(invoice, "lines", grouped.get(invoice.pk, []))


async def load_allocations(info: Info, payment_id: int) -> list[PaymentAllocation]:
    """The allocations of one payment, batched over every payment in the response."""

    async def batch(ids: list[int]) -> list[list[PaymentAllocation]]:
        rows = await PaymentAllocation.filter(payment_id__in=ids).order_by("id")
        grouped: dict[int, list[PaymentAllocation]] = defaultdict(list)
        for row in rows:
            grouped[row.payment_id].append(row)
        return [grouped.get(i, []) for i in ids]

    return await info.context.loader("payment_allocations", batch).load(payment_id)


def _amounts(rows: list[tuple[int, str, Any]]) -> dict[int, dict[str, Decimal]]:
    grouped: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for customer_id, currency, value in rows:
        amount = _MONEY.to_python_value(value) or Decimal("0.00")
        grouped[customer_id][currency] = grouped[customer_id].get(currency, Decimal("0")) + amount
    return grouped


def _as_list(amounts: dict[str, Decimal]) -> list[MoneyAmount]:
    return [
        MoneyAmount(amount=amount.quantize(Decimal("0.01")), currency=currency)
        for currency, amount in sorted(amounts.items())
    ]


async def load_balances(info: Info, customer_id: int) -> list[MoneyAmount]:
    """What a customer owes, per currency: the balances of issued invoices and credit
    notes minus the unallocated part of payments (credit). Negative: the customer has
    credit."""

    async def batch(ids: list[int]) -> list[list[MoneyAmount]]:
        owed = _amounts(
            await Invoice.filter(customer_id__in=ids, status__in=ISSUED_STATUSES)
            .annotate(value=Sum("balance"))
            .group_by("customer_id", "currency")
            .values_list("customer_id", "currency", "value")
        )
        credit = _amounts(
            await Payment.filter(customer_id__in=ids)
            .annotate(value=Sum("unallocated"))
            .group_by("customer_id", "currency")
            .values_list("customer_id", "currency", "value")
        )
        out = []
        for i in ids:
            amounts = dict(owed.get(i, {}))
            for currency, value in credit.get(i, {}).items():
                amounts[currency] = amounts.get(currency, Decimal("0")) - value
            out.append(_as_list(amounts))
        return out

    return await info.context.loader("billing_balance", batch).load(customer_id)


async def load_paid_revenue(info: Info, customer_id: int) -> list[MoneyAmount]:
    """Payments applied to a customer's invoices, net of refunds applied to its credit
    notes, per currency."""

    async def batch(ids: list[int]) -> list[list[MoneyAmount]]:
        paid = _amounts(
            await Invoice.filter(customer_id__in=ids, status__in=ISSUED_STATUSES)
            .annotate(value=Sum("amount_paid"))
            .group_by("customer_id", "currency")
            .values_list("customer_id", "currency", "value")
        )
        return [_as_list(paid.get(i, {})) for i in ids]

    return await info.context.loader("billing_paid_revenue", batch).load(customer_id)


def in_currency(amounts: list[MoneyAmount], currency: str) -> Decimal:
    """The amount in ``currency`` (0 when there is none)."""
    for money in amounts:
        if money.currency == currency:
            return money.amount
    return Decimal("0.00")
