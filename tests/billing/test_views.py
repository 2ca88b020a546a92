"""Receivables ageing, cash flow with DSO, revenue by basis, invoice and payment
aggregates: values computed here from the records the test makes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from crm_graphql.api.roles import Role
from tests.billing.flows import PAY, issued, line, ok
from tests.factories import gid, make_customer, make_order_with_total, make_user
from tests.helpers import count_statements

AGEING = """query($asOf: Date, $currency: String = "EUR") {
  receivablesAgeing(asOf: $asOf, currency: $currency) {
    asOf currency hasMore
    total { current days1to30 days31to60 days61to90 over90 total invoiceCount }
    customers { customer { lastName } buckets { current days1to30 over90 total } } } }"""
CASHFLOW = """query($from: Date!, $to: Date!) {
  cashflow(from: $from, to: $to, granularity: MONTH, currency: "EUR") {
    invoiced collected receivables daysSalesOutstanding
    periods { period invoiced collected invoiceCount paymentCount } } }"""

AS_OF = date(2026, 5, 31)


def _day(days_before: int) -> str:
    return (AS_OF - timedelta(days=days_before)).isoformat()


async def _book(gql):
    """Invoices of 30-day terms issued so that on AS_OF they are 0, 10, 45, 75 and 120
    days past due; one partly paid."""
    alice = await make_customer(last_name="Alice")
    bob = await make_customer(last_name="Bob")
    made = {}
    for name, customer, past_due, amount in [
        ("current", alice, -5, "100.00"),
        ("d10", alice, 10, "200.00"),
        ("d45", bob, 45, "300.00"),
        ("d75", bob, 75, "400.00"),
        ("d120", alice, 120, "500.00"),
    ]:
        made[name] = await issued(
            gql,
            gid(customer),
            [line(1, amount, "0")],
            date=_day(past_due + 30),
            paymentTermsDays=30,
        )
    await ok(
        gql,
        PAY,
        {
            "input": {
                "customer": gid(alice),
                "amount": "50.00",
                "currency": "EUR",
                "method": "CARD",
                "receivedAt": f"{_day(3)}T10:00:00Z",
                "allocations": [{"invoice": made["d120"]["id"], "amount": "50.00"}],
            }
        },
    )
    return alice, bob, made


async def test_receivables_are_aged_in_buckets_per_customer_and_in_total(gql, db):
    await _book(gql)
    with count_statements() as statements:
        data = (await gql.data(AGEING, {"asOf": AS_OF.isoformat()}))["receivablesAgeing"]
    assert data["total"] == {
        "current": "100.00",
        "days1to30": "200.00",
        "days31to60": "300.00",
        "days61to90": "400.00",
        "over90": "450.00",
        "total": "1450.00",
        "invoiceCount": 5,
    }
    assert [(c["customer"]["lastName"], c["buckets"]) for c in data["customers"]] == [
        (
            "Alice",
            {"current": "100.00", "days1to30": "200.00", "over90": "450.00", "total": "750.00"},
        ),
        ("Bob", {"current": "0.00", "days1to30": "0.00", "over90": "0.00", "total": "700.00"}),
    ]
    # The totals (per due date), the ranking (per customer), the buckets of the customers
    # ranked, the customers' rows: four, whatever the number of invoices.
    assert len(statements) == 4
    other = await gql.data(AGEING, {"asOf": AS_OF.isoformat(), "currency": "USD"})
    assert other["receivablesAgeing"]["total"]["total"] == "0.00"


async def test_cashflow_compares_invoiced_and_collected_with_dso(gql, db):
    await _book(gql)
    data = (await gql.data(CASHFLOW, {"from": "2026-01-01", "to": "2026-05-31"}))["cashflow"]
    assert [
        (p["period"], p["invoiced"], p["collected"], p["invoiceCount"], p["paymentCount"])
        for p in data["periods"]
    ] == [
        ("2026-01", "500.00", "0.00", 1, 0),
        ("2026-02", "400.00", "0.00", 1, 0),
        ("2026-03", "300.00", "0.00", 1, 0),
        ("2026-04", "200.00", "0.00", 1, 0),
        ("2026-05", "100.00", "50.00", 1, 1),
    ]
    assert (data["invoiced"], data["collected"], data["receivables"]) == (
        "1500.00",
        "50.00",
        "1450.00",
    )
    # 1450 / 1500 x 151 days (January to May).
    assert data["daysSalesOutstanding"] == 146.0


async def test_revenue_basis_counts_orders_invoices_or_payments(gql, db):
    customer = await make_customer()
    today = date.today()
    await make_order_with_total(
        customer, "70.00", currency="EUR", placed_at=f"{today.isoformat()}T08:00:00+00:00"
    )
    invoice = await issued(gql, gid(customer), [line(1, "100.00", "19")])
    await ok(
        gql,
        PAY,
        {
            "input": {
                "customer": gid(customer),
                "amount": "60.00",
                "currency": "EUR",
                "method": "CASH",
                "allocations": [{"invoice": invoice["id"], "amount": "60.00"}],
            }
        },
    )
    query = """query($basis: RevenueBasis!, $from: Date!, $to: Date!) {
      revenue(from: $from, to: $to, granularity: YEAR, currency: "EUR", basis: $basis) {
        totalAmount orderCount } }"""
    span = {"from": today.replace(month=1, day=1).isoformat(), "to": today.isoformat()}
    amounts = {}
    for basis in ("ORDERED", "INVOICED", "PAID"):
        data = await gql.data(query, {"basis": basis, **span})
        amounts[basis] = (data["revenue"]["totalAmount"], data["revenue"]["orderCount"])
    assert amounts == {"ORDERED": ("70.00", 1), "INVOICED": ("119.00", 1), "PAID": ("60.00", 1)}
    default = await gql.data(
        """query($from: Date!, $to: Date!) { revenue(from: $from, to: $to, granularity: YEAR,
        currency: "EUR") { totalAmount } }""",
        span,
    )
    assert default["revenue"]["totalAmount"] == "70.00"


async def test_invoice_and_payment_aggregates(gql, db):
    await _book(gql)
    data = await gql.data("""{
      invoicesAggregate(groupBy: [{field: STATUS}], filter: {currency: {eq: "EUR"}}) {
        groups { key { status } count sum { total balance } } }
      paymentsAggregate(groupBy: [{field: METHOD}, {field: CURRENCY}]) {
        groups { key { method currency } count sum { amount } } } }""")
    groups = {g["key"]["status"]: g for g in data["invoicesAggregate"]["groups"]}
    assert groups["ISSUED"]["count"] == 4
    assert groups["ISSUED"]["sum"] == {"total": "1000.00", "balance": "1000.00"}
    assert groups["PARTIALLY_PAID"]["sum"] == {"total": "500.00", "balance": "450.00"}
    assert data["paymentsAggregate"]["groups"] == [
        {"key": {"method": "CARD", "currency": "EUR"}, "count": 1, "sum": {"amount": "50.00"}}
    ]


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.MARKETING])
async def test_views_are_for_financial_roles(gql_as, db, role):
    client = await gql_as(role)
    error = await client.error(AGEING, {})
    assert error["extensions"]["code"] == "FORBIDDEN"
    error = await client.error(CASHFLOW, {"from": "2026-01-01", "to": "2026-01-31"})
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_sales_ages_only_its_own_customers(gql, gql_as, db):
    seller = await gql_as(Role.SALES)
    mine = await make_customer(owner=seller.user, last_name="Mine")
    other = await make_customer(owner=await make_user(Role.SALES))
    await issued(gql, gid(mine), [line(1, "10.00", "0")])
    await issued(gql, gid(other), [line(1, "99.00", "0")])
    data = (await seller.data(AGEING, {}))["receivablesAgeing"]
    assert data["total"]["total"] == "10.00"
    assert [c["customer"]["lastName"] for c in data["customers"]] == ["Mine"]
