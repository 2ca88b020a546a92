"""Every amount of billing is readable by the financial roles only (the money rule)."""

from __future__ import annotations

from graphql import GraphQLNonNull, GraphQLObjectType, GraphQLScalarType

from crm_graphql.api.permissions import field_rules
from crm_graphql.api.roles import FINANCIAL, Role
from crm_graphql.schema import build_schema
from tests.billing.flows import PAY, issued, line, ok
from tests.factories import gid, make_customer

_MONEY = {
    "Invoice": (
        "subtotal",
        "taxTotal",
        "total",
        "amountPaid",
        "amountCredited",
        "balance",
        "taxByRate",
    ),
    "InvoiceLine": ("unitPrice", "netAmount", "taxAmount", "grossAmount"),
    "Payment": ("amount", "unallocated"),
    "PaymentAllocation": ("amount",),
    "Customer": (
        "balance",
        "balanceByCurrency",
        "paidRevenue",
        "paidRevenueByCurrency",
        "invoices",
        "payments",
    ),
    "InvoiceNumbers": ("subtotal", "taxTotal", "total", "amountPaid", "balance"),
    "InvoiceAverages": ("subtotal", "taxTotal", "total", "amountPaid", "balance"),
    "PaymentNumbers": ("amount", "unallocated"),
    "PaymentAverages": ("amount", "unallocated"),
    "Query": ("invoice", "invoices", "payment", "payments", "receivablesAgeing", "cashflow"),
}
#: (type, field) of every billing rule: all of them the money rule.
BILLING_RULES = {
    (type_name, field): FINANCIAL for type_name, fields in _MONEY.items() for field in fields
}
#: Types reached only through a guarded field (every amount in them is money).
BEHIND_GUARDED = {
    "TaxAtRate",
    "ReceivablesAgeing",
    "AgeingBuckets",
    "CustomerAgeing",
    "Cashflow",
    "CashflowPeriod",
}


def test_every_billing_amount_has_the_money_rule():
    rules = field_rules(build_schema())
    billing = {key: roles for key, roles in rules.items() if key in BILLING_RULES}
    assert billing == BILLING_RULES


def test_no_billing_decimal_is_left_unguarded():
    schema = build_schema()._schema
    rules = field_rules(build_schema())
    for name in ("Invoice", "InvoiceLine", "Payment", "PaymentAllocation"):
        kind = schema.type_map[name]
        assert isinstance(kind, GraphQLObjectType)
        for field_name, field in kind.fields.items():
            inner = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            if isinstance(inner, GraphQLScalarType) and inner.name == "Decimal":
                if field_name in ("discountPercent", "taxRate"):
                    continue  # percentages, not amounts
                assert (name, field_name) in rules, (name, field_name)
    for name in BEHIND_GUARDED:
        assert name in schema.type_map


async def test_analysts_read_amounts_and_support_reads_none(gql, gql_as, db):
    customer = await make_customer()
    invoice = await issued(gql, gid(customer), [line(1, "10.00", "19")])
    await ok(
        gql,
        PAY,
        {
            "input": {
                "customer": gid(customer),
                "amount": "5.00",
                "currency": "EUR",
                "method": "CASH",
                "allocations": [{"invoice": invoice["id"], "amount": "5.00"}],
            }
        },
    )
    query = """query($id: ID!) { customer(id: $id) { balance paidRevenue
      invoices { nodes { total lines { netAmount } taxByRate { tax } } } } }"""
    analyst = await gql_as(Role.ANALYST)
    data = (await analyst.data(query, {"id": gid(customer)}))["customer"]
    assert (data["balance"], data["paidRevenue"]) == ("0.00", "0.00")  # EUR, base is USD
    assert data["invoices"]["nodes"] == [
        {"total": "11.90", "lines": [{"netAmount": "10.00"}], "taxByRate": [{"tax": "1.90"}]}
    ]
    support = await gql_as(Role.SUPPORT)
    body = await support.execute(query, {"id": gid(customer)})
    assert body["data"]["customer"] == {"balance": None, "paidRevenue": None, "invoices": None}
    assert {e["extensions"]["field"] for e in body["errors"]} == {
        "Customer.balance",
        "Customer.paidRevenue",
        "Customer.invoices",
    }
