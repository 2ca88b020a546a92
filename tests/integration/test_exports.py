"""CSV export: the list's own filter, order and search; field rules leave columns out
(and say so); rules on rows; streaming in pages with a constant statement count per page."""

from __future__ import annotations

import csv
import io
import json

from crm_graphql.api.roles import Role
from crm_graphql.domains.integration import exports
from tests.factories import gid, make_customer, make_order_with_total
from tests.helpers import count_statements


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_export_applies_filter_order_and_search(as_role, db):
    admin = await as_role(Role.ADMIN)
    for first, stage in (("Ann", "LEAD"), ("Bob", "CUSTOMER"), ("Cid", "CUSTOMER")):
        await make_customer(first_name=first, last_name="Lee", lifecycle_stage=stage)
    response = await admin.http.get(
        "/exports/customers.csv",
        params={
            "filter": json.dumps({"lifecycleStage": {"eq": "CUSTOMER"}}),
            "orderBy": json.dumps([{"field": "FIRST_NAME", "direction": "DESC"}]),
        },
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = rows_of(response.text)
    assert [r["firstName"] for r in rows] == ["Cid", "Bob"]
    assert response.headers["x-omitted-columns"] == ""
    searched = await admin.http.get("/exports/customers.csv", params={"search": "ann"})
    assert [r["firstName"] for r in rows_of(searched.text)] == ["Ann"]


async def test_columns_a_role_may_not_read_are_left_out_and_named(as_role, db):
    customer = await make_customer(first_name="Ann", email="ann@example.com")
    await make_order_with_total(customer, "120.00")
    analyst = await as_role(Role.ANALYST)
    response = await analyst.http.get("/exports/customers.csv")
    assert response.status_code == 200
    header = next(csv.reader(io.StringIO(response.text)))
    assert "email" not in header and "phone" not in header
    assert "email" in response.headers["x-omitted-columns"].split(",")
    assert "ann@example.com" not in response.text
    support = await as_role(Role.SUPPORT)
    orders = await support.http.get("/exports/orders.csv")
    assert "total" in orders.headers["x-omitted-columns"].split(",")
    assert "total" not in next(csv.reader(io.StringIO(orders.text)))
    admin = await as_role(Role.ADMIN)
    full = rows_of((await admin.http.get("/exports/customers.csv")).text)
    assert full[0]["email"] == "ann@example.com" and full[0]["id"] == gid(customer)


async def test_lists_a_role_may_not_read_are_refused(as_role, db):
    marketing = await as_role(Role.MARKETING)
    response = await marketing.http.get("/exports/tickets.csv")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"


async def test_bad_parameters_are_typed_errors(as_role, anon, db):
    admin = await as_role(Role.ADMIN)
    bad = await admin.http.get("/exports/customers.csv", params={"filter": "{nope"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "BAD_USER_INPUT"
    wrong = await admin.http.get(
        "/exports/customers.csv", params={"filter": json.dumps({"shoeSize": {"eq": 3}})}
    )
    assert wrong.status_code == 400 and "shoeSize" in wrong.json()["error"]["message"]
    unknown = await admin.http.get("/exports/widgets.csv")
    assert unknown.status_code == 404
    analyst = await as_role(Role.ANALYST)
    sort = await analyst.http.get(
        "/exports/customers.csv", params={"orderBy": json.dumps([{"field": "EMAIL"}])}
    )
    assert sort.status_code == 403
    nobody = await anon()
    assert (await nobody.http.get("/exports/customers.csv")).status_code == 401


async def test_rows_stream_in_pages_with_one_statement_each(as_role, db, monkeypatch):
    admin = await as_role(Role.ADMIN)
    for i in range(25):
        await make_customer(first_name=f"P{i:02d}", last_name="Page")
    monkeypatch.setattr(exports, "PAGE_ROWS", 10)
    counts = []
    for page in (10, 5):
        monkeypatch.setattr(exports, "PAGE_ROWS", page)
        with count_statements() as statements:
            response = await admin.http.get(
                "/exports/customers.csv",
                params={"orderBy": json.dumps([{"field": "FIRST_NAME"}])},
            )
        rows = rows_of(response.text)
        assert [r["firstName"] for r in rows] == [f"P{i:02d}" for i in range(25)]
        counts.append(len(statements))
    # One SELECT per page of rows (25 rows: 3 pages of 10, 5 pages of 5, plus the last
    # empty or short page), never one per row.
    assert counts == [3, 6]


async def test_leads_and_invoices_are_exported_with_their_rules(as_role, db):
    from crm_graphql.domains.leads.models import Lead
    from tests.billing.flows import issued, line

    await Lead.create(last_name="Quinn", email="quinn@example.com", company_name="Q Ltd")
    customer = await make_customer(first_name="Ann", email="ann@example.com")
    admin = await as_role(Role.ADMIN)
    invoice = await issued(admin, gid(customer), [line(2, "50.00")])
    leads = await admin.http.get(
        "/exports/leads.csv", params={"filter": json.dumps({"status": {"eq": "NEW"}})}
    )
    assert leads.status_code == 200, leads.text
    (lead,) = rows_of(leads.text)
    assert lead["lastName"] == "Quinn" and lead["email"] == "quinn@example.com"
    analyst = await as_role(Role.ANALYST)
    hidden = await analyst.http.get("/exports/leads.csv")
    assert "email" in hidden.headers["x-omitted-columns"].split(",")
    assert "quinn@example.com" not in hidden.text
    invoices = await admin.http.get("/exports/invoices.csv")
    assert invoices.status_code == 200, invoices.text
    (row,) = rows_of(invoices.text)
    assert row["number"] == invoice["number"] and row["total"] == invoice["total"]
    support = await as_role(Role.SUPPORT)
    refused = await support.http.get("/exports/invoices.csv")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "FORBIDDEN"
    # SALES read the invoices of the customers they own only.
    sales = await as_role(Role.SALES)
    assert rows_of((await sales.http.get("/exports/invoices.csv")).text) == []
