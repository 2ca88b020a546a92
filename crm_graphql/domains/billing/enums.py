"""GraphQL enums of the billing domain."""

from __future__ import annotations

from crm_graphql.api.enums import graphql_enum
from crm_graphql.domains.billing.models import InvoiceKind, InvoiceStatus, PaymentMethod

graphql_enum(
    InvoiceStatus,
    "Where an invoice stands. DRAFT -> ISSUED -> PARTIALLY_PAID -> PAID; DRAFT or ISSUED "
    "(nothing paid or credited) -> VOID.",
    {
        "DRAFT": "Being prepared: editable, no number yet.",
        "ISSUED": "Issued with its number; nothing paid yet. No longer editable.",
        "PARTIALLY_PAID": "Part of the total is paid (or credited).",
        "PAID": "Settled in full by payments and credit notes (a credit note: used up).",
        "VOID": "Cancelled without payments; an issued one keeps its number.",
    },
)
graphql_enum(
    InvoiceKind,
    "An invoice, or a credit note (negative amounts) that corrects one.",
    {
        "INVOICE": "An invoice: the customer owes its total.",
        "CREDIT_NOTE": "A credit note: negative amounts, refers to the invoice it corrects.",
    },
)
graphql_enum(
    PaymentMethod,
    "How a payment was made.",
    {
        "BANK_TRANSFER": "Bank transfer.",
        "CARD": "Card payment.",
        "CASH": "Cash.",
        "CHECK": "Cheque.",
        "OTHER": "Any other way.",
    },
)

__all__ = ["InvoiceKind", "InvoiceStatus", "PaymentMethod"]
