"""Web-form capture: POST /forms/{key}/leads from public websites, without a secret."""

from __future__ import annotations

from crm_graphql.api.roles import Role
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.interactions.models import Interaction
from crm_graphql.domains.leads.models import Lead, LeadForm, LeadSource, LeadStatus
from tests.factories import make_customer

CREATE_FORM = """mutation($input: CreateLeadFormInput!) { createLeadForm(input: $input) {
  leadForm { id key allowedOrigins redirectUrl active } userErrors { field code } } }"""
SITE = "https://www.example.org"


async def _form(**fields) -> LeadForm:
    fields.setdefault("name", "Contact")
    fields.setdefault("key", "contact-form-key")
    return await LeadForm.create(**fields)


async def test_admin_creates_a_form_with_checked_origins_and_others_may_not(gql, gql_as, db):
    made = (
        await gql.data(
            CREATE_FORM,
            {"input": {"name": "Contact", "allowedOrigins": ["HTTPS://WWW.Example.org/"]}},
        )
    )["createLeadForm"]
    assert made["userErrors"] == []
    assert made["leadForm"]["allowedOrigins"] == [SITE]
    assert len(made["leadForm"]["key"]) >= 20
    bad = (
        await gql.data(
            CREATE_FORM, {"input": {"name": "X", "allowedOrigins": ["ftp://x", "https://a/b"]}}
        )
    )["createLeadForm"]
    assert [e["field"] for e in bad["userErrors"]] == [
        ["input", "allowedOrigins", "0"],
        ["input", "allowedOrigins", "1"],
    ]
    manager = await gql_as(Role.MANAGER)
    refused = (await manager.data(CREATE_FORM, {"input": {"name": "Y"}}))["createLeadForm"]
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"
    assert await LeadForm.all().count() == 1


async def test_form_encoded_submission_creates_a_lead_and_redirects(anon, db):
    form = await _form(allowed_origins=[SITE], redirect_url="https://www.example.org/thanks")
    client = await anon()
    response = await client.http.post(
        f"/forms/{form.key}/leads",
        data={
            "name": "Ada Lovelace",
            "email": "ada@example.org",
            "company": "Engines",
            "marketingConsent": "on",
            "website": "",
        },
        headers={"Origin": SITE},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "https://www.example.org/thanks"
    assert response.headers["access-control-allow-origin"] == SITE
    lead = await Lead.get()
    assert (lead.first_name, lead.last_name, lead.email, lead.company_name) == (
        "Ada",
        "Lovelace",
        "ada@example.org",
        "Engines",
    )
    assert (lead.source, lead.status, lead.marketing_consent, lead.form_id) == (
        LeadSource.WEB_FORM,
        LeadStatus.NEW,
        True,
        form.pk,
    )
    assert await AuditEvent.filter(action="lead.create").count() == 1
    assert (await LeadForm.get(pk=form.pk)).submissions == 1


async def test_json_submission_answers_json_and_dedupes_without_telling(anon, db):
    form = await _form()
    await make_customer(email="known@example.org")
    client = await anon()
    answers = []
    for email in ("new@example.org", "new@example.org", "known@example.org"):
        response = await client.http.post(
            f"/forms/{form.key}/leads", json={"lastName": "Doe", "email": email}
        )
        answers.append((response.status_code, response.json()))
    assert answers == [(202, {"accepted": True})] * 3
    lead = await Lead.get()
    assert lead.submissions == 2
    assert await Lead.all().count() == 1
    assert await Interaction.filter(customer__email="known@example.org").count() == 1


async def test_other_origins_unknown_keys_and_bad_bodies_are_refused(anon, db):
    form = await _form(allowed_origins=[SITE])
    client = await anon()
    other = await client.http.post(
        f"/forms/{form.key}/leads",
        json={"email": "a@b.example"},
        headers={"Origin": "https://evil.example"},
    )
    assert (other.status_code, other.json()["error"]["code"]) == (403, "ORIGIN_NOT_ALLOWED")
    missing = await client.http.post("/forms/nope/leads", json={"email": "a@b.example"})
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "FORM_NOT_FOUND")
    invalid = await client.http.post(
        f"/forms/{form.key}/leads", json={"email": "not-mail"}, headers={"Origin": SITE}
    )
    assert invalid.status_code == 422
    assert invalid.json()["error"]["fields"][0]["field"] == "email"
    big = await client.http.post(
        f"/forms/{form.key}/leads",
        json={"email": "a@b.example", "message": "x" * 20_000},
        headers={"Origin": SITE},
    )
    assert big.status_code == 413
    assert await Lead.all().count() == 0


async def test_honeypot_submissions_look_accepted_but_write_nothing(anon, db):
    form = await _form()
    client = await anon()
    response = await client.http.post(
        f"/forms/{form.key}/leads", json={"email": "bot@example.org", "website": "http://spam"}
    )
    assert (response.status_code, response.json()) == (202, {"accepted": True})
    assert await Lead.all().count() == 0


async def test_one_address_is_rate_limited_others_are_not(anon, db):
    form = await _form()
    client = await anon(client_address="10.9.8.7")
    codes = []
    for n in range(12):
        response = await client.http.post(
            f"/forms/{form.key}/leads", json={"email": f"p{n}@example.org"}
        )
        codes.append(response.status_code)
    assert codes[:10] == [202] * 10 and codes[10:] == [429, 429]
    other = await anon(client_address="10.9.8.8")
    response = await other.http.post(f"/forms/{form.key}/leads", json={"email": "q@example.org"})
    assert response.status_code == 202
    assert await Lead.all().count() == 11


async def test_preflight_allows_listed_origins(anon, db):
    form = await _form(allowed_origins=[SITE])
    client = await anon()
    response = await client.http.options(
        f"/forms/{form.key}/leads",
        headers={"Origin": SITE, "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == SITE
