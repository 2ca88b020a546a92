"""The printable invoice: a PDF rendered with fpdf2 (pure Python, installs from PyPI alone).

The built-in PDF fonts (Helvetica) cover Latin-1; other characters of names and
descriptions are printed without their accents where that is enough, else as "?".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from crm_graphql.domains.billing import services
from crm_graphql.domains.billing.models import InvoiceKind, InvoiceStatus


def latin1(text: str) -> str:
    """``text`` in the characters the core fonts print."""
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        plain = unicodedata.normalize("NFKD", text)
        return "".join(c if ord(c) < 256 else "?" for c in plain if not unicodedata.combining(c))


def amount(value: Any, currency: str) -> str:
    """1234.5 -> '1,234.50 EUR'."""
    return f"{services.money(value):,.2f} {currency}"


@dataclass(frozen=True)
class Party:
    """Who the invoice is from or to: a name and address lines."""

    name: str
    lines: Sequence[str]


def render(invoice: Any, lines: Sequence[Any], seller: Party, buyer: Party) -> bytes:
    """The PDF of one invoice or credit note (one page for up to ~25 lines, more pages
    after that, with the table header repeated)."""
    currency = invoice.currency
    credit = invoice.kind == InvoiceKind.CREDIT_NOTE
    title = "Credit note" if credit else "Invoice"
    number = invoice.number or "DRAFT (not issued)"

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_title(latin1(f"{title} {number}"))
    pdf.set_author(latin1(seller.name))
    pdf.add_page()

    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(0, 10, latin1(f"{title} {number}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    if invoice.status == InvoiceStatus.VOID:
        pdf.set_text_color(180, 0, 0)
        pdf.cell(0, 6, "VOID", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
    pdf.ln(2)

    top = pdf.get_y()
    for x, label, party in ((10, "From", seller), (110, "Bill to", buyer)):
        pdf.set_xy(x, top)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(90, 5, label, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font("Helvetica", "", 10)
        for text in (party.name, *party.lines):
            pdf.cell(90, 5, latin1(text), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), top + 30))

    facts: list[tuple[str, str]] = [
        ("Issue date", _day(invoice.issue_date)),
        ("Due date", _day(invoice.due_date)),
        (
            "Payment terms",
            f"net {invoice.payment_terms_days} days"
            if invoice.payment_terms_days is not None
            else "-",
        ),
        ("Currency", currency),
    ]
    if credit and getattr(invoice, "corrects_number", None):
        facts.append(("Corrects invoice", invoice.corrects_number))
    for label, value in facts:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(40, 5, label)
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(0, 5, latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)

    widths = (10, 72, 14, 26, 16, 14, 38)
    heads = ("#", "Description", "Qty", "Unit price", "Disc. %", "Tax %", "Net")

    def header() -> None:
        pdf.set_font("Helvetica", "B", 9)
        pdf.set_fill_color(230, 233, 240)
        for width, head in zip(widths, heads, strict=True):
            pdf.cell(
                width, 7, head, border="B", fill=True, align="L" if head in "#Description" else "R"
            )
        pdf.ln()
        pdf.set_font("Helvetica", "", 9)

    header()
    for line in lines:
        if pdf.get_y() > 260:
            pdf.add_page()
            header()
        cells = (
            str(line.position),
            latin1(line.description)[:48],
            str(line.quantity),
            f"{services.money(line.unit_price):,.2f}",
            f"{Decimal(str(line.discount_percent)):.2f}",
            f"{Decimal(str(line.tax_rate)):.2f}",
            f"{services.money(line.net_amount):,.2f}",
        )
        for width, text, head in zip(widths, cells, heads, strict=True):
            pdf.cell(width, 6, text, border="B", align="L" if head in "#Description" else "R")
        pdf.ln()
    pdf.ln(4)

    def total_row(label: str, value: Any, bold: bool = False) -> None:
        pdf.set_font("Helvetica", "B" if bold else "", 10)
        pdf.cell(sum(widths) - 48, 6, label, align="R")
        pdf.cell(48, 6, amount(value, currency), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    total_row("Subtotal", invoice.subtotal)
    for rate, net, tax in services.tax_by_rate(lines):
        total_row(f"Tax {rate:.2f} % on {net:,.2f}", tax)
    total_row("Total", invoice.total, bold=True)
    if services.money(invoice.amount_paid) or services.money(invoice.amount_credited):
        total_row("Paid", invoice.amount_paid)
        if services.money(invoice.amount_credited):
            total_row("Credited", invoice.amount_credited)
        total_row("Balance due", invoice.balance, bold=True)

    if invoice.notes:
        pdf.ln(6)
        pdf.set_font("Helvetica", "", 9)
        pdf.multi_cell(0, 5, latin1(invoice.notes))
    pdf.ln(6)
    pdf.set_font("Helvetica", "I", 8)
    pdf.multi_cell(
        0,
        4,
        "Amounts are rounded to the cent per line (net, then tax on the net); totals are "
        "the sums of the lines.",
    )
    return bytes(pdf.output())


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else "-"
