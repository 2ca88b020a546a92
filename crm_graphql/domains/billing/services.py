"""The rules of billing: line amounts and rounding, invoice numbers, status, credit notes
and payment allocations.

Plain functions over the models, free of GraphQL, so that the mutations, the demo data
and the command line apply the same rules. They never commit: callers run them inside
their transaction.

Rounding (the tax rule): every line is rounded on its own, half away from zero, to the
cent: ``net = round(quantity x unitPrice x (1 - discount/100))``, ``tax = round(net x
rate/100)``, ``gross = net + tax``. An invoice's subtotal, tax (per rate and in all) and
total are the sums of its rounded lines, so the lines printed always add up to the totals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from tortoise.expressions import F

from crm_graphql.api import validation
from crm_graphql.api.aggregation import rollups, tallies
from crm_graphql.api.json import plain
from crm_graphql.api.mutations.inputs import given
from crm_graphql.api.mutations.problems import Path, Problems, UserErrorCode
from crm_graphql.api.mutations.writes import Change
from crm_graphql.db.values import column_values
from crm_graphql.domains.billing.models import (
    ISSUED_STATUSES,
    OPEN_STATUSES,
    Invoice,
    InvoiceCounter,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentMethod,
)
from crm_graphql.domains.customers.models import Company, Customer
from crm_graphql.domains.orders.models import Order, OrderItem, OrderStatus, Product

#: Payment terms when neither the invoice, the customer nor its company sets any.
DEFAULT_PAYMENT_TERMS_DAYS = 30
MAX_PAYMENT_TERMS_DAYS = 365
#: The number series of each kind: INV-2026-00001, CN-2026-00001.
SERIES = {InvoiceKind.INVOICE: "INV", InvoiceKind.CREDIT_NOTE: "CN"}
#: Lines of one invoice; allocations of one payment.
MAX_LINES = 200
MAX_ALLOCATIONS = 100
MIN_QUANTITY = 1
MAX_QUANTITY = 1_000_000
DESCRIPTION_LENGTH = 500
NOTES_LENGTH = 5_000
REFERENCE_LENGTH = 120
#: Orders that may be invoiced: placed and not cancelled.
INVOICEABLE_ORDER_STATUSES = (
    OrderStatus.PLACED,
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.REFUNDED,
)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


def cents(value: Decimal) -> Decimal:
    """Round to the cent, half away from zero (the rounding of every line)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Any) -> Decimal:
    """A stored amount (Decimal, float from SQLite aggregates, text, None) as Decimal."""
    if value is None:
        return ZERO
    if isinstance(value, float):
        value = repr(value)
    return Decimal(str(value)).quantize(CENT)


# --------------------------------------------------------------------------- amounts


@dataclass(frozen=True)
class LineAmounts:
    """The rounded amounts of one line."""

    net: Decimal
    tax: Decimal
    gross: Decimal


def line_amounts(
    quantity: int, unit_price: Decimal, discount_percent: Decimal, tax_rate: Decimal, sign: int = 1
) -> LineAmounts:
    """A line's net, tax and gross, each rounded to the cent (see the module's docstring).

    ``sign`` is -1 for the lines of a credit note: the same amounts, negative.
    """
    net = cents(Decimal(quantity) * unit_price * (HUNDRED - discount_percent) / HUNDRED)
    tax = cents(net * tax_rate / HUNDRED)
    return LineAmounts(net=sign * net, tax=sign * tax, gross=sign * (net + tax))


@dataclass(frozen=True)
class InvoiceTotals:
    """An invoice's amounts: the sums of its rounded lines."""

    subtotal: Decimal
    tax_total: Decimal
    total: Decimal

    def columns(self) -> dict[str, Decimal]:
        return {"subtotal": self.subtotal, "tax_total": self.tax_total, "total": self.total}


def invoice_totals(lines: Iterable[Any]) -> InvoiceTotals:
    """Subtotal, tax and total of lines (rows or :class:`Line` objects)."""
    subtotal = tax = ZERO
    for line in lines:
        subtotal += money(line.net_amount)
        tax += money(line.tax_amount)
    return InvoiceTotals(subtotal=subtotal, tax_total=tax, total=subtotal + tax)


