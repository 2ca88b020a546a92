"""Root query fields of the billing domain."""

from __future__ import annotations

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.ids import IdArg
from crm_graphql.api.node import resolve_node
from crm_graphql.api.pagination.fields import connection
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.roles import FINANCIAL
from crm_graphql.domains.billing.filters import INVOICE_LIST, PAYMENT_LIST
from crm_graphql.domains.billing.types import Invoice, Payment


@strawberry.type
class BillingQueries:
    @guarded_field(
        FINANCIAL,
        "One invoice or credit note by global ID; null when there is none or the caller may "
        "not read it (SALES reads those of its own customers).",
    )
    async def invoice(self, info: Info, id: IdArg) -> Invoice | None:
        return await resolve_node(info, id, "Invoice")

    invoices = connection(
        INVOICE_LIST,
        readable_by=FINANCIAL,
        description="Invoices and credit notes, newest first by default (SALES: those of "
        "the customers it owns).",
    )

    @guarded_field(
        FINANCIAL,
        "One payment by global ID; null when there is none or the caller may not read it.",
    )
    async def payment(self, info: Info, id: IdArg) -> Payment | None:
        return await resolve_node(info, id, "Payment")

    payments = connection(
        PAYMENT_LIST,
        readable_by=FINANCIAL,
        description="Payments and refunds, latest received first by default (SALES: those "
        "of the customers it owns).",
    )
