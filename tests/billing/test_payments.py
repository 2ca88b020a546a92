"""Payments: allocations over several invoices or part of one, credit, refunds; every
refused allocation is a user error and nothing is written; the customer's balance."""

from __future__ import annotations

from crm_graphql.domains.billing.models import Invoice, Payment, PaymentAllocation
from tests.billing.flows import CREDIT, ISSUE, PAY, issued, line, mutate, ok
from tests.factories import gid, make_customer

BALANCE = """query($id: ID!) { customer(id: $id) { balance balanceByCurrency { amount currency }
  paidRevenue lifetimeValue
  invoices { totalCount nodes { number status balance } }
  payments { totalCount nodes { amount unallocated } } } }"""


def pay(customer, amount: str, *allocations: tuple[str, str], currency: str = "EUR") -> dict:
    return {
        "input": {
            "customer": gid(customer),
            "amount": amount,
            "currency": currency,
            "method": "BANK_TRANSFER",
            "reference": "REF-1",
            "allocations": [{"invoice": i, "amount": a} for i, a in allocations],
        }
    }


async def _status(invoice: dict) -> tuple[str, str]:
    row = await Invoice.get(number=invoice["number"])
    return row.status.value, f"{row.balance:.2f}"


async def test_one_payment_settles_several_invoices_and_part_of_another(gql, db):
    customer = await make_customer()
    a = await issued(gql, gid(customer), [line(1, "100.00", "0")])
    b = await issued(gql, gid(customer), [line(1, "50.00", "0")])
    c = await issued(gql, gid(customer), [line(1, "80.00", "0")])
    payment = await ok(
        gql,
        PAY,
        pay(customer, "200.00", (a["id"], "100.00"), (b["id"], "50.00"), (c["id"], "30.00")),
    )
    assert payment["unallocated"] == "20.00"
    assert [await _status(x) for x in (a, b, c)] == [
        ("PAID", "0.00"),
        ("PAID", "0.00"),
        ("PARTIALLY_PAID", "50.00"),
    ]
    # Owed 50.00 on c, minus 20.00 of credit.
    data = await gql.data(BALANCE, {"id": gid(customer)})
    assert data["customer"]["balanceByCurrency"] == [{"amount": "30.00", "currency": "EUR"}]
    assert data["customer"]["invoices"]["totalCount"] == 3
    assert data["customer"]["payments"]["nodes"] == [{"amount": "200.00", "unallocated": "20.00"}]


async def test_refused_allocations_write_nothing(gql, db):
    customer, other = await make_customer(), await make_customer()
    mine = await issued(gql, gid(customer), [line(1, "100.00", "0")])
    theirs = await issued(gql, gid(other), [line(1, "100.00", "0")])
    dollars = await issued(gql, gid(customer), [line(1, "100.00", "0")], currency="USD")
    cases = [
        (
            pay(customer, "150.00", (mine["id"], "150.00")),
            "input.allocations.0.amount",
            "OUT_OF_RANGE",
        ),
        (pay(customer, "50.00", (mine["id"], "60.00")), "input.allocations", "OUT_OF_RANGE"),
        (pay(customer, "50.00", (theirs["id"], "50.00")), "input.allocations.0.invoice", "INVALID"),
        (
            pay(customer, "50.00", (dollars["id"], "50.00")),
            "input.allocations.0.invoice",
            "INVALID",
        ),
        (
            pay(customer, "50.00", (mine["id"], "30.00"), (mine["id"], "80.00")),
            "input.allocations.1.amount",
            "OUT_OF_RANGE",
        ),
        (pay(customer, "-10.00", (mine["id"], "-10.00")), "input.allocations.0.invoice", "INVALID"),
        (pay(customer, "0"), "input.amount", "OUT_OF_RANGE"),
    ]
    for variables, field, code in cases:
        payload = await mutate(gql, PAY, variables)
        assert payload["payment"] is None
        assert [(".".join(e["field"]), e["code"]) for e in payload["userErrors"]] == [
            (field, code)
        ], variables
    assert await Payment.all().count() == 0 and await PaymentAllocation.all().count() == 0
    assert await _status(mine) == ("ISSUED", "100.00")


async def test_paying_a_paid_invoice_is_refused(gql, db):
    customer = await make_customer()
    invoice = await issued(gql, gid(customer), [line(1, "10.00", "0")])
    await ok(gql, PAY, pay(customer, "10.00", (invoice["id"], "10.00")))
    again = await mutate(gql, PAY, pay(customer, "10.00", (invoice["id"], "10.00")))
    assert [e["code"] for e in again["userErrors"]] == ["INVALID_TRANSITION"]


async def test_unallocated_payments_are_credit_and_refunds_are_negative(gql, db):
    customer = await make_customer()
    await ok(gql, PAY, pay(customer, "70.00"))
    data = await gql.data(BALANCE, {"id": gid(customer)})
    assert data["customer"]["balanceByCurrency"] == [{"amount": "-70.00", "currency": "EUR"}]
    refund = await ok(gql, PAY, pay(customer, "-70.00"))
    assert refund["amount"] == "-70.00"
    data = await gql.data(BALANCE, {"id": gid(customer)})
    assert data["customer"]["balanceByCurrency"] == [{"amount": "0.00", "currency": "EUR"}]


async def test_a_refund_settles_a_credit_note_of_a_paid_invoice(gql, db):
    customer = await make_customer()
    invoice = await issued(gql, gid(customer), [line(1, "100.00", "0")])
    await ok(gql, PAY, pay(customer, "100.00", (invoice["id"], "100.00")))
    draft = await ok(gql, CREDIT, {"id": invoice["id"]})
    note = await ok(gql, ISSUE, {"id": draft["id"], "version": draft["version"]})
    # The invoice was paid: the credit note stays open as the customer's credit.
    assert (note["status"], note["balance"]) == ("ISSUED", "-100.00")
    data = await gql.data(BALANCE, {"id": gid(customer)})
    assert data["customer"]["balance"] is not None
    assert data["customer"]["balanceByCurrency"] == [{"amount": "-100.00", "currency": "EUR"}]
    await ok(gql, PAY, pay(customer, "-100.00", (note["id"], "-100.00")))
    assert await _status(note) == ("PAID", "0.00")
    data = await gql.data(BALANCE, {"id": gid(customer)})
    assert data["customer"]["balanceByCurrency"] == [{"amount": "0.00", "currency": "EUR"}]
    assert data["customer"]["paidRevenue"] == "0.00"


async def test_paid_revenue_counts_payments_on_invoices_and_lifetime_value_is_unchanged(gql, db):
    from tests.factories import make_order_with_total

    customer = await make_customer()
    await make_order_with_total(customer, "500.00", currency="USD")
    invoice = await issued(gql, gid(customer), [line(1, "300.00", "0")], currency="USD")
    await ok(gql, PAY, pay(customer, "120.00", (invoice["id"], "120.00"), currency="USD"))
    data = (await gql.data(BALANCE, {"id": gid(customer)}))["customer"]
    assert (data["lifetimeValue"], data["paidRevenue"], data["balance"]) == (
        "500.00",
        "120.00",
        "180.00",
    )