def tax_by_rate(lines: Iterable[Any]) -> list[tuple[Decimal, Decimal, Decimal]]:
    """(rate, net, tax) per tax rate, highest rate first."""
    nets: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    taxes: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        rate = Decimal(str(line.tax_rate)).quantize(CENT)
        nets[rate] += money(line.net_amount)
        taxes[rate] += money(line.tax_amount)
    return [(rate, nets[rate], taxes[rate]) for rate in sorted(nets, reverse=True)]


def sign_of(kind: InvoiceKind | str) -> int:
    """+1 for invoices, -1 for credit notes."""
    return -1 if InvoiceKind(kind) is InvoiceKind.CREDIT_NOTE else 1


def settled_status(
    kind: InvoiceKind | str, total: Decimal, paid: Decimal, credited: Decimal
) -> InvoiceStatus:
    """The status of an issued invoice from what was paid and credited on it."""
    sign = sign_of(kind)
    balance = total - paid - credited
    if sign * balance <= 0:
        return InvoiceStatus.PAID
    if sign * (paid + credited) > 0:
        return InvoiceStatus.PARTIALLY_PAID
    return InvoiceStatus.ISSUED


def days_overdue(invoice: Any, today: date) -> int:
    """Days past the due date of an invoice still owed (0 when not overdue)."""
    if invoice.status not in OPEN_STATUSES or invoice.due_date is None:
        return 0
    return max(0, (today - invoice.due_date).days)


def today_utc() -> date:
    return datetime.now(UTC).date()


# --------------------------------------------------------------------------- owners


async def customer_owner(row: Any) -> int | None:
    """Who owns an invoice or a payment: the owner of its customer."""
    owners = await column_values(Customer.filter(pk=row.customer_id), "owner_id")
    return owners[0] if owners else None


async def locked_invoice(pk: int) -> Invoice | None:
    """An invoice read with a row lock: changes of one invoice never interleave."""
    return await Invoice.filter(pk=pk).select_for_update().first()


# --------------------------------------------------------------------------- lines


@dataclass
class Line:
    """A validated invoice line, ready to insert."""

    product_id: int | None
    description: str
    quantity: int
    unit_price: Decimal
    discount_percent: Decimal
    tax_rate: Decimal
    net_amount: Decimal
    tax_amount: Decimal
    gross_amount: Decimal

    def columns(self, position: int) -> dict[str, Any]:
        return {
            "position": position,
            "product_id": self.product_id,
            "description": self.description,
            "quantity": self.quantity,
            "unit_price": self.unit_price,
            "discount_percent": self.discount_percent,
            "tax_rate": self.tax_rate,
            "net_amount": self.net_amount,
            "tax_amount": self.tax_amount,
            "gross_amount": self.gross_amount,
        }


def percent(problems: Problems, path: Path, value: Any) -> Decimal | None:
    """A percentage from 0 to 100 with at most two decimals."""
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        problems.add(path, "Not a decimal number.", UserErrorCode.INVALID)
        return None
    exponent = rate.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2:
        problems.add(path, "At most two decimals.", UserErrorCode.INVALID)
        return None
    if not Decimal(0) <= rate <= HUNDRED:
        problems.add(path, "From 0 to 100.", UserErrorCode.OUT_OF_RANGE)
        return None
    return rate.quantize(CENT)


