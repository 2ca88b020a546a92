"""GraphQL types of invoices, credit notes, their lines, payments and allocations.

Every amount is a FINANCIAL field: SUPPORT and MARKETING read none (and no invoice or
payment at all, see ``rules``).
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime
from decimal import Decimal

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.entities import ANY_ROW, entity
from crm_graphql.api.loaders import attached
from crm_graphql.api.node import Node
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.references import reference
from crm_graphql.api.roles import FINANCIAL, Role
from crm_graphql.domains.billing import rules, services
from crm_graphql.domains.billing.enums import InvoiceKind, InvoiceStatus, PaymentMethod
from crm_graphql.domains.billing.loaders import load_allocations, load_invoice_lines
from crm_graphql.domains.billing.models import Invoice as InvoiceModel
from crm_graphql.domains.billing.models import InvoiceLine as InvoiceLineModel
from crm_graphql.domains.billing.models import Payment as PaymentModel
from crm_graphql.domains.billing.models import PaymentAllocation as PaymentAllocationModel

#: Invoices and payments are written by managers (and ADMIN).
MANAGERS = {Role.MANAGER: ANY_ROW}


@strawberry.type(description="One line of an invoice: what, how many, price, discount and tax.")
@entity(InvoiceLineModel, writers=MANAGERS, read_rule=rules.lines_readable_by)
class InvoiceLine(Node):
    position: int = strawberry.field(description="Place on the invoice, from 1.")
    description: str = strawberry.field(description="What is billed.")
    quantity: int = strawberry.field(description="Number of units.")
    unit_price: Decimal | None = guarded_field(
        FINANCIAL, "Price per unit before discount and tax.", attr="unit_price"
    )
    discount_percent: Decimal = strawberry.field(description="Discount in percent, 0-100.")
    tax_rate: Decimal = strawberry.field(description="Tax rate in percent, e.g. 19.00.")
    net_amount: Decimal | None = guarded_field(
        FINANCIAL,
        "quantity x unitPrice less the discount, rounded to the cent (negative on credit notes).",
        attr="net_amount",
    )
    tax_amount: Decimal | None = guarded_field(
        FINANCIAL, "netAmount x taxRate / 100, rounded to the cent.", attr="tax_amount"
    )
    gross_amount: Decimal | None = guarded_field(
        FINANCIAL, "netAmount + taxAmount.", attr="gross_amount"
    )
    product = reference("The product billed, if any.")


@strawberry.type(description="The tax of an invoice at one rate.")
class TaxAtRate:
    rate: Decimal = strawberry.field(description="Tax rate in percent.")
    net: Decimal = strawberry.field(description="Sum of the net amounts of the lines at this rate.")
    tax: Decimal = strawberry.field(description="Sum of the tax of the lines at this rate.")


@strawberry.type(
    description="An invoice or a credit note. DRAFT ones are edited; issued ones get a "
    "gap-free number per series and year and change only through payments and credit notes."
)
@entity(
    InvoiceModel,
    owner=services.customer_owner,
    writers=MANAGERS,
    read_rule=rules.customer_rows_readable_by,
)
class Invoice(Node):
    kind: InvoiceKind = strawberry.field(description="Invoice or credit note.")
    series: str = strawberry.field(description="Number series: INV (invoices), CN (credit notes).")
    number: str | None = strawberry.field(
        description="<series>-<year>-<n>, consecutive per series and year; null while DRAFT."
    )
    status: InvoiceStatus = strawberry.field(description="Where it stands.")
    currency: str = strawberry.field(description="ISO 4217 currency code of every amount.")
    payment_terms_days: int | None = strawberry.field(
        description="Net days to pay; fixed when issued (from the invoice, else the "
        "customer, else the company, else 30)."
    )
    issue_date: date | None = strawberry.field(description="When it was issued.")
    due_date: date | None = strawberry.field(description="issueDate + paymentTermsDays.")
    issued_at: datetime | None = strawberry.field(description="When it was issued (time).")
    notes: str | None = strawberry.field(description="Free text printed on the invoice.")
    subtotal: Decimal | None = guarded_field(
        FINANCIAL, "Sum of the lines' net amounts.", attr="subtotal"
    )
    tax_total: Decimal | None = guarded_field(
        FINANCIAL, "Sum of the lines' tax amounts.", attr="tax_total"
    )
    total: Decimal | None = guarded_field(FINANCIAL, "subtotal + taxTotal.", attr="total")
    amount_paid: Decimal | None = guarded_field(
        FINANCIAL, "Sum of the payments allocated to it.", attr="amount_paid"
    )
    amount_credited: Decimal | None = guarded_field(
        FINANCIAL,
        "Settled by credit notes (on a credit note: the part applied to its invoice, negative).",
        attr="amount_credited",
    )
    balance: Decimal | None = guarded_field(
        FINANCIAL, "total - amountPaid - amountCredited: still owed (0 when VOID).", attr="balance"
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    version: int = strawberry.field(
        description="Incremented by every change (payments too); send it back with updates."
    )

    customer = reference("The customer billed.")
    order = reference("The order invoiced, if any.")
    corrects = reference(
        "The invoice a credit note corrects; null on invoices.",
        target_rule_holds="a credit note is made for the customer of the invoice it corrects",
    )

    @strawberry.field(description="Still owed and past its due date (today, UTC).")
    def overdue(self, root: InvoiceModel) -> bool:
        return services.days_overdue(root, services.today_utc()) > 0

    @strawberry.field(description="Days past the due date while still owed; 0 otherwise.")
    def days_overdue(self, root: InvoiceModel) -> int:
        return services.days_overdue(root, services.today_utc())

    @strawberry.field(
        description="The lines, in their order on the invoice.", graphql_type=list[InvoiceLine]
    )
    def lines(
        self, root: InvoiceModel, info: Info
    ) -> list[InvoiceLineModel] | Awaitable[list[InvoiceLineModel]]:
        found, lines = attached(root, "lines")
        return lines if found else load_invoice_lines(info, root.id)

    @guarded_field(FINANCIAL, "Tax per rate, highest rate first.")
    async def tax_by_rate(self, root: InvoiceModel, info: Info) -> list[TaxAtRate] | None:
        found, lines = attached(root, "lines")
        if not found:
            lines = await load_invoice_lines(info, root.id)
        return [
            TaxAtRate(rate=rate, net=net, tax=tax) for rate, net, tax in services.tax_by_rate(lines)
        ]


@strawberry.type(description="The part of a payment that settles one invoice.")
@entity(PaymentAllocationModel, writers=MANAGERS, read_rule=rules.allocations_readable_by)
class PaymentAllocation(Node):
    amount: Decimal | None = guarded_field(
        FINANCIAL, "The amount applied (negative: a refund on a credit note).", attr="amount"
    )
    invoice = reference(
        "The invoice (or credit note) settled.",
        target_rule_holds="a payment settles invoices of its own customer only",
    )


@strawberry.type(
    description="Money received from a customer (negative: refunded), allocated to invoices; "
    "the rest stays with the customer as credit."
)
@entity(
    PaymentModel,
    owner=services.customer_owner,
    writers=MANAGERS,
    read_rule=rules.customer_rows_readable_by,
)
class Payment(Node):
    customer = reference("The customer who paid.")
    amount: Decimal | None = guarded_field(
        FINANCIAL, "Amount received; negative for a refund.", attr="amount"
    )
    currency: str = strawberry.field(description="ISO 4217 currency code.")
    method: PaymentMethod = strawberry.field(description="How it was paid.")
    received_at: datetime = strawberry.field(description="When the money arrived.")
    reference: str | None = strawberry.field(description="Bank reference, cheque number, ...")
    unallocated: Decimal | None = guarded_field(
        FINANCIAL, "The part not allocated to invoices: the customer's credit.", attr="unallocated"
    )
    created_at: datetime = strawberry.field(description="When it was recorded.")

    @strawberry.field(description="The invoices it settles, in the order given.")
    async def allocations(self, root: PaymentModel, info: Info) -> list[PaymentAllocation]:
        return await load_allocations(info, root.id)  # type: ignore[return-value]
