"""Mutations of payments: record one (or a refund) with its allocations; payment terms.

A payment is never edited: a mistake is corrected by a refund (a negative payment).
Every allocation is checked before anything is written (over-allocation, another
customer's invoice, another currency: ``userErrors``, nothing written).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.mutations.problems import UserError
from crm_graphql.api.mutations.writes import Change, Writes
from crm_graphql.domains.billing import services
from crm_graphql.domains.billing.enums import PaymentMethod
from crm_graphql.domains.billing.types import Payment
from crm_graphql.domains.customers.types import Company, Customer


@strawberry.input(description="The part of a payment applied to one invoice.")
class AllocationInput:
    invoice: strawberry.ID = strawberry.field(
        description="Invoice ID (a credit note for a refund): open, of the same customer "
        "and currency."
    )
    amount: Decimal = strawberry.field(
        description="Amount applied, at most the invoice's balance; the payment's sign."
    )


@strawberry.input(description="A payment received (or, negative, a refund).")
class RecordPaymentInput:
    customer: strawberry.ID = strawberry.field(description="Customer ID.")
    amount: Decimal = strawberry.field(description="Amount; negative for a refund.")
    currency: str = strawberry.field(description="ISO 4217 currency code.")
    method: PaymentMethod = strawberry.field(description="How it was paid.")
    received_at: datetime | None = strawberry.field(
        default=None, description="When the money arrived; default now."
    )
    reference: str | None = strawberry.field(
        default=None, description="Bank reference, cheque number, ... (at most 120 characters)."
    )
    allocations: list[AllocationInput] = strawberry.field(
        default_factory=list,
        description="Invoices it settles; the rest stays with the customer as credit.",
    )


@strawberry.type(description="The result of recording a payment.")
class PaymentPayload:
    payment: Payment | None = strawberry.field(description="The payment; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


@strawberry.type(description="The result of setting a customer's payment terms.")
class CustomerTermsPayload:
    customer: Customer | None = strawberry.field(description="The customer; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused.")


@strawberry.type(description="The result of setting a company's payment terms.")
class CompanyTermsPayload:
    company: Company | None = strawberry.field(description="The company; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why it was refused.")


PAYMENT = Writes(Payment, PaymentPayload, field="payment")
CUSTOMER_TERMS = Writes(Customer, CustomerTermsPayload, field="customer", action="customer")
COMPANY_TERMS = Writes(Company, CompanyTermsPayload, field="company", action="company")

DaysArg = Annotated[
    int | None,
    strawberry.argument(
        description=f"Net days to pay, 0-{services.MAX_PAYMENT_TERMS_DAYS}; null: the default."
    ),
]


def _terms(days: int | None) -> Any:
    async def work(change: Change) -> dict[str, Any]:
        change.problems.check()
        value = services.terms(change.problems, ["days"], days)
        change.problems.check()
        return {"payment_terms_days": value}

    return work


@strawberry.type
class PaymentMutations:
    @strawberry.mutation(
        description="Record a payment (negative: a refund) and its allocations, all or "
        "nothing. Allocated invoices become PARTIALLY_PAID or PAID."
    )
    async def record_payment(
        self,
        info: Info,
        input: Annotated[RecordPaymentInput, strawberry.argument(description="The payment.")],
    ) -> PaymentPayload:
        return await PAYMENT.create(
            info, input, services.new_payment, after=services.write_allocations
        )

    @strawberry.mutation(
        description="Set a customer's payment terms (net days), used by invoices issued "
        "from now on."
    )
    async def set_customer_payment_terms(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Customer ID.")],
        days: DaysArg,
        version: Annotated[int, strawberry.argument(description="The `version` read.")],
    ) -> CustomerTermsPayload:
        return await CUSTOMER_TERMS.act(
            info, id, "payment_terms", ["paymentTermsDays"], _terms(days), version=version
        )

    @strawberry.mutation(
        description="Set a company's payment terms (net days): the default of its customers."
    )
    async def set_company_payment_terms(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Company ID.")],
        days: DaysArg,
        version: Annotated[int, strawberry.argument(description="The `version` read.")],
    ) -> CompanyTermsPayload:
        return await COMPANY_TERMS.act(
            info, id, "payment_terms", ["paymentTermsDays"], _terms(days), version=version
        )
