"""Company mutations: validation, who may change companies, hard delete, rollback."""

from __future__ import annotations

import pytest

from crm_graphql.api import audit
from crm_graphql.api.roles import Role
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.customers.models import Company, Customer
from crm_graphql.domains.sales.models import Opportunity
from tests.factories import gid, make_company, make_customer, make_opportunity

FIELDS = "id name domain industry sizeBand phone version address { city country }"
CREATE = f"""mutation($input: CreateCompanyInput!) {{ createCompany(input: $input) {{
  company {{ {FIELDS} owner {{ name }} }} userErrors {{ field message code }} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: UpdateCompanyInput!) {{
  updateCompany(id: $id, input: $input) {{
  company {{ {FIELDS} }} userErrors {{ field code currentVersion }} }} }}"""
DELETE = """mutation($id: ID!) { deleteCompany(id: $id) {
  company { id name } userErrors { field code } } }"""


async def test_create_normalises_phone_domain_and_country_and_audits(gql, db):
    payload = (
        await gql.data(
            CREATE,
            {
                "input": {
                    "name": " Acme ",
                    "domain": "ACME.Example.COM",
                    "phone": "(415) 555-0132",
                    "sizeBand": "SMALL",
                    "address": {"city": "Lyon", "country": "fr"},
                }
            },
        )
    )["createCompany"]
    assert payload["userErrors"] == []
    company = payload["company"]
    assert (company["name"], company["domain"], company["phone"]) == (
        "Acme",
        "acme.example.com",
        "+14155550132",
    )
    assert company["address"] == {"city": "Lyon", "country": "FR"}
    assert company["owner"] == {"name": gql.user.name}
    assert company["version"] == 1
    assert await AuditEvent.filter(action="company.create").count() == 1


async def test_every_problem_is_reported_at_once_and_nothing_is_written(gql, db):
    payload = (
        await gql.data(
            CREATE,
            {
                "input": {
                    "name": "",
                    "domain": "not a domain",
                    "phone": "12",
                    "industry": "i" * 101,
                    "owner": gid(await make_company()),
                    "address": {"country": "XX"},
                }
            },
        )
    )["createCompany"]
    assert payload["company"] is None
    problems = {tuple(e["field"]): e["code"] for e in payload["userErrors"]}
    assert problems == {
        ("input", "name"): "REQUIRED",
        ("input", "domain"): "INVALID",
        ("input", "phone"): "INVALID",
        ("input", "industry"): "TOO_LONG",
        ("input", "owner"): "INVALID_ID",
        ("input", "address", "country"): "INVALID",
    }
    assert await Company.all().count() == 1  # only the one made for the wrong ID


async def test_update_changes_only_given_fields_and_checks_the_version(gql, db):
    company = await make_company(name="Old", industry="Retail")
    payload = (
        await gql.data(UPDATE, {"id": gid(company), "input": {"version": 1, "name": "New"}})
    )["updateCompany"]
    assert payload["userErrors"] == []
    assert (payload["company"]["name"], payload["company"]["industry"]) == ("New", "Retail")
    assert payload["company"]["version"] == 2
    stale = (await gql.data(UPDATE, {"id": gid(company), "input": {"version": 1, "name": "X"}}))[
        "updateCompany"
    ]
    assert stale["userErrors"] == [{"field": ["version"], "code": "CONFLICT", "currentVersion": 2}]


async def test_not_found_and_wrong_id_type(gql, db):
    company = await make_company()
    await company.delete()
    missing = (await gql.data(UPDATE, {"id": gid(company), "input": {"version": 1}}))[
        "updateCompany"
    ]
    assert missing["userErrors"] == [{"field": ["id"], "code": "NOT_FOUND", "currentVersion": None}]
    wrong = (await gql.data(DELETE, {"id": gid(gql.user)}))["deleteCompany"]
    assert wrong["userErrors"] == [{"field": ["id"], "code": "INVALID_ID"}]


async def test_delete_keeps_people_and_deals_without_a_company(gql, db):
    company = await make_company()
    customer = await make_customer(company=company)
    deal = await make_opportunity(customer)
    payload = (await gql.data(DELETE, {"id": gid(company)}))["deleteCompany"]
    assert payload["userErrors"] == []
    assert payload["company"]["id"] == gid(company)
    assert await Company.filter(pk=company.pk).count() == 0
    assert (await Customer.get(pk=customer.pk)).company_id is None
    assert (await Opportunity.get(pk=deal.pk)).company_id is None


async def test_failure_in_the_last_step_rolls_everything_back(gql, db, monkeypatch):
    company = await make_company()
    customer = await make_customer(company=company)

    async def fail_after_writing(*args, **kwargs):
        raise RuntimeError("audit storage unavailable")

    monkeypatch.setattr(audit, "record", fail_after_writing)
    body = await gql.execute(DELETE, {"id": gid(company)})
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert await Company.filter(pk=company.pk).count() == 1
    assert (await Customer.get(pk=customer.pk)).company_id == company.pk
    created = await gql.execute(CREATE, {"input": {"name": "Never"}})
    assert created["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert await Company.filter(name="Never").count() == 0


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.MANAGER, True), (Role.SALES, False), (Role.SUPPORT, False), (Role.MARKETING, False)],
)
async def test_only_admins_and_managers_may_change_companies(gql_as, db, role, allowed):
    client = await gql_as(role)
    company = await make_company(name="Before", owner=client.user)
    updated = (
        await client.data(UPDATE, {"id": gid(company), "input": {"version": 1, "name": "After"}})
    )["updateCompany"]
    created = (await client.data(CREATE, {"input": {"name": "Fresh"}}))["createCompany"]
    if allowed:
        assert updated["userErrors"] == [] and created["userErrors"] == []
    else:
        assert updated["userErrors"][0]["code"] == "FORBIDDEN"
        assert created["userErrors"][0]["code"] == "FORBIDDEN"
        assert (await Company.get(pk=company.pk)).name == "Before"
        assert await Company.filter(name="Fresh").count() == 0
