"""Root query fields of the billing domain."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from crm_graphql.api.aggregation.arguments import CurrencyArg, TimeZoneArg
from crm_graphql.api.aggregation.periods import Granularity
from crm_graphql.api.context import Info
from crm_graphql.api.ids import IdArg
from crm_graphql.api.node import resolve_node
from crm_graphql.api.pagination.fields import connection
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.roles import FINANCIAL
from crm_graphql.domains.billing.filters import INVOICE_LIST, PAYMENT_LIST
from crm_graphql.domains.billing.types import Invoice, Payment
from crm_graphql.domains.billing.views import (
    Cashflow,
    ReceivablesAgeing,
    cashflow,
    receivables_ageing,
)


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

    @guarded_field(
        FINANCIAL,
        "Open balances of issued invoices and credit notes (as they stand) in buckets "
        "current / 1-30 / 31-60 / 61-90 / 90+ days past due on `asOf`, per customer and in "
        "total, in one currency (SALES: its own customers).",
    )
    async def receivables_ageing(
        self,
        info: Info,
        as_of: Annotated[
            date | None, strawberry.argument(description="The day to age at; default today.")
        ] = None,
        currency: CurrencyArg = None,
        first: Annotated[
            int | None,
            strawberry.argument(description="At most this many customers (default and max 1000)."),
        ] = None,
    ) -> ReceivablesAgeing | None:
        return await receivables_ageing(info, as_of, currency, first)

    @guarded_field(
        FINANCIAL,
        "Invoiced (by issue date) vs collected (by receipt time) per local period in one "
        "currency, with DSO (SALES: its own customers).",
    )
    async def cashflow(
        self,
        info: Info,
        from_: Annotated[
            date, strawberry.argument(name="from", description="The first local day.")
        ],
        to: Annotated[date, strawberry.argument(description="The last local day (included).")],
        granularity: Annotated[
            Granularity, strawberry.argument(description="The length of the periods.")
        ] = Granularity.MONTH,
        time_zone: TimeZoneArg = "UTC",
        currency: CurrencyArg = None,
    ) -> Cashflow | None:
        return await cashflow(info, granularity, from_, to, time_zone, currency)