def make_line(
    problems: Problems,
    path: Path,
    *,
    product: Product | None,
    description: str | None,
    quantity: int,
    unit_price: Decimal | None,
    discount_percent: Any,
    tax_rate: Any,
    currency: str | None,
    sign: int,
) -> Line | None:
    """Validate one line: the description and price default to the product's (its price
    only in the invoice's currency), the tax rate to the product's (else 0)."""
    errors = len(problems.errors)
    text = description if description is not None else (product.name if product else None)
    text = validation.text(
        problems, [*path, "description"], text, max_length=DESCRIPTION_LENGTH, required=True
    )
    if not MIN_QUANTITY <= quantity <= MAX_QUANTITY:
        problems.add(
            [*path, "quantity"],
            f"From {MIN_QUANTITY} to {MAX_QUANTITY}.",
            UserErrorCode.OUT_OF_RANGE,
        )
    price: Decimal | None = None
    if unit_price is not None:
        price = validation.money(problems, [*path, "unitPrice"], unit_price)
    elif product is not None:
        if currency is not None and product.currency != currency:
            problems.add(
                [*path, "unitPrice"],
                f"The product is priced in {product.currency}: give a unit price in {currency}.",
                UserErrorCode.INVALID,
            )
        else:
            price = money(product.unit_price)
    else:
        problems.add([*path, "unitPrice"], "This is required.", UserErrorCode.REQUIRED)
    discount = percent(problems, [*path, "discountPercent"], discount_percent or 0)
    if tax_rate is None:
        tax_rate = product.tax_rate if product is not None and product.tax_rate is not None else 0
    rate = percent(problems, [*path, "taxRate"], tax_rate)
    if len(problems.errors) > errors or price is None or discount is None or rate is None:
        return None
    assert text is not None
    amounts = line_amounts(quantity, price, discount, rate, sign)
    if abs(amounts.gross) > validation.MAX_AMOUNT:
        problems.add([*path, "quantity"], "The line is too large.", UserErrorCode.OUT_OF_RANGE)
        return None
    return Line(
        product.pk if product else None,
        text,
        quantity,
        price,
        discount,
        rate,
        amounts.net,
        amounts.tax,
        amounts.gross,
    )


async def lines_from_input(
    problems: Problems, items: Sequence[Any], path: Path, currency: str | None, sign: int
) -> list[Line]:
    """Validate the lines of an input (all problems at once): products in one query."""
    if len(items) > MAX_LINES:
        problems.add(path, f"At most {MAX_LINES} lines.", UserErrorCode.TOO_MANY)
        return []
    paths = [[*path, index] for index in range(len(items))]
    pks = [
        problems.id_of([*p, "product"], item.product, "Product") if item.product else None
        for item, p in zip(items, paths, strict=True)
    ]
    wanted = {pk for pk in pks if pk is not None}
    products = {p.pk: p for p in await Product.filter(pk__in=wanted)} if wanted else {}
    lines: list[Line] = []
    for item, p, pk in zip(items, paths, pks, strict=True):
        product = products.get(pk) if pk is not None else None
        if pk is not None and product is None:
            problems.add([*p, "product"], "No such product.", UserErrorCode.NOT_FOUND)
            continue
        line = make_line(
            problems,
            p,
            product=product,
            description=item.description,
            quantity=item.quantity,
            unit_price=item.unit_price,
            discount_percent=item.discount_percent,
            tax_rate=item.tax_rate,
            currency=currency,
            sign=sign,
        )
        if line is not None:
            lines.append(line)
    return lines


def check_total(problems: Problems, totals: InvoiceTotals, path: Path) -> None:
    if abs(totals.total) > validation.MAX_AMOUNT:
        problems.add(path, "The invoice total is too large.", UserErrorCode.OUT_OF_RANGE)


async def write_lines(invoice_id: int, lines: Sequence[Line]) -> None:
    if lines:
        await InvoiceLine.bulk_create(
            [
                InvoiceLine(invoice_id=invoice_id, **line.columns(i + 1))
                for i, line in enumerate(lines)
            ]
        )


def terms(problems: Problems, path: Path, value: int | None) -> int | None:
    if value is not None and not 0 <= value <= MAX_PAYMENT_TERMS_DAYS:
        problems.add(path, f"From 0 to {MAX_PAYMENT_TERMS_DAYS} days.", UserErrorCode.OUT_OF_RANGE)
        return None
    return value


def notes(problems: Problems, path: Path, value: str | None) -> str | None:
    return validation.text(problems, path, value, max_length=NOTES_LENGTH)


def require_draft(problems: Problems, invoice: Invoice, path: Path, what: str) -> None:
    """Only DRAFT invoices change; an issued one is corrected by a credit note."""
    if invoice.status != InvoiceStatus.DRAFT:
        problems.fail(
            path,
            f"Only DRAFT invoices {what}; this one is {InvoiceStatus(invoice.status).value} "
            "(correct it with a credit note).",
            UserErrorCode.INVALID_TRANSITION,
        )


