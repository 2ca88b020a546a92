"""Customer mutations: validation, row-level rules, concurrency, idempotency, rollback."""

from __future__ import annotations

import asyncio

import pytest

from crm_graphql.api import audit
from crm_graphql.api.roles import Role
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.customers.models import Customer, CustomerLifecycleChange
from crm_graphql.domains.orders.models import OrderStatus
from tests.factories import gid, make_company, make_customer, make_order, make_product
from tests.helpers import count_statements

FIELDS = "id firstName lastName email phone version lifecycleStage tags deletedAt"
CREATE = f"""mutation($input: CreateCustomerInput!) {{ createCustomer(input: $input) {{
  customer {{ {FIELDS} lifecycleHistory {{ stage changedBy {{ name }} }} }}
  userErrors {{ field message code currentVersion }} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: UpdateCustomerInput!) {{
  updateCustomer(id: $id, input: $input) {{
  customer {{ {FIELDS} lifecycleHistory {{ stage }} }}
  userErrors {{ field message code currentVersion }} }} }}"""
DELETE = """mutation($id: ID!) { deleteCustomer(id: $id) {
  customer { id deletedAt } userErrors { field code } } }"""
RESTORE = """mutation($id: ID!) { restoreCustomer(id: $id) {
  customer { id deletedAt } userErrors { field code } } }"""
BULK = """mutation($inputs: [CreateCustomerInput!]!) { createCustomers(inputs: $inputs) {
  customers { id lastName } userErrors { field code } } }"""


async def test_create_normalises_and_records_history_and_audit(gql, db):
    data = await gql.data(
        CREATE,
        {
            "input": {
                "firstName": " Ada ",
                "lastName": "Lovelace",
                "email": "ada@EXAMPLE.COM",
                "phone": "(415) 555-0132",
                "tags": ["vip", "vip", " math "],
                "lifecycleStage": "PROSPECT",
            }
        },
    )
    payload = data["createCustomer"]
    assert payload["userErrors"] == []
    customer = payload["customer"]
    assert customer["firstName"] == "Ada"
    assert customer["email"] == "ada@example.com"
    assert customer["phone"] == "+14155550132"
    assert customer["tags"] == ["vip", "math"]
    assert customer["version"] == 1
    assert customer["lifecycleHistory"] == [
        {"stage": "PROSPECT", "changedBy": {"name": gql.user.name}}
    ]
    event = await AuditEvent.get(action="customer.create")
    assert event.changes["email"] == "[redacted]"
    assert event.changes["last_name"] == "Lovelace"


async def test_every_problem_is_reported_at_once_and_nothing_is_written(gql, db):
    user_id = gid(gql.user)
    payload = (
        await gql.data(
            CREATE,
            {
                "input": {
                    "firstName": "",
                    "lastName": "x" * 101,
                    "email": "not-an-email",
                    "phone": "12",
                    "birthDate": "2999-01-01",
                    "company": user_id,
                    "address": {"country": "XX"},
                }
            },
        )
    )["createCustomer"]
    assert payload["customer"] is None
    problems = {tuple(e["field"]): e["code"] for e in payload["userErrors"]}
    assert problems == {
        ("input", "firstName"): "REQUIRED",
        ("input", "lastName"): "TOO_LONG",
        ("input", "email"): "INVALID",
        ("input", "phone"): "INVALID",
        ("input", "birthDate"): "OUT_OF_RANGE",
        ("input", "company"): "INVALID_ID",
        ("input", "address", "country"): "INVALID",
    }
    assert await Customer.all().count() == 0


async def test_unknown_company_is_not_found(gql, db):
    company = await make_company()
    await company.delete()  # its ID now names no company
    payload = (
        await gql.data(
            CREATE, {"input": {"firstName": "A", "lastName": "B", "company": gid(company)}}
        )
    )["createCustomer"]
    assert payload["userErrors"] == [
        {
            "field": ["input", "company"],
            "message": "No such Company.",
            "code": "NOT_FOUND",
            "currentVersion": None,
        }
    ]


async def test_update_changes_only_given_fields_and_checks_the_version(gql, db):
    customer = await make_customer(first_name="Old", job_title="Buyer")
    payload = (
        await gql.data(
            UPDATE,
            {
                "id": gid(customer),
                "input": {"version": 1, "firstName": "New", "lifecycleStage": "CHURNED"},
            },
        )
    )["updateCustomer"]
    assert payload["userErrors"] == []
    assert payload["customer"]["firstName"] == "New"
    assert payload["customer"]["version"] == 2
    assert payload["customer"]["lifecycleHistory"] == [{"stage": "CHURNED"}]
    assert (await Customer.get(pk=customer.pk)).job_title == "Buyer"
    stale = (
        await gql.data(UPDATE, {"id": gid(customer), "input": {"version": 1, "lastName": "X"}})
    )["updateCustomer"]
    assert stale["customer"] is None
    assert stale["userErrors"][0]["code"] == "CONFLICT"
    assert stale["userErrors"][0]["currentVersion"] == 2
    assert (await Customer.get(pk=customer.pk)).last_name != "X"


