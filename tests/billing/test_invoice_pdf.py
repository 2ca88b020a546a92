"""The printable invoice: rendered for signed-in financial roles under the invoices' row
rule; its text, read back with a PDF reader, has the number, the lines and the totals."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from crm_graphql.api.roles import Role
from tests.billing.flows import PAY, issued, line, ok
from tests.factories import gid, make_customer, make_user


def _text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() for page in reader.pages)


async def test_the_pdf_shows_the_number_lines_and_totals(gql, db):
    customer = await make_customer(
        first_name="Zoë",
        last_name="Müller",
        city="Köln",
        postal_code="50667",
        address_line1="Domplatz 1",
    )
    invoice = await issued(
        gql,
        gid(customer),
        [
            line(3, "19.99", "19", description="Consulting hours"),
            line(2, "7.50", "7", description="Printed manual", discountPercent="10"),
        ],
        date="2026-04-01",
        notes="Thank you for your business.",
    )
    await ok(
        gql,
        PAY,
        {
            "input": {
                "customer": gid(customer),
                "amount": "20.00",
                "currency": "EUR",
                "method": "BANK_TRANSFER",
                "allocations": [{"invoice": invoice["id"], "amount": "20.00"}],
            }
        },
    )
    response = await gql.http.get(f"/invoices/{invoice['id']}.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = _text(response.content)
    # 3 x 19.99 = 59.97, tax 11.39; 2 x 7.50 less 10 % = 13.50, tax 0.95.
    for expected in [
        "Invoice INV-2026-00001",
        "Zoë Müller",
        "50667 Köln",
        "2026-05-01",
        "Consulting hours",
        "59.97",
        "Printed manual",
        "13.50",
        "Subtotal",
        "73.47 EUR",
        "Tax 19.00 % on 59.97",
        "11.39 EUR",
        "Tax 7.00 % on 13.50",
        "0.95 EUR",
        "Total",
        "85.81 EUR",
        "Paid",
        "20.00 EUR",
        "Balance due",
        "65.81 EUR",
        "Thank you for your business.",
    ]:
        assert expected in text, (expected, text)
    assert invoice["total"] == "85.81"


async def test_a_credit_note_names_the_invoice_it_corrects(gql, db):
    from tests.billing.flows import CREDIT, ISSUE

    customer = await make_customer()
    invoice = await issued(gql, gid(customer), [line(1, "100.00", "0")], date="2026-04-01")
    draft = await ok(gql, CREDIT, {"id": invoice["id"]})
    note = await ok(
        gql, ISSUE, {"id": draft["id"], "version": draft["version"], "date": "2026-04-02"}
    )
    text = _text((await gql.http.get(f"/invoices/{note['id']}.pdf")).content)
    assert "Credit note CN-2026-00001" in text
    assert "INV-2026-00001" in text and "-100.00 EUR" in text


async def test_the_pdf_follows_the_api_rules(gql, gql_as, anon, db):
    seller = await gql_as(Role.SALES)
    mine = await make_customer(owner=seller.user)
    theirs = await make_customer(owner=await make_user(Role.SALES))
    own = await issued(gql, gid(mine), [line(1, "10")])
    foreign = await issued(gql, gid(theirs), [line(1, "10")])
    assert (await seller.http.get(f"/invoices/{own['id']}.pdf")).status_code == 200
    hidden = await seller.http.get(f"/invoices/{foreign['id']}.pdf")
    assert (hidden.status_code, hidden.json()["error"]["code"]) == (404, "NOT_FOUND")
    support = await gql_as(Role.SUPPORT)
    assert (await support.http.get(f"/invoices/{own['id']}.pdf")).status_code == 403
    nobody = await anon()
    assert (await nobody.http.get(f"/invoices/{own['id']}.pdf")).status_code == 401
    assert (await gql.http.get(f"/invoices/{gid(mine)}.pdf")).status_code == 404
    assert (await gql.http.get("/invoices/garbage.pdf")).status_code == 404


@pytest.mark.parametrize("count", [60])
async def test_long_invoices_run_over_pages(gql, db, count):
    customer = await make_customer()
    invoice = await issued(
        gql, gid(customer), [line(1, "1.00", "0", description=f"Line {n}") for n in range(count)]
    )
    body = (await gql.http.get(f"/invoices/{invoice['id']}.pdf")).content
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) >= 2
    assert f"Line {count - 1}" in _text(body) and "60.00 EUR" in _text(body)