# --------------------------------------------------------------------------- creation


async def _customer_of(change: Change, global_id: str) -> int | None:
    customer_id = await change.problems.existing_id(change.at("customer"), global_id, "Customer")
    if customer_id is not None:
        owners = await column_values(Customer.filter(pk=customer_id), "owner_id")
        change.owner_id = owners[0] if owners else None
    return customer_id


async def new_invoice(change: Change) -> dict[str, Any]:
    """A new DRAFT invoice without an order: customer, currency and lines."""
    data, problems = change.input, change.problems
    customer_id = await _customer_of(change, data.customer)
    currency = validation.currency(problems, change.at("currency"), data.currency)
    lines = await lines_from_input(problems, data.lines, change.at("lines"), currency, 1)
    totals = invoice_totals(lines)
    check_total(problems, totals, change.at("lines"))
    change.extra["lines"] = lines
    change.audit["lines"] = [plain(line.columns(i + 1)) for i, line in enumerate(lines)]
    return {
        "kind": InvoiceKind.INVOICE,
        "series": SERIES[InvoiceKind.INVOICE],
        "customer_id": customer_id,
        "currency": currency,
        "payment_terms_days": terms(
            problems, change.at("paymentTermsDays"), data.payment_terms_days
        ),
        "notes": notes(problems, change.at("notes"), data.notes),
        "status": InvoiceStatus.DRAFT,
        **totals.columns(),
        "balance": totals.total,
    }


def order_invoice(order_gid: str) -> Any:
    """The rules of invoicing one order: it must be placed (not a draft, not cancelled) and
    not invoiced yet (a void invoice does not count); its lines are copied with the
    products' tax rates (``input.taxRate`` for products without one)."""

    async def prepare(change: Change) -> dict[str, Any]:
        data, problems = change.input, change.problems
        order_id = problems.id_of(["orderId"], order_gid, "Order")
        problems.check()
        order = await Order.filter(pk=order_id).select_for_update().first()
        if order is None:
            problems.fail(["orderId"], "No such order.", UserErrorCode.NOT_FOUND)
        if order.status not in INVOICEABLE_ORDER_STATUSES:
            problems.fail(
                ["orderId"],
                f"A {OrderStatus(order.status).value} order cannot be invoiced.",
                UserErrorCode.INVALID_TRANSITION,
            )
        invoiced = Invoice.filter(order_id=order.pk, kind=InvoiceKind.INVOICE).exclude(
            status=InvoiceStatus.VOID
        )
        if await invoiced.exists():
            problems.fail(["orderId"], "The order is invoiced already.", UserErrorCode.DUPLICATE)
        owners = await column_values(Customer.filter(pk=order.customer_id), "owner_id")
        change.owner_id = owners[0] if owners else None
        default_rate = data.tax_rate if data is not None and data.tax_rate is not None else None
        items = await OrderItem.filter(order_id=order.pk).order_by("id").prefetch_related("product")
        lines: list[Line] = []
        for index, item in enumerate(items):
            product = item.product
            rate = product.tax_rate if product.tax_rate is not None else (default_rate or 0)
            line = make_line(
                problems,
                change.at("lines", index),
                product=product,
                description=product.name,
                quantity=item.quantity,
                unit_price=money(item.unit_price),
                discount_percent=0,
                tax_rate=rate,
                currency=order.currency,
                sign=1,
            )
            if line is not None:
                lines.append(line)
        totals = invoice_totals(lines)
        check_total(problems, totals, ["orderId"])
        change.extra["lines"] = lines
        change.audit["order_id"] = order.pk
        return {
            "kind": InvoiceKind.INVOICE,
            "series": SERIES[InvoiceKind.INVOICE],
            "customer_id": order.customer_id,
            "order_id": order.pk,
            "currency": order.currency,
            "payment_terms_days": terms(
                problems, change.at("paymentTermsDays"), data.payment_terms_days if data else None
            ),
            "notes": notes(problems, change.at("notes"), data.notes if data else None),
            "status": InvoiceStatus.DRAFT,
            **totals.columns(),
            "balance": totals.total,
        }

    return prepare