async def test_two_concurrent_updates_exactly_one_wins(gql, client_factory, db):
    customer = await make_customer()
    other = await client_factory(headers=gql.http.headers)

    async def rename(client, name: str) -> dict:
        body = await client.data(
            UPDATE, {"id": gid(customer), "input": {"version": 1, "lastName": name}}
        )
        return body["updateCustomer"]

    results = await asyncio.gather(rename(gql, "First"), rename(other, "Second"))
    winners = [r for r in results if not r["userErrors"]]
    losers = [r for r in results if r["userErrors"]]
    assert len(winners) == 1 and len(losers) == 1
    assert losers[0]["userErrors"][0]["code"] == "CONFLICT"
    row = await Customer.get(pk=customer.pk)
    assert row.version == 2
    assert row.last_name == winners[0]["customer"]["lastName"]


async def test_update_runs_a_constant_number_of_statements(gql, db):
    customer = await make_customer()
    counts = []
    for version in (1, 2):
        with count_statements() as statements:
            await gql.data(
                UPDATE,
                {"id": gid(customer), "input": {"version": version, "tags": ["a"] * version}},
            )
        counts.append(len(statements))
    assert counts[0] == counts[1]


async def test_delete_is_soft_refused_with_open_orders_and_restorable(gql, gql_as, db):
    busy = await make_customer()
    await make_order(busy, [(await make_product(), 1)], status=OrderStatus.PLACED)
    refused = (await gql.data(DELETE, {"id": gid(busy)}))["deleteCustomer"]
    assert refused["userErrors"] == [{"field": ["id"], "code": "HAS_OPEN_ORDERS"}]

    quiet = await make_customer()
    deleted = (await gql.data(DELETE, {"id": gid(quiet)}))["deleteCustomer"]
    assert deleted["customer"]["deletedAt"] is not None
    listed = await gql.data("{ customers { totalCount } }")
    assert listed["customers"]["totalCount"] == 1
    everything = await gql.data("{ customers(includeDeleted: true) { totalCount } }")
    assert everything["customers"]["totalCount"] == 2
    manager = await gql_as(Role.MANAGER)
    error = await manager.error("{ customers(includeDeleted: true) { totalCount } }")
    assert error["extensions"]["code"] == "FORBIDDEN"
    restored = (await gql.data(RESTORE, {"id": gid(quiet)}))["restoreCustomer"]
    assert restored["customer"]["deletedAt"] is None


async def test_bulk_create_is_all_or_nothing_with_element_paths(gql, db):
    good = {"firstName": "A", "lastName": "Good"}
    bad = {"firstName": "B", "lastName": "Bad", "email": "nope"}
    payload = (await gql.data(BULK, {"inputs": [good, good, bad]}))["createCustomers"]
    assert payload["customers"] == []
    assert payload["userErrors"] == [{"field": ["inputs", "2", "email"], "code": "INVALID"}]
    assert await Customer.all().count() == 0
    created = (await gql.data(BULK, {"inputs": [good] * 3}))["createCustomers"]
    assert [c["lastName"] for c in created["customers"]] == ["Good"] * 3
    too_many = (await gql.data(BULK, {"inputs": [good] * 101}))["createCustomers"]
    assert too_many["userErrors"] == [{"field": ["inputs"], "code": "TOO_MANY"}]


async def test_idempotency_key_repeats_the_first_result_without_writing(gql, db):
    variables = {"input": {"firstName": "Once", "lastName": "Only"}}
    first = await gql.execute(CREATE, variables, **{"Idempotency-Key": "order-form-42"})
    again = await gql.execute(CREATE, variables, **{"Idempotency-Key": "order-form-42"})
    assert first["data"] == again["data"]
    assert await Customer.filter(last_name="Only").count() == 1
    other = await gql.execute(CREATE, variables, **{"Idempotency-Key": "order-form-43"})
    assert (
        other["data"]["createCustomer"]["customer"]["id"]
        != (first["data"]["createCustomer"]["customer"]["id"])
    )


async def test_failure_in_the_last_step_rolls_everything_back(gql, db, monkeypatch):
    async def fail_after_writing(*args, **kwargs):
        raise RuntimeError("audit storage unavailable")

    monkeypatch.setattr(audit, "record", fail_after_writing)
    body = await gql.execute(CREATE, {"input": {"firstName": "Half", "lastName": "Written"}})
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert await Customer.all().count() == 0
    assert await CustomerLifecycleChange.all().count() == 0


@pytest.mark.parametrize(
    ("role", "own", "changes", "allowed"),
    [
        (Role.SALES, True, {"lastName": "Mine"}, True),
        (Role.SALES, False, {"lastName": "Theirs"}, False),
        (Role.SUPPORT, True, {"lastName": "X"}, False),
        (Role.MARKETING, False, {"tags": ["newsletter"], "marketingConsent": True}, True),
        (Role.MARKETING, False, {"email": "x@example.com"}, False),
        (Role.ANALYST, True, {"tags": ["x"]}, False),
        (Role.MANAGER, False, {"lastName": "Any"}, True),
    ],
)
async def test_row_level_rules_decide_who_may_change_a_customer(
    gql_as, db, role, own, changes, allowed
):
    client = await gql_as(role)
    customer = await make_customer(owner=client.user if own else None, last_name="Before")
    payload = (
        await client.data(UPDATE, {"id": gid(customer), "input": {"version": 1, **changes}})
    )["updateCustomer"]
    row = await Customer.get(pk=customer.pk)
    if allowed:
        assert payload["userErrors"] == []
        assert row.version == 2
    else:
        assert payload["userErrors"][0]["code"] == "FORBIDDEN"
        assert (row.version, row.last_name) == (1, "Before")
