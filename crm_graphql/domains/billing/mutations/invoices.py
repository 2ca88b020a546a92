"""Mutations of invoices and credit notes: create (from an order or not), edit a draft,
issue, void, delete a draft.

The rules (amounts and rounding, numbering, status) live in ``services``.

Decisions worth knowing:

- Only DRAFT invoices are edited or deleted; an issued invoice is corrected by a credit
  note (``createCreditNote``), which is issued like an invoice in its own series (CN).
- ``issueInvoice`` takes the next number of the series and year from a counter row
  locked in the same transaction: numbers are consecutive, without gaps or duplicates,
  however many are issued at once.
- An order is invoiced once (a VOID invoice does not count).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.context import Info
from crm_graphql.api.mutations.problems import UserError
from crm_graphql.api.mutations.writes import Writes
from crm_graphql.domains.billing import services
from crm_graphql.domains.billing.types import Invoice


@strawberry.input(description="One line of an invoice.")
class InvoiceLineInput:
    product: strawberry.ID | None = strawberry.field(
        default=None,
        description="Product ID; gives the description, price and tax rate when those are omitted.",
    )
    description: str | None = strawberry.field(
        default=None, description="What is billed (1-500 characters); default: the product's name."
    )
    quantity: int = strawberry.field(
        description=f"Units, {services.MIN_QUANTITY} to {services.MAX_QUANTITY}."
    )
    unit_price: Decimal | None = strawberry.field(
        default=None,
        description="Price per unit in the invoice's currency; default: the product's price "
        "(only when the product is priced in that currency).",
    )
    discount_percent: Decimal | None = strawberry.field(
        default=None, description="Discount in percent, 0-100; default 0."
    )
    tax_rate: Decimal | None = strawberry.field(
        default=None,
        description="Tax rate in percent (e.g. 19, 7, 0); default: the product's rate, else 0.",
    )


@strawberry.input(description="A new DRAFT invoice without an order.")
class CreateInvoiceInput:
    customer: strawberry.ID = strawberry.field(description="Customer ID.")
    currency: str = strawberry.field(description="ISO 4217 currency code of every amount.")
    lines: list[InvoiceLineInput] = strawberry.field(
        default_factory=list, description=f"The lines, at most {services.MAX_LINES}."
    )
    payment_terms_days: int | None = strawberry.field(
        default=None,
        description="Net days to pay (0-365); default: the customer's, else the company's, "
        "else 30.",
    )
    notes: str | None = strawberry.field(default=None, description="Printed on the invoice.")


@strawberry.input(description="Options of an invoice made from an order.")
class InvoiceFromOrderInput:
    tax_rate: Decimal | None = strawberry.field(
        default=None,
        description="Tax rate in percent for products without their own rate; default 0.",
    )
    payment_terms_days: int | None = strawberry.field(
        default=None, description="Net days to pay; default as for createInvoice."
    )
    notes: str | None = strawberry.field(default=None, description="Printed on the invoice.")


@strawberry.input(description="Changes to a DRAFT invoice: only the fields given change.")
class UpdateInvoiceInput:
    version: int = strawberry.field(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    )
    payment_terms_days: int | None = strawberry.field(
        default=UNSET, description="Net days to pay; null: the customer's or company's default."
    )
    notes: str | None = strawberry.field(default=UNSET, description="Printed on the invoice.")
    lines: list[InvoiceLineInput] | None = strawberry.field(
        default=UNSET, description="Every line, replacing the current ones."
    )


@strawberry.input(description="A credit note correcting an issued invoice.")
class CreditNoteInput:
    lines: list[InvoiceLineInput] | None = strawberry.field(
        default=None,
        description="What is credited (positive quantities and prices; stored negative); "
        "default: every line of the invoice (a full credit).",
    )
    notes: str | None = strawberry.field(default=None, description="Printed on the credit note.")


@strawberry.type(description="The result of an invoice mutation.")
class InvoicePayload:
    invoice: Invoice | None = strawberry.field(
        description="The invoice as saved (as it was, for a delete); null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


INVOICE = Writes(Invoice, InvoicePayload, field="invoice", load=services.locked_invoice)

InvoiceIdArg = Annotated[
    strawberry.ID, strawberry.argument(description="Global ID of the invoice.")
]
VersionArg = Annotated[
    int, strawberry.argument(description="The `version` read; a stale one answers CONFLICT.")
]


@strawberry.type
class InvoiceMutations:
    @strawberry.mutation(
        description="Create a DRAFT invoice with its lines; amounts are computed per line "
        "(see the rounding rule in docs/billing.md)."
    )
    async def create_invoice(
        self,
        info: Info,
        input: Annotated[CreateInvoiceInput, strawberry.argument(description="The invoice.")],
    ) -> InvoicePayload:
        return await INVOICE.create(
            info, input, services.new_invoice, after=services.write_new_lines
        )

    @strawberry.mutation(
        description="Create a DRAFT invoice from a placed order: its lines (product, "
        "description, quantity, unit price) are copied with the products' tax rates. An "
        "order is invoiced once (DUPLICATE otherwise; a VOID invoice does not count)."
    )
    async def create_invoice_from_order(
        self,
        info: Info,
        order_id: Annotated[
            strawberry.ID, strawberry.argument(description="Global ID of the order.")
        ],
        input: Annotated[
            InvoiceFromOrderInput | None, strawberry.argument(description="Options.")
        ] = None,
    ) -> InvoicePayload:
        return await INVOICE.create(
            info,
            input or InvoiceFromOrderInput(),
            services.order_invoice(order_id),
            after=services.write_new_lines,
        )

    @strawberry.mutation(
        description="Change a DRAFT invoice (INVALID_TRANSITION once issued: correct it "
        "with a credit note)."
    )
    async def update_invoice(
        self,
        info: Info,
        id: InvoiceIdArg,
        input: Annotated[UpdateInvoiceInput, strawberry.argument(description="The changes.")],
    ) -> InvoicePayload:
        return await INVOICE.update(
            info, id, input, services.invoice_changes, after=services.replace_lines
        )

    @strawberry.mutation(description="Delete a DRAFT invoice (INVALID_TRANSITION otherwise).")
    async def delete_invoice(self, info: Info, id: InvoiceIdArg) -> InvoicePayload:
        return await INVOICE.delete(
            info, id, before=services.remove_draft, audit_values=lambda row: {"total": row.total}
        )

    @strawberry.mutation(
        description="Issue a DRAFT invoice or credit note: the next consecutive number of "
        "its series and year, the issue date (default today, UTC) and the due date from the "
        "payment terms. A credit note is applied to the invoice it corrects."
    )
    async def issue_invoice(
        self,
        info: Info,
        id: InvoiceIdArg,
        version: VersionArg,
        issue_date: Annotated[
            date | None, strawberry.argument(description="Issue date; default today (UTC).")
        ] = None,
    ) -> InvoicePayload:
        return await INVOICE.act(
            info, id, "issue", ["status"], services.issue(issue_date), version=version
        )

    @strawberry.mutation(
        description="VOID a DRAFT or ISSUED invoice with nothing paid or credited on it; an "
        "issued one keeps its number."
    )
    async def void_invoice(
        self, info: Info, id: InvoiceIdArg, version: VersionArg
    ) -> InvoicePayload:
        return await INVOICE.act(info, id, "void", ["status"], services.void, version=version)

    @strawberry.mutation(
        description="Create a DRAFT credit note for an issued invoice (negative amounts, "
        "series CN); issue it with `issueInvoice`."
    )
    async def create_credit_note(
        self,
        info: Info,
        invoice_id: Annotated[
            strawberry.ID, strawberry.argument(description="Global ID of the invoice corrected.")
        ],
        input: Annotated[
            CreditNoteInput | None, strawberry.argument(description="Options.")
        ] = None,
    ) -> InvoicePayload:
        return await INVOICE.create(
            info,
            input or CreditNoteInput(),
            services.credit_note_for(invoice_id),
            after=services.write_new_lines,
        )