def credit_note_for(invoice_gid: str) -> Any:
    """The rules of a credit note: it corrects an issued invoice (not a draft, void or a
    credit note) of the same customer and currency, for at most what that invoice still
    has uncredited. Without lines it credits every line of the invoice."""

    async def prepare(change: Change) -> dict[str, Any]:
        data, problems = change.input, change.problems
        invoice_id = problems.id_of(["invoiceId"], invoice_gid, "Invoice")
        problems.check()
        assert invoice_id is not None
        corrected = await locked_invoice(invoice_id)
        if corrected is None:
            problems.fail(["invoiceId"], "No such invoice.", UserErrorCode.NOT_FOUND)
        if corrected.kind != InvoiceKind.INVOICE or corrected.status not in ISSUED_STATUSES:
            problems.fail(
                ["invoiceId"],
                "Only issued invoices (not drafts, void invoices or credit notes) are corrected "
                "by a credit note.",
                UserErrorCode.INVALID_TRANSITION,
            )
        owners = await column_values(Customer.filter(pk=corrected.customer_id), "owner_id")
        change.owner_id = owners[0] if owners else None
        if data is not None and data.lines is not None:
            lines = await lines_from_input(
                problems, data.lines, change.at("lines"), corrected.currency, -1
            )
        else:
            originals = await InvoiceLine.filter(invoice_id=corrected.pk).order_by("position")
            lines = [
                Line(
                    o.product_id,
                    o.description,
                    o.quantity,
                    money(o.unit_price),
                    Decimal(str(o.discount_percent)),
                    Decimal(str(o.tax_rate)),
                    -money(o.net_amount),
                    -money(o.tax_amount),
                    -money(o.gross_amount),
                )
                for o in originals
            ]
        totals = invoice_totals(lines)
        earlier = await column_values(
            Invoice.filter(corrects_id=corrected.pk).exclude(status=InvoiceStatus.VOID), "total"
        )
        room = money(corrected.total) + sum((money(t) for t in earlier), ZERO)
        if -totals.total > room:
            problems.add(
                change.at("lines"),
                f"A credit note may credit at most {room} {corrected.currency} of this invoice.",
                UserErrorCode.OUT_OF_RANGE,
            )
        change.extra["lines"] = lines
        change.audit["corrects_id"] = corrected.pk
        return {
            "kind": InvoiceKind.CREDIT_NOTE,
            "series": SERIES[InvoiceKind.CREDIT_NOTE],
            "customer_id": corrected.customer_id,
            "order_id": corrected.order_id,
            "corrects_id": corrected.pk,
            "currency": corrected.currency,
            "payment_terms_days": 0,
            "notes": notes(problems, change.at("notes"), data.notes if data else None),
            "status": InvoiceStatus.DRAFT,
            **totals.columns(),
            "balance": totals.total,
        }

    return prepare


async def write_new_lines(change: Change, invoice: Invoice, values: dict[str, Any]) -> None:
    """After a new invoice is written: its lines."""
    await write_lines(invoice.pk, change.extra["lines"])


async def invoice_changes(change: Change) -> dict[str, Any]:
    """A DRAFT invoice's terms, notes or lines (all lines replaced when given)."""
    data, problems, invoice = change.input, change.problems, change.row
    require_draft(problems, invoice, ["id"], "change")
    values: dict[str, Any] = {}
    if given(data.payment_terms_days):
        values["payment_terms_days"] = terms(
            problems, change.at("paymentTermsDays"), data.payment_terms_days
        )
    if given(data.notes):
        values["notes"] = notes(problems, change.at("notes"), data.notes)
    if given(data.lines) and data.lines is not None:
        lines = await lines_from_input(
            problems, data.lines, change.at("lines"), invoice.currency, sign_of(invoice.kind)
        )
        totals = invoice_totals(lines)
        check_total(problems, totals, change.at("lines"))
        values.update(totals.columns(), balance=totals.total)
        change.extra["lines"] = lines
        change.audit["lines"] = [plain(line.columns(i + 1)) for i, line in enumerate(lines)]
    return values


