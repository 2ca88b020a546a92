"""Invoices: amounts rounded per line, drafts editable and issued ones not, numbers,
due dates from payment terms, VOID only without payments, credit notes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from crm_graphql.api.roles import Role
from crm_graphql.domains.billing.models import Invoice, InvoiceLine
from tests.billing.flows import (
    CREATE,
    CREDIT,
    FROM_ORDER,
    ISSUE,
    PAY,
    UPDATE,
    VOID,
    issued,
    line,
    mutate,
    ok,
)
from tests.factories import gid, make_company, make_customer, make_order, make_product


async def test_lines_are_rounded_one_by_one_and_totals_are_their_sums(gql, db):
    customer = await make_customer()
    invoice = await ok(
        gql,
        CREATE,
        {
            "input": {
                "customer": gid(customer),
                "currency": "EUR",
                "lines": [
                    # 3 x 0.35 = 1.05, tax 19 % = 0.1995 -> 0.20
                    line(3, "0.35", "19"),
                    # 7 x 9.99 = 69.93 less 2.5 % = 68.18175 -> 68.18; tax 7 % = 4.7726 -> 4.77
                    line(7, "9.99", "7", discountPercent="2.5"),
                    line(1, "10.00", "0"),
                ],
            }
        },
    )
    assert invoice["status"] == "DRAFT" and invoice["number"] is None
    nets = [li["netAmount"] for li in invoice["lines"]]
    taxes = [li["taxAmount"] for li in invoice["lines"]]
    assert nets == ["1.05", "68.18", "10.00"]
    assert taxes == ["0.20", "4.77", "0.00"]
    assert invoice["subtotal"] == "79.23"
    assert invoice["taxTotal"] == "4.97"
    assert invoice["total"] == invoice["balance"] == "84.20"
    assert invoice["taxByRate"] == [
        {"rate": "19.00", "net": "1.05", "tax": "0.20"},
        {"rate": "7.00", "net": "68.18", "tax": "4.77"},
        {"rate": "0.00", "net": "10.00", "tax": "0.00"},
    ]


async def test_invoice_from_order_copies_its_lines_with_the_products_tax_rates(gql, db):
    customer = await make_customer()
    book = await make_product(name="Book", unit_price=Decimal("20.00"), tax_rate=Decimal("7"))
    lamp = await make_product(name="Lamp", unit_price=Decimal("45.50"))
    order = await make_order(customer, [(book, 2), (lamp, 1)])
    invoice = await ok(gql, FROM_ORDER, {"order": gid(order), "input": {"taxRate": "19"}})
    assert [
        (li["description"], li["quantity"], li["unitPrice"], li["taxRate"])
        for li in invoice["lines"]
    ] == [
        ("Book", 2, "20.00", "7.00"),
        ("Lamp", 1, "45.50", "19.00"),
    ]
    assert invoice["currency"] == "USD"
    assert invoice["total"] == str(Decimal("42.80") + Decimal("54.15"))
    again = await mutate(gql, FROM_ORDER, {"order": gid(order)})
    assert [e["code"] for e in again["userErrors"]] == ["DUPLICATE"]
    assert await Invoice.filter(order_id=order.pk).count() == 1


async def test_draft_orders_cannot_be_invoiced(gql, db):
    from crm_graphql.domains.orders.models import OrderStatus

    order = await make_order(
        await make_customer(), [(await make_product(), 1)], status=OrderStatus.DRAFT
    )
    payload = await mutate(gql, FROM_ORDER, {"order": gid(order)})
    assert payload["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert await Invoice.all().count() == 0


async def test_drafts_are_edited_and_issued_invoices_are_not(gql, db):
    customer = await make_customer()
    draft = await ok(
        gql,
        CREATE,
        {"input": {"customer": gid(customer), "currency": "EUR", "lines": [line(1, "100.00")]}},
    )
    edited = await ok(
        gql,
        UPDATE,
        {
            "id": draft["id"],
            "input": {
                "version": draft["version"],
                "lines": [line(2, "50.00", "7")],
                "notes": "Thanks",
            },
        },
    )
    assert edited["total"] == "107.00" and len(edited["lines"]) == 1
    done = await ok(gql, ISSUE, {"id": draft["id"], "version": edited["version"]})
    refused = await mutate(
        gql,
        UPDATE,
        {"id": draft["id"], "input": {"version": done["version"], "lines": [line(1, "1.00")]}},
    )
    assert [e["code"] for e in refused["userErrors"]] == ["INVALID_TRANSITION"]
    stored = await Invoice.get(number=done["number"])
    assert stored.total == Decimal("107.00")
    assert await InvoiceLine.filter(invoice_id=stored.pk).count() == 1


async def test_bad_lines_are_user_errors_and_nothing_is_written(gql, db):
    customer = await make_customer()
    payload = await mutate(
        gql,
        CREATE,
        {
            "input": {
                "customer": gid(customer),
                "currency": "EUR",
                "lines": [line(0, "1.00"), line(1, "1.001"), line(1, "5", "101"), {"quantity": 1}],
            }
        },
    )
    assert payload["invoice"] is None
    assert sorted((".".join(e["field"]), e["code"]) for e in payload["userErrors"]) == [
        ("input.lines.0.quantity", "OUT_OF_RANGE"),
        ("input.lines.1.unitPrice", "INVALID"),
        ("input.lines.2.taxRate", "OUT_OF_RANGE"),
        ("input.lines.3.description", "REQUIRED"),
        ("input.lines.3.unitPrice", "REQUIRED"),
    ]
    assert await Invoice.all().count() == 0 and await InvoiceLine.all().count() == 0


async def test_numbers_are_consecutive_per_series_and_year(gql, db):
    customer = await make_customer()
    first = await issued(gql, gid(customer), [line(1, "10")], date="2026-03-01")
    second = await issued(gql, gid(customer), [line(1, "10")], date="2026-03-02")
    next_year = await issued(gql, gid(customer), [line(1, "10")], date="2027-01-02")
    credit = await ok(gql, CREDIT, {"id": first["id"]})
    credit = await ok(
        gql, ISSUE, {"id": credit["id"], "version": credit["version"], "date": "2026-03-05"}
    )
    assert [first["number"], second["number"], next_year["number"], credit["number"]] == [
        "INV-2026-00001",
        "INV-2026-00002",
        "INV-2027-00001",
        "CN-2026-00001",
    ]


async def test_an_invoice_without_lines_is_not_issued(gql, db):
    draft = await ok(
        gql, CREATE, {"input": {"customer": gid(await make_customer()), "currency": "EUR"}}
    )
    payload = await mutate(gql, ISSUE, {"id": draft["id"], "version": draft["version"]})
    assert payload["userErrors"][0]["code"] == "INVALID"


async def test_due_date_follows_invoice_customer_company_or_default_terms(gql, db):
    company = await make_company(payment_terms_days=45)
    at_company = await make_customer(company=company)
    own_terms = await make_customer(company=company, payment_terms_days=14)
    plain = await make_customer()
    day = "2026-01-10"
    results = [
        await issued(gql, gid(plain), [line(1, "1")], date=day),
        await issued(gql, gid(at_company), [line(1, "1")], date=day),
        await issued(gql, gid(own_terms), [line(1, "1")], date=day),
        await issued(gql, gid(own_terms), [line(1, "1")], date=day, paymentTermsDays=7),
    ]
    assert [(r["paymentTermsDays"], r["dueDate"]) for r in results] == [
        (30, "2026-02-09"),
        (45, "2026-02-24"),
        (14, "2026-01-24"),
        (7, "2026-01-17"),
    ]


async def test_overdue_and_days_overdue_come_from_the_due_date(gql, db):
    customer = await make_customer()
    old = (date.today() - timedelta(days=40)).isoformat()
    late = await issued(gql, gid(customer), [line(1, "10")], date=old)
    fresh = await issued(gql, gid(customer), [line(1, "10")])
    assert (late["overdue"], late["daysOverdue"]) == (True, 10)
    assert (fresh["overdue"], fresh["daysOverdue"]) == (False, 0)
    data = await gql.data("{ invoices(filter: {overdue: {eq: true}}) { nodes { number } } }")
    assert [n["number"] for n in data["invoices"]["nodes"]] == [late["number"]]


async def test_void_only_without_payments(gql, db):
    customer = await make_customer()
    unpaid = await issued(gql, gid(customer), [line(1, "10", "0")])
    paid = await issued(gql, gid(customer), [line(1, "10", "0")])
    await ok(
        gql,
        PAY,
        {
            "input": {
                "customer": gid(customer),
                "amount": "4.00",
                "currency": "EUR",
                "method": "CASH",
                "allocations": [{"invoice": paid["id"], "amount": "4.00"}],
            }
        },
    )
    voided = await ok(gql, VOID, {"id": unpaid["id"], "version": unpaid["version"]})
    assert voided["status"] == "VOID" and voided["number"] == unpaid["number"]
    assert voided["balance"] == "0.00"
    refused = await mutate(gql, VOID, {"id": paid["id"], "version": paid["version"] + 1})
    assert [e["code"] for e in refused["userErrors"]] == ["INVALID_TRANSITION"]
    assert (await Invoice.get(number=paid["number"])).status == "PARTIALLY_PAID"


async def test_a_credit_note_settles_the_invoice_it_corrects(gql, db):
    customer = await make_customer()
    invoice = await issued(gql, gid(customer), [line(2, "50.00", "19"), line(1, "10.00", "7")])
    draft = await ok(
        gql,
        CREDIT,
        {
            "id": invoice["id"],
            "input": {"lines": [line(1, "50.00", "19")], "notes": "One returned"},
        },
    )
    assert draft["kind"] == "CREDIT_NOTE" and draft["series"] == "CN"
    assert draft["corrects"] == {"id": invoice["id"]}
    assert draft["total"] == "-59.50" and draft["lines"][0]["taxAmount"] == "-9.50"
    note = await ok(gql, ISSUE, {"id": draft["id"], "version": draft["version"]})
    assert (note["status"], note["balance"]) == ("PAID", "0.00")
    after = await gql.data(
        "query($id: ID!) { invoice(id: $id) { status amountCredited balance } }",
        {"id": invoice["id"]},
    )
    assert after["invoice"] == {
        "status": "PARTIALLY_PAID",
        "amountCredited": "59.50",
        "balance": str(Decimal(invoice["total"]) - Decimal("59.50")),
    }
    # No more than the invoice's total is credited in all.
    too_much = await mutate(
        gql, CREDIT, {"id": invoice["id"], "input": {"lines": [line(1, "100.00", "0")]}}
    )
    assert [e["code"] for e in too_much["userErrors"]] == ["OUT_OF_RANGE"]


async def test_a_draft_is_not_credited(gql, db):
    draft = await ok(
        gql,
        CREATE,
        {
            "input": {
                "customer": gid(await make_customer()),
                "currency": "EUR",
                "lines": [line(1, "5")],
            }
        },
    )
    payload = await mutate(gql, CREDIT, {"id": draft["id"]})
    assert [e["code"] for e in payload["userErrors"]] == ["INVALID_TRANSITION"]


async def test_only_managers_write_invoices(gql_as, db):
    seller = await gql_as(Role.SALES)
    customer = await make_customer(owner=seller.user)
    payload = await mutate(
        seller,
        CREATE,
        {"input": {"customer": gid(customer), "currency": "EUR", "lines": [line(1, "5")]}},
    )
    assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"]
    manager = await gql_as(Role.MANAGER)
    assert (
        await ok(
            manager,
            CREATE,
            {"input": {"customer": gid(customer), "currency": "EUR", "lines": [line(1, "5")]}},
        )
    )["total"] == "5.95"


async def test_a_products_tax_rate_is_set_with_the_product_and_used_by_invoices(gql, db):
    create = """mutation($input: CreateProductInput!) { createProduct(input: $input) {
      product { id taxRate } userErrors { field code } } }"""
    base = {"sku": "BK-1", "name": "Book", "unitPrice": "12.00", "currency": "EUR"}
    refused = await mutate(gql, create, {"input": {**base, "taxRate": "107"}})
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["input", "taxRate"], "OUT_OF_RANGE")
    ]
    product = (await mutate(gql, create, {"input": {**base, "taxRate": "7"}}))["product"]
    assert product["taxRate"] == "7.00"
    invoice = await ok(
        gql,
        CREATE,
        {
            "input": {
                "customer": gid(await make_customer()),
                "currency": "EUR",
                "lines": [{"product": product["id"], "quantity": 2}],
            }
        },
    )
    assert [(li["description"], li["unitPrice"], li["taxRate"]) for li in invoice["lines"]] == [
        ("Book", "12.00", "7.00")
    ]
    assert invoice["total"] == "25.68"


async def test_payment_terms_are_set_on_customers_and_companies(gql, gql_as, db):
    company = await make_company()
    customer = await make_customer(company=company)
    set_company = """mutation($id: ID!, $days: Int, $version: Int!) {
      setCompanyPaymentTerms(id: $id, days: $days, version: $version) {
        company { paymentTermsDays } userErrors { field code } } }"""
    set_customer = """mutation($id: ID!, $days: Int, $version: Int!) {
      setCustomerPaymentTerms(id: $id, days: $days, version: $version) {
        customer { paymentTermsDays version } userErrors { field code } } }"""
    done = await mutate(gql, set_company, {"id": gid(company), "days": 60, "version": 1})
    assert done == {"company": {"paymentTermsDays": 60}, "userErrors": []}
    first = await issued(gql, gid(customer), [line(1, "1")], date="2026-01-01")
    assert first["dueDate"] == "2026-03-02"
    bad = await mutate(gql, set_customer, {"id": gid(customer), "days": 400, "version": 1})
    assert bad["userErrors"] == [{"field": ["days"], "code": "OUT_OF_RANGE"}]
    done = await mutate(gql, set_customer, {"id": gid(customer), "days": 10, "version": 1})
    assert done["customer"]["paymentTermsDays"] == 10
    second = await issued(gql, gid(customer), [line(1, "1")], date="2026-01-01")
    assert second["dueDate"] == "2026-01-11"
    seller = await gql_as(Role.SALES)
    refused = await mutate(
        seller,
        set_customer,
        {"id": gid(customer), "days": 5, "version": done["customer"]["version"]},
    )
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]
