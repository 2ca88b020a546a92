"""``GET /invoices/{id}.pdf``: the printable invoice, for a signed-in caller.

The same rules as the API: credentials as for ``/graphql`` (401 without valid ones), a
FINANCIAL role (403 otherwise), and the invoices' row rule (404 for an invoice the
caller may not read, as for one that does not exist).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crm_graphql.api.auth import AUTHENTICATION_REQUIRED, authenticating, credentials_from
from crm_graphql.api.entities import readable_q
from crm_graphql.api.errors import CrmError
from crm_graphql.api.ids import parse_global_id
from crm_graphql.api.roles import FINANCIAL
from crm_graphql.domains.auth.services import authenticate
from crm_graphql.domains.billing.models import Invoice, InvoiceLine
from crm_graphql.domains.billing.pdf import Party, render
from crm_graphql.domains.customers.models import Customer


def _error(code: str, message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _address(row: Customer) -> list[str]:
    city = " ".join(part for part in (row.postal_code, row.city) if part)
    return [
        part
        for part in (row.address_line1, row.address_line2, city, row.region, row.country)
        if part
    ]


async def invoice_pdf(request: Request) -> Response:
    """The PDF of one invoice or credit note."""
    settings = request.app.state.settings
    credentials = credentials_from(request)
    principal = None
    if credentials is not None:
        token = authenticating.set(True)
        try:
            principal = await authenticate(settings, credentials)
        finally:
            authenticating.reset(token)
    if principal is None:
        return _error("UNAUTHENTICATED", AUTHENTICATION_REQUIRED, 401)
    if principal.role not in FINANCIAL:
        return _error("FORBIDDEN", "Your role may not read invoices.", 403)
    try:
        type_name, pk = parse_global_id(request.path_params["id"])
    except CrmError:
        type_name, pk = "", 0
    if type_name != "Invoice":
        return _error("NOT_FOUND", "No such invoice.", 404)
    invoice = await Invoice.filter(readable_q(Invoice, principal), pk=pk).first()
    if invoice is None:
        return _error("NOT_FOUND", "No such invoice.", 404)
    lines = await InvoiceLine.filter(invoice_id=invoice.pk).order_by("position")
    customer = await Customer.get(pk=invoice.customer_id)
    if invoice.corrects_id is not None:
        corrected = await Invoice.filter(pk=invoice.corrects_id).values_list("number", flat=True)
        invoice.corrects_number = corrected[0] if corrected else None
    issuer, *issuer_lines = settings.invoice_issuer.split("|")
    buyer = Party(f"{customer.first_name} {customer.last_name}", _address(customer))
    body = render(invoice, lines, Party(issuer, issuer_lines), buyer)
    name = invoice.number or f"draft-{invoice.pk}"
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{name}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


def invoice_routes() -> list[Route]:
    """The printable invoice's one route."""
    return [Route("/invoices/{id}.pdf", invoice_pdf, methods=["GET"])]