async def replace_lines(change: Change, invoice: Invoice, values: dict[str, Any]) -> None:
    if "lines" in change.extra:
        await InvoiceLine.filter(invoice_id=invoice.pk).delete()
        await write_lines(invoice.pk, change.extra["lines"])


async def remove_draft(change: Change) -> None:
    """Before an invoice is deleted: it must be a DRAFT; its lines go with it."""
    require_draft(change.problems, change.row, change.path, "are deleted")
    await InvoiceLine.filter(invoice_id=change.row.pk).delete()


# --------------------------------------------------------------------------- issuing


async def payment_terms_of(invoice: Invoice) -> int:
    """The invoice's own terms, else its customer's, else the company's, else 30 days."""
    if invoice.payment_terms_days is not None:
        return invoice.payment_terms_days
    rows = await Customer.filter(pk=invoice.customer_id).values("payment_terms_days", "company_id")
    if rows and rows[0]["payment_terms_days"] is not None:
        return int(rows[0]["payment_terms_days"])
    if rows and rows[0]["company_id"] is not None:
        company = await column_values(
            Company.filter(pk=rows[0]["company_id"]), "payment_terms_days"
        )
        if company and company[0] is not None:
            return int(company[0])
    return DEFAULT_PAYMENT_TERMS_DAYS


async def next_number(series: str, year: int) -> int:
    """The next number of a series in a year, gap-free.

    One statement takes it: an upsert of the counter row that creates it at 1 or adds 1
    (``INSERT ... ON DUPLICATE KEY UPDATE`` on MySQL, ``ON CONFLICT ... DO UPDATE`` on
    SQLite). It locks the row until the issuing transaction ends, so concurrent issues
    of a series queue up behind each other, and a rolled-back issue rolls its number
    back too. (Reading the row first with ``SELECT ... FOR UPDATE`` would, for the first
    issue of a year, lock the gap where the row will go; several issues holding that gap
    and then inserting into it deadlock on MySQL.)
    """
    db = InvoiceCounter._meta.db
    table = InvoiceCounter._meta.db_table
    columns = "series, year, last_number, version, created_at, updated_at"
    now = datetime.now(UTC)
    if db.capabilities.dialect == "mysql":
        stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        await db.execute_query(
            f"INSERT INTO {table} ({columns}) VALUES (%s, %s, 1, 1, %s, %s) "
            "ON DUPLICATE KEY UPDATE last_number = last_number + 1, updated_at = %s",
            [series, year, stamp, stamp, stamp],
        )
    else:
        await db.execute_query(
            f"INSERT INTO {table} ({columns}) VALUES (?, ?, 1, 1, ?, ?) "
            "ON CONFLICT (series, year) DO UPDATE SET last_number = last_number + 1, "
            "updated_at = excluded.updated_at",
            [series, year, str(now), str(now)],
        )
    counter = await InvoiceCounter.filter(series=series, year=year).select_for_update().first()
    assert counter is not None
    return counter.last_number


def format_number(series: str, year: int, number: int) -> str:
    return f"{series}-{year}-{number:05d}"


def issue(issue_date: date | None) -> Any:
    """The rules of issuing a DRAFT invoice (at least one line): its number, issue and
    due dates; a credit note is applied to the invoice it corrects right away."""

    async def run(change: Change) -> dict[str, Any]:
        problems, invoice = change.problems, change.row
        require_draft(problems, invoice, ["id"], "are issued")
        if not await InvoiceLine.filter(invoice_id=invoice.pk).exists():
            problems.fail(
                ["id"], "An invoice without lines cannot be issued.", UserErrorCode.INVALID
            )
        day = issue_date or today_utc()
        days = await payment_terms_of(invoice)
        values: dict[str, Any] = {
            "issue_date": day,
            "due_date": day + timedelta(days=days),
            "payment_terms_days": days,
            "issued_at": datetime.now(UTC),
        }
        total = money(invoice.total)
        credited = ZERO
        if invoice.kind == InvoiceKind.CREDIT_NOTE and invoice.corrects_id is not None:
            credited = await _apply_credit(invoice.corrects_id, -total)
            # The credit note's own balance: what it could not settle stays as credit.
            credited = -credited
        values["amount_credited"] = credited
        values["balance"] = total - credited
        values["status"] = settled_status(invoice.kind, total, ZERO, credited)
        number = await next_number(invoice.series, day.year)
        values["number"] = format_number(invoice.series, day.year, number)
        change.audit["number"] = values["number"]
        return values

    return run


