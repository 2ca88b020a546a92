"""Filters and sort orders of invoice and payment lists."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types.unset import UNSET
from tortoise.expressions import Q

from crm_graphql.api.filters import (
    DateFilter,
    DateTimeFilter,
    DecimalFilter,
    EnumFilter,
    FilterInput,
    IDFilter,
    LeafFilter,
    StringFilter,
    filter_input,
)
from crm_graphql.api.pagination.cursors import SortKey
from crm_graphql.api.pagination.listing import sortable
from crm_graphql.api.roles import FINANCIAL
from crm_graphql.domains.billing.enums import InvoiceKind, InvoiceStatus, PaymentMethod
from crm_graphql.domains.billing.loaders import attach_invoice_lines
from crm_graphql.domains.billing.models import OPEN_STATUSES, Invoice, Payment


@strawberry.input(description="Conditions on a InvoiceStatus value.")
class InvoiceStatusFilter(EnumFilter[InvoiceStatus]):
    pass


@strawberry.input(description="Conditions on a InvoiceKind value.")
class InvoiceKindFilter(EnumFilter[InvoiceKind]):
    pass


@strawberry.input(description="Conditions on a PaymentMethod value.")
class PaymentMethodFilter(EnumFilter[PaymentMethod]):
    pass


def overdue_q(today: date) -> Q:
    """Invoices still owed whose due date has passed."""
    return Q(status__in=OPEN_STATUSES, due_date__lt=today)


@strawberry.input(description="Whether an invoice is overdue today (UTC).")
class OverdueFilter(LeafFilter):
    eq: bool | None = strawberry.field(
        default=UNSET, description="true: owed and past its due date; false: not."
    )

    def to_q(self, column: str) -> Q:
        from crm_graphql.domains.billing.services import today_utc

        if self.eq is UNSET or self.eq is None:
            return Q()
        condition = overdue_q(today_utc())
        return condition if self.eq else ~condition


@filter_input("invoices")
class InvoiceFilter(FilterInput):
    model = Invoice
    guarded = {"total": FINANCIAL, "balance": FINANCIAL}

    number: StringFilter | None = strawberry.field(default=UNSET, description="Invoice number.")
    kind: InvoiceKindFilter | None = strawberry.field(default=UNSET, description="Kind.")
    status: InvoiceStatusFilter | None = strawberry.field(default=UNSET, description="Status.")
    currency: StringFilter | None = strawberry.field(default=UNSET, description="Currency code.")
    total: DecimalFilter | None = strawberry.field(default=UNSET, description="Total.")
    balance: DecimalFilter | None = strawberry.field(default=UNSET, description="Still owed.")
    issue_date: DateFilter | None = strawberry.field(default=UNSET, description="Issue date.")
    due_date: DateFilter | None = strawberry.field(default=UNSET, description="Due date.")
    overdue: OverdueFilter | None = strawberry.field(
        default=UNSET, description="Owed and past its due date (today, UTC)."
    )
    created_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When it was created."
    )
    customer: IDFilter | None = strawberry.field(default=UNSET, description="The customer.")
    order: IDFilter | None = strawberry.field(default=UNSET, description="The order invoiced.")
    corrects: IDFilter | None = strawberry.field(
        default=UNSET, description="The invoice a credit note corrects."
    )


@filter_input("payments")
class PaymentFilter(FilterInput):
    model = Payment
    guarded = {"amount": FINANCIAL, "unallocated": FINANCIAL}

    method: PaymentMethodFilter | None = strawberry.field(default=UNSET, description="Method.")
    currency: StringFilter | None = strawberry.field(default=UNSET, description="Currency code.")
    amount: DecimalFilter | None = strawberry.field(
        default=UNSET, description="Amount (negative: refunds)."
    )
    unallocated: DecimalFilter | None = strawberry.field(
        default=UNSET, description="The part not allocated to invoices."
    )
    reference: StringFilter | None = strawberry.field(default=UNSET, description="Reference.")
    received_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When it was received."
    )
    customer: IDFilter | None = strawberry.field(default=UNSET, description="The customer.")


INVOICE_LIST = sortable(
    "Invoice",
    Invoice,
    {
        "CREATED_AT": ("created_at", "Creation time."),
        "ISSUE_DATE": ("issue_date", "Issue date (drafts have none)."),
        "DUE_DATE": ("due_date", "Due date (drafts have none)."),
        "NUMBER": ("number", "Invoice number."),
        "TOTAL": ("total", "Total."),
        "BALANCE": ("balance", "Still owed."),
    },
    default=(SortKey("created_at", True),),
    filter=InvoiceFilter,
    guarded={"TOTAL": FINANCIAL, "BALANCE": FINANCIAL},
    children={"lines": attach_invoice_lines},
)

PAYMENT_LIST = sortable(
    "Payment",
    Payment,
    {
        "RECEIVED_AT": ("received_at", "When it was received."),
        "CREATED_AT": ("created_at", "Creation time."),
        "AMOUNT": ("amount", "Amount."),
    },
    default=(SortKey("received_at", True),),
    filter=PaymentFilter,
    guarded={"AMOUNT": FINANCIAL},
)
