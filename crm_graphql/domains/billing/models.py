"""Invoices (and credit notes), their lines, number counters, payments and allocations."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields

from crm_graphql.db.models import MoneyField, TimestampedModel

if TYPE_CHECKING:
    from crm_graphql.domains.customers.models import Customer
    from crm_graphql.domains.orders.models import Order, Product


class InvoiceKind(StrEnum):
    """An invoice, or a credit note that corrects one."""

    INVOICE = "INVOICE"
    CREDIT_NOTE = "CREDIT_NOTE"


class InvoiceStatus(StrEnum):
    """Where an invoice stands between draft and payment."""

    DRAFT = "DRAFT"
    ISSUED = "ISSUED"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    VOID = "VOID"


class PaymentMethod(StrEnum):
    """How a payment was made."""

    BANK_TRANSFER = "BANK_TRANSFER"
    CARD = "CARD"
    CASH = "CASH"
    CHECK = "CHECK"
    OTHER = "OTHER"


#: Statuses of invoices that were issued and count (drafts and void ones do not).
ISSUED_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID)
#: Statuses of invoices that may still be owed (their balance may be non-zero).
OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)


class Invoice(TimestampedModel):
    """An invoice or a credit note, with amounts computed from its lines."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(InvoiceKind, max_length=16, default=InvoiceKind.INVOICE)
    series = fields.CharField(max_length=16)
    number = fields.CharField(max_length=32, null=True, unique=True)
    status = fields.CharEnumField(InvoiceStatus, max_length=16, default=InvoiceStatus.DRAFT)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="invoices", on_delete=fields.RESTRICT
    )
    customer_id: int
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="invoices", null=True, on_delete=fields.SET_NULL
    )
    order_id: int | None
    corrects: fields.ForeignKeyNullableRelation[Invoice] = fields.ForeignKeyField(
        "models.Invoice", related_name="credit_notes", null=True, on_delete=fields.RESTRICT
    )
    corrects_id: int | None
    currency = fields.CharField(max_length=3)
    payment_terms_days = fields.IntField(null=True)
    issue_date = fields.DateField(null=True)
    due_date = fields.DateField(null=True)
    issued_at = fields.DatetimeField(null=True)
    subtotal = MoneyField(default=0)
    tax_total = MoneyField(default=0)
    total = MoneyField(default=0)
    amount_paid = MoneyField(default=0)
    amount_credited = MoneyField(default=0)
    balance = MoneyField(default=0)
    notes = fields.TextField(null=True)

    class Meta:
        table = "invoice"
        indexes = (
            # A customer's invoices by status; with the columns of the receivables
            # ageing, whose buckets per customer read only this index.
            ("customer_id", "status", "currency", "due_date", "balance"),
            ("created_at", "id"),
            # Receivables ageing: open invoices of one currency by due date.
            ("status", "currency", "due_date", "balance"),
            # Invoiced revenue per period.
            ("status", "currency", "issue_date", "total"),
            # Rollup rebuilds and verification: one month of invoices by each time.
            ("issued_at",),
            ("issue_date",),
        )


class InvoiceLine(TimestampedModel):
    """One line of an invoice: what, how many, at what price, discount and tax rate."""

    id = fields.IntField(primary_key=True)
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "models.Invoice", related_name="lines", on_delete=fields.CASCADE
    )
    invoice_id: int
    position = fields.IntField()
    product: fields.ForeignKeyNullableRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name="invoice_lines", null=True, on_delete=fields.SET_NULL
    )
    product_id: int | None
    description = fields.CharField(max_length=500)
    quantity = fields.IntField()
    unit_price = MoneyField()
    discount_percent = fields.DecimalField(max_digits=5, decimal_places=2, default=0)
    tax_rate = fields.DecimalField(max_digits=5, decimal_places=2, default=0)
    net_amount = MoneyField()
    tax_amount = MoneyField()
    gross_amount = MoneyField()

    class Meta:
        table = "invoice_line"
        indexes = (("invoice_id", "position"),)


class InvoiceCounter(TimestampedModel):
    """The last number given in one series and year: locked while an invoice is issued."""

    id = fields.IntField(primary_key=True)
    series = fields.CharField(max_length=16)
    year = fields.IntField()
    last_number = fields.IntField(default=0)

    class Meta:
        table = "invoice_counter"
        unique_together = (("series", "year"),)


class Payment(TimestampedModel):
    """Money received from (or, negative, refunded to) a customer."""

    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="payments", on_delete=fields.RESTRICT
    )
    customer_id: int
    amount = MoneyField()
    currency = fields.CharField(max_length=3)
    method = fields.CharEnumField(PaymentMethod, max_length=16)
    received_at = fields.DatetimeField()
    reference = fields.CharField(max_length=120, null=True)
    unallocated = MoneyField(default=0)

    class Meta:
        table = "payment"
        indexes = (
            ("customer_id", "received_at"),
            ("created_at", "id"),
            ("currency", "received_at", "amount"),
            # Rollup rebuilds and verification: one month of payments by their time.
            ("received_at",),
        )


class PaymentAllocation(TimestampedModel):
    """The part of a payment that settles one invoice."""

    id = fields.IntField(primary_key=True)
    payment: fields.ForeignKeyRelation[Payment] = fields.ForeignKeyField(
        "models.Payment", related_name="allocations", on_delete=fields.CASCADE
    )
    payment_id: int
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "models.Invoice", related_name="allocations", on_delete=fields.RESTRICT
    )
    invoice_id: int
    amount = MoneyField()

    class Meta:
        table = "payment_allocation"
        indexes = (("invoice_id", "payment_id"),)