async def record_invoice(before: Invoice, after: Invoice) -> None:
    """Move an invoice changed outside its own mutation in its rollups and tallies
    (in the running transaction)."""
    await rollups.record(Invoice, before, after)
    await tallies.record(Invoice, before, after)


async def _apply_credit(invoice_id: int, amount: Decimal) -> Decimal:
    """Credit up to ``amount`` to an invoice's open balance; returns what was applied."""
    corrected = await locked_invoice(invoice_id)
    assert corrected is not None
    balance = money(corrected.balance)
    applied = min(amount, max(balance, ZERO))
    if applied > 0:
        credited = money(corrected.amount_credited) + applied
        await Invoice.filter(pk=corrected.pk).update(
            amount_credited=credited,
            balance=balance - applied,
            status=settled_status(
                corrected.kind, money(corrected.total), money(corrected.amount_paid), credited
            ),
            updated_at=datetime.now(UTC),
            version=F("version") + 1,
        )
        # Written beside the corrected invoice's own mutation: its rollup cells too.
        await record_invoice(corrected, await Invoice.get(pk=corrected.pk))
    return applied


async def void(change: Change) -> dict[str, Any]:
    """VOID: only a DRAFT or an ISSUED invoice with nothing paid or credited on it."""
    problems, invoice = change.problems, change.row
    allowed = invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.ISSUED)
    if not allowed or money(invoice.amount_paid) != 0 or money(invoice.amount_credited) != 0:
        problems.fail(
            ["id"],
            "Only invoices without payments or credits can be voided; correct this one with "
            "a credit note.",
            UserErrorCode.INVALID_TRANSITION,
        )
    notes_ = Invoice.filter(corrects_id=invoice.pk).exclude(status=InvoiceStatus.VOID)
    if await notes_.exists():
        problems.fail(["id"], "The invoice has credit notes.", UserErrorCode.INVALID_TRANSITION)
    change.audit["from"] = InvoiceStatus(invoice.status).value
    return {"status": InvoiceStatus.VOID, "balance": ZERO}


# --------------------------------------------------------------------------- payments


