"""GraphQL operations of the billing tests, run over HTTP as a user of the test."""

from __future__ import annotations

from typing import Any

from tests.helpers import GraphQLClient

INVOICE_FIELDS = """id number series kind status currency subtotal taxTotal total amountPaid
  amountCredited balance issueDate dueDate paymentTermsDays overdue daysOverdue version
  lines { position description quantity unitPrice discountPercent taxRate netAmount taxAmount
    grossAmount }
  taxByRate { rate net tax }"""

CREATE = f"""mutation($input: CreateInvoiceInput!) {{ createInvoice(input: $input) {{
  invoice {{ {INVOICE_FIELDS} }} userErrors {{ field message code }} }} }}"""
FROM_ORDER = f"""mutation($order: ID!, $input: InvoiceFromOrderInput) {{
  createInvoiceFromOrder(orderId: $order, input: $input) {{
  invoice {{ {INVOICE_FIELDS} }} userErrors {{ field message code }} }} }}"""
ISSUE = f"""mutation($id: ID!, $version: Int!, $date: Date) {{
  issueInvoice(id: $id, version: $version, issueDate: $date) {{
  invoice {{ {INVOICE_FIELDS} }} userErrors {{ field message code }} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: UpdateInvoiceInput!) {{
  updateInvoice(id: $id, input: $input) {{
  invoice {{ {INVOICE_FIELDS} }} userErrors {{ field message code }} }} }}"""
VOID = f"""mutation($id: ID!, $version: Int!) {{ voidInvoice(id: $id, version: $version) {{
  invoice {{ {INVOICE_FIELDS} }} userErrors {{ field message code }} }} }}"""
CREDIT = f"""mutation($id: ID!, $input: CreditNoteInput) {{
  createCreditNote(invoiceId: $id, input: $input) {{
  invoice {{ {INVOICE_FIELDS} corrects {{ id }} }} userErrors {{ field message code }} }} }}"""
PAY = """mutation($input: RecordPaymentInput!) { recordPayment(input: $input) {
  payment { id amount currency method unallocated reference
    allocations { amount invoice { id status balance } } }
  userErrors { field message code } } }"""
GET = f"""query($id: ID!) {{ invoice(id: $id) {{ {INVOICE_FIELDS} }} }}"""


async def mutate(client: GraphQLClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The payload of the one mutation of ``query``."""
    data = await client.data(query, variables)
    return next(iter(data.values()))


async def ok(client: GraphQLClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The record of a mutation that must succeed."""
    payload = await mutate(client, query, variables)
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["invoice"] if "invoice" in payload else payload["payment"]


def line(quantity: int, price: str, rate: str = "19", **more: Any) -> dict[str, Any]:
    return {
        "description": f"Item {price}",
        "quantity": quantity,
        "unitPrice": price,
        "taxRate": rate,
        **more,
    }


async def issued(
    client: GraphQLClient,
    customer_id: str,
    lines: list[dict[str, Any]],
    currency: str = "EUR",
    date: str | None = None,
    **more: Any,
) -> dict[str, Any]:
    """A new invoice, issued."""
    draft = await ok(
        client,
        CREATE,
        {"input": {"customer": customer_id, "currency": currency, "lines": lines, **more}},
    )
    return await ok(client, ISSUE, {"id": draft["id"], "version": draft["version"], "date": date})
