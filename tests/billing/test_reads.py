"""Who reads which invoices and payments, and statement counts that do not grow with rows."""

from __future__ import annotations

import pytest

from crm_graphql.api.roles import Role
from tests.billing.flows import PAY, issued, line, ok
from tests.factories import gid, make_customer, make_user
from tests.helpers import count_statements

LIST = """{ invoices { totalCount nodes { number total
  lines { description netAmount product { name } } customer { lastName } } }
  payments { totalCount nodes { amount allocations { amount invoice { number } } } } }"""
CUSTOMERS = """{ customers(first: 50) { nodes { lastName balance paidRevenue
  invoices(first: 5) { nodes { number balance lines { netAmount } } }
  payments(first: 5) { nodes { amount } } } } }"""


async def _world(gql, seller) -> tuple:
    mine = await make_customer(owner=seller)
    other = await make_customer(owner=await make_user(Role.SALES))
    own = await issued(gql, gid(mine), [line(1, "10.00")])
    foreign = await issued(gql, gid(other), [line(1, "20.00")])
    await ok(
        gql,
        PAY,
        {
            "input": {
                "customer": gid(mine),
                "amount": "5.00",
                "currency": "EUR",
                "method": "CARD",
                "allocations": [{"invoice": own["id"], "amount": "5.00"}],
            }
        },
    )
    return mine, other, own, foreign


async def test_sales_reads_the_invoices_and_payments_of_its_own_customers(gql, gql_as, db):
    seller = await gql_as(Role.SALES)
    _, other, own, foreign = await _world(gql, seller.user)
    data = await seller.data(LIST)
    assert [n["number"] for n in data["invoices"]["nodes"]] == [own["number"]]
    assert data["payments"]["totalCount"] == 1
    one = "query($id: ID!) { invoice(id: $id) { number } node(id: $id) { id } }"
    assert await seller.data(one, {"id": foreign["id"]}) == {"invoice": None, "node": None}
    customer = await seller.data(
        "query($id: ID!) { customer(id: $id) { invoices { totalCount } } }", {"id": gid(other)}
    )
    assert customer["customer"]["invoices"]["totalCount"] == 0


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.MARKETING])
async def test_support_and_marketing_read_no_invoice_and_no_amount(gql, gql_as, db, role):
    client = await gql_as(role)
    mine, *_ = await _world(gql, await make_user(Role.SALES))
    body = await client.execute("{ invoices { totalCount } }")
    assert body["errors"][0]["extensions"] == {"code": "FORBIDDEN", "field": "Query.invoices"}
    body = await client.execute(
        "query($id: ID!) { customer(id: $id) { balance paidRevenue } }", {"id": gid(mine)}
    )
    assert body["data"]["customer"] == {"balance": None, "paidRevenue": None}
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}


async def test_analysts_read_every_invoice(gql, gql_as, db):
    analyst = await gql_as(Role.ANALYST)
    await _world(gql, await make_user(Role.SALES))
    data = await analyst.data(LIST)
    assert data["invoices"]["totalCount"] == 2


async def test_invoice_and_customer_pages_take_the_same_statements_for_more_rows(gql, db):
    async def page_counts() -> tuple[int, int]:
        with count_statements() as invoices:
            await gql.data(LIST)
        with count_statements() as customers:
            await gql.data(CUSTOMERS)
        return len(invoices), len(customers)

    async def add_customer() -> None:
        customer = await make_customer()
        first = await issued(gql, gid(customer), [line(1, "10.00"), line(2, "3.00", "7")])
        await ok(
            gql,
            PAY,
            {
                "input": {
                    "customer": gid(customer),
                    "amount": "4.00",
                    "currency": "EUR",
                    "method": "CASH",
                    "allocations": [{"invoice": first["id"], "amount": "4.00"}],
                }
            },
        )

    await add_customer()
    small = await page_counts()
    for _ in range(4):
        await add_customer()
    large = await page_counts()
    assert small == large
    # invoices: page, lines, customers; payments: page, allocations, their invoices (both
    # lists fit on their pages: totalCount is the number of rows read). customers: page,
    # balances (invoices, credit), paid revenue, invoices (one page per customer in one
    # statement), their lines, payments.
    assert large == (6, 7)
    # Lists longer than their pages count their rows: one statement each, still the same
    # for more rows.
    longer = LIST.replace("invoices {", "invoices(first: 2) {").replace(
        "payments {", "payments(first: 2) {"
    )
    with count_statements() as counted:
        data = await gql.data(longer)
    assert (data["invoices"]["totalCount"], data["payments"]["totalCount"]) == (5, 5)
    assert len(counted) == 8