async def new_payment(change: Change) -> dict[str, Any]:
    """A payment (negative: a refund) and its allocations, all checked before anything
    is written: each allocation has the payment's sign (payments settle invoices,
    refunds settle credit notes), is on an open invoice of the same customer and
    currency, at most its balance; together at most the payment. The rest stays with
    the customer as credit."""
    data, problems = change.input, change.problems
    customer_id = await _customer_of(change, data.customer)
    currency = validation.currency(problems, change.at("currency"), data.currency)
    amount = validation.money(problems, change.at("amount"), data.amount, allow_negative=True)
    if amount is not None and amount == 0:
        problems.add(change.at("amount"), "A payment is not zero.", UserErrorCode.OUT_OF_RANGE)
    reference = validation.text(
        problems, change.at("reference"), data.reference, max_length=REFERENCE_LENGTH
    )
    received_at = data.received_at or datetime.now(UTC)
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=UTC)
    if received_at > datetime.now(UTC) + timedelta(days=1):
        problems.add(change.at("receivedAt"), "Not in the future.", UserErrorCode.OUT_OF_RANGE)
    allocations = data.allocations or []
    if len(allocations) > MAX_ALLOCATIONS:
        problems.fail(
            change.at("allocations"), f"At most {MAX_ALLOCATIONS}.", UserErrorCode.TOO_MANY
        )
    paths = [change.at("allocations", i) for i in range(len(allocations))]
    pks = [
        problems.id_of([*p, "invoice"], a.invoice, "Invoice")
        for a, p in zip(allocations, paths, strict=True)
    ]
    wanted = sorted({pk for pk in pks if pk is not None})
    # Locked in key order, so two payments on the same invoices never deadlock.
    invoices = (
        {i.pk: i for i in await Invoice.filter(pk__in=wanted).order_by("id").select_for_update()}
        if wanted
        else {}
    )
    sign = 1 if amount is None or amount > 0 else -1
    planned: list[tuple[int, Decimal]] = []
    per_invoice: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for allocation, p, pk in zip(allocations, paths, pks, strict=True):
        value = validation.money(problems, [*p, "amount"], allocation.amount, allow_negative=True)
        if pk is None:
            continue
        invoice = invoices.get(pk)
        if invoice is None:
            problems.add([*p, "invoice"], "No such invoice.", UserErrorCode.NOT_FOUND)
            continue
        if customer_id is not None and invoice.customer_id != customer_id:
            problems.add(
                [*p, "invoice"], "The invoice is another customer's.", UserErrorCode.INVALID
            )
            continue
        if currency is not None and invoice.currency != currency:
            problems.add(
                [*p, "invoice"],
                f"The invoice is in {invoice.currency}, the payment in {currency}.",
                UserErrorCode.INVALID,
            )
            continue
        if invoice.status not in OPEN_STATUSES:
            problems.add(
                [*p, "invoice"],
                f"The invoice is {InvoiceStatus(invoice.status).value}: nothing is owed on it.",
                UserErrorCode.INVALID_TRANSITION,
            )
            continue
        if sign_of(invoice.kind) != sign:
            problems.add(
                [*p, "invoice"],
                "Payments settle invoices; refunds (negative payments) settle credit notes.",
                UserErrorCode.INVALID,
            )
            continue
        if value is None:
            continue
        if value == 0 or (value > 0) != (sign > 0):
            problems.add(
                [*p, "amount"], "Same sign as the payment, not zero.", UserErrorCode.OUT_OF_RANGE
            )
            continue
        per_invoice[pk] += value
        if abs(per_invoice[pk]) > abs(money(invoice.balance)):
            problems.add(
                [*p, "amount"],
                f"More than the invoice's balance of {money(invoice.balance)} {invoice.currency}.",
                UserErrorCode.OUT_OF_RANGE,
            )
            continue
        planned.append((pk, value))
    allocated = sum((value for _, value in planned), ZERO)
    if amount is not None and abs(allocated) > abs(amount):
        problems.add(
            change.at("allocations"),
            f"The allocations ({allocated}) exceed the payment ({amount}).",
            UserErrorCode.OUT_OF_RANGE,
        )
    change.extra["allocations"] = planned
    change.extra["invoices"] = invoices
    change.audit["allocations"] = [
        {"invoice_id": pk, "amount": str(value)} for pk, value in planned
    ]
    return {
        "customer_id": customer_id,
        "currency": currency,
        "amount": amount,
        "method": PaymentMethod(
            data.method.value if hasattr(data.method, "value") else data.method
        ),
        "received_at": received_at,
        "reference": reference,
        "unallocated": (amount - allocated) if amount is not None else None,
    }


async def write_allocations(change: Change, payment: Payment, values: dict[str, Any]) -> None:
    """After a payment is written: its allocations, and each invoice's paid amount,
    balance and status."""
    planned: list[tuple[int, Decimal]] = change.extra["allocations"]
    if not planned:
        return
    await PaymentAllocation.bulk_create(
        [
            PaymentAllocation(payment_id=payment.pk, invoice_id=pk, amount=value)
            for pk, value in planned
        ]
    )
    invoices: dict[int, Invoice] = change.extra["invoices"]
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for pk, value in planned:
        totals[pk] += value
    now = datetime.now(UTC)
    for pk, value in totals.items():
        invoice = invoices[pk]
        paid = money(invoice.amount_paid) + value
        credited = money(invoice.amount_credited)
        total = money(invoice.total)
        await Invoice.filter(pk=pk).update(
            amount_paid=paid,
            balance=total - paid - credited,
            status=settled_status(invoice.kind, total, paid, credited),
            updated_at=now,
            version=F("version") + 1,
        )
        # Written beside the invoice's own mutation: its rollup cells too.
        await record_invoice(invoice, await Invoice.get(pk=pk))
