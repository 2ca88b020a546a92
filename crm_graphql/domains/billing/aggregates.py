"""Invoices and payments in groups: ``invoicesAggregate`` and ``paymentsAggregate``."""

from __future__ import annotations

from datetime import datetime

import strawberry

from crm_graphql.api.aggregation.aggregates import (
    PERIOD_KEY,
    AggregateSpec,
    GroupField,
    NumericField,
    aggregate_field,
    by_reference,
    group_by_input,
    group_field_enum,
    group_types,
)
from crm_graphql.api.references import key_reference
from crm_graphql.api.roles import FINANCIAL
from crm_graphql.domains.billing.enums import InvoiceKind, InvoiceStatus, PaymentMethod
from crm_graphql.domains.billing.filters import InvoiceFilter, PaymentFilter
from crm_graphql.domains.billing.models import Invoice as InvoiceModel
from crm_graphql.domains.billing.models import Payment as PaymentModel

InvoiceGroupField = group_field_enum(
    "Invoice",
    {
        "STATUS": "Status.",
        "KIND": "Invoice or credit note.",
        "CURRENCY": "Currency.",
        "CUSTOMER": "Customer.",
        "ISSUED_AT": "When it was issued (with a granularity).",
        "CREATED_AT": "Creation time (with a granularity).",
    },
)
InvoiceGroupBy = group_by_input("InvoiceGroupBy", InvoiceGroupField)


@strawberry.type(description="What the invoices of a group share; keys not grouped by are null.")
class InvoiceGroupKey:
    status: InvoiceStatus | None = strawberry.field(default=None, description="Status.")
    kind: InvoiceKind | None = strawberry.field(default=None, description="Kind.")
    currency: str | None = strawberry.field(default=None, description="Currency.")
    issued_at: datetime | None = strawberry.field(default=None, description=PERIOD_KEY)
    created_at: datetime | None = strawberry.field(default=None, description=PERIOD_KEY)
    _customer_id: strawberry.Private[int | None] = None

    customer = key_reference(InvoiceModel, "customer", "The customer.")


INVOICES = AggregateSpec(
    view="invoicesAggregate",
    model=InvoiceModel,
    fields={
        "STATUS": GroupField("status", "status", convert=InvoiceStatus),
        "KIND": GroupField("kind", "kind", convert=InvoiceKind),
        "CURRENCY": GroupField("currency", "currency"),
        "CUSTOMER": by_reference("customer"),
        "ISSUED_AT": GroupField("issued_at", "issued_at", "datetime"),
        "CREATED_AT": GroupField("created_at", "created_at", "datetime"),
    },
    numeric=(
        NumericField("total", "total", "Total.", money=True, readable_by=FINANCIAL),
        NumericField("subtotal", "subtotal", "Subtotal.", money=True, readable_by=FINANCIAL),
        NumericField("tax_total", "tax_total", "Tax.", money=True, readable_by=FINANCIAL),
        NumericField("amount_paid", "amount_paid", "Paid.", money=True, readable_by=FINANCIAL),
        NumericField("balance", "balance", "Still owed.", money=True, readable_by=FINANCIAL),
    ),
    key_type=InvoiceGroupKey,
    filter_input=InvoiceFilter,
)
INVOICE_TYPES = group_types("Invoice", InvoiceGroupKey, INVOICES.numeric)

PaymentGroupField = group_field_enum(
    "Payment",
    {
        "METHOD": "Method.",
        "CURRENCY": "Currency.",
        "CUSTOMER": "Customer.",
        "RECEIVED_AT": "When it was received (with a granularity).",
    },
)
PaymentGroupBy = group_by_input("PaymentGroupBy", PaymentGroupField)


@strawberry.type(description="What the payments of a group share; keys not grouped by are null.")
class PaymentGroupKey:
    method: PaymentMethod | None = strawberry.field(default=None, description="Method.")
    currency: str | None = strawberry.field(default=None, description="Currency.")
    received_at: datetime | None = strawberry.field(default=None, description=PERIOD_KEY)
    _customer_id: strawberry.Private[int | None] = None

    customer = key_reference(PaymentModel, "customer", "The customer.")


PAYMENTS = AggregateSpec(
    view="paymentsAggregate",
    model=PaymentModel,
    fields={
        "METHOD": GroupField("method", "method", convert=PaymentMethod),
        "CURRENCY": GroupField("currency", "currency"),
        "CUSTOMER": by_reference("customer"),
        "RECEIVED_AT": GroupField("received_at", "received_at", "datetime"),
    },
    numeric=(
        NumericField("amount", "amount", "Amount.", money=True, readable_by=FINANCIAL),
        NumericField(
            "unallocated", "unallocated", "Not allocated.", money=True, readable_by=FINANCIAL
        ),
    ),
    key_type=PaymentGroupKey,
    filter_input=PaymentFilter,
)
PAYMENT_TYPES = group_types("Payment", PaymentGroupKey, PAYMENTS.numeric)


@strawberry.type
class BillingAggregateQueries:
    invoices_aggregate = aggregate_field(
        INVOICES,
        INVOICE_TYPES,
        InvoiceGroupBy,
        description="Invoices and credit notes in groups: counts, sums, averages, extremes.",
    )
    payments_aggregate = aggregate_field(
        PAYMENTS,
        PAYMENT_TYPES,
        PaymentGroupBy,
        description="Payments and refunds in groups: counts, sums, averages, extremes.",
    )
