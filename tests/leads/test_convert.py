"""convertLead: customer matched or created, company by domain, opportunity, tasks moved,
links both ways, one audit event per record, all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm_graphql.api.roles import Role
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.customers.models import Company, Customer
from crm_graphql.domains.leads.models import Lead, LeadStatus
from crm_graphql.domains.sales.models import Opportunity
from crm_graphql.domains.tasks.models import Task, TaskStatus
from tests.factories import gid, make_company, make_customer, make_user
from tests.helpers import count_statements

CONVERT = """mutation($id: ID!, $input: ConvertLeadInput) { convertLead(id: $id, input: $input) {
  lead { status convertedAt convertedTo { customer { id email } opportunity { name stage } } }
  customer { id firstName lastName lifecycleStage company { name } convertedFromLead { id } }
  company { name domain }
  opportunity { name amount currency stage customer { id } }
  userErrors { field message code } } }"""
DEAL = {"name": "Pilot", "amount": "5000", "currency": "eur"}


async def make_lead(**fields) -> Lead:
    fields.setdefault("first_name", "Grace")
    fields.setdefault("last_name", "Hopper")
    fields.setdefault("email", "grace@navy.example")
    fields.setdefault("company_name", "Navy")
    return await Lead.create(**fields)


async def test_conversion_creates_customer_company_and_opportunity_and_moves_tasks(gql, db):
    owner = await make_user(Role.SALES)
    lead = await make_lead(owner_id=owner.pk, status=LeadStatus.QUALIFIED)
    due = datetime.now(UTC) + timedelta(days=1)
    open_task = await Task.create(title="Call", due_at=due, lead_id=lead.pk)
    done_task = await Task.create(title="Old", due_at=due, lead_id=lead.pk, status=TaskStatus.DONE)
    payload = (await gql.data(CONVERT, {"id": gid(lead), "input": {"createOpportunity": DEAL}}))[
        "convertLead"
    ]
    assert payload["userErrors"] == []
    customer = payload["customer"]
    assert (customer["firstName"], customer["lastName"], customer["lifecycleStage"]) == (
        "Grace",
        "Hopper",
        "PROSPECT",
    )
    assert customer["company"] == {"name": "Navy"}
    assert customer["convertedFromLead"] == {"id": gid(lead)}
    assert payload["company"] == {"name": "Navy", "domain": "navy.example"}
    assert payload["opportunity"]["stage"] == "QUALIFICATION"
    assert payload["opportunity"]["customer"] == {"id": customer["id"]}
    assert payload["lead"]["status"] == "CONVERTED"
    assert payload["lead"]["convertedTo"]["customer"]["id"] == customer["id"]
    assert payload["lead"]["convertedTo"]["opportunity"]["name"] == "Pilot"
    row = await Customer.get(email="grace@navy.example")
    assert row.owner_id == owner.pk
    opportunity = await Opportunity.get()
    moved = await Task.get(pk=open_task.pk)
    assert (moved.customer_id, moved.opportunity_id) == (row.pk, opportunity.pk)
    assert (await Task.get(pk=done_task.pk)).customer_id is None
    actions = sorted(await AuditEvent.all().values_list("action", flat=True))
    assert actions == ["company.create", "customer.create", "lead.convert", "opportunity.create"]


async def test_conversion_attaches_to_the_customer_with_the_email_and_the_company_by_domain(
    gql, db
):
    company = await make_company(name="Acme", domain="acme.example")
    existing = await make_customer(email="wile@acme.example", company=None)
    lead = await make_lead(email="wile@acme.example", company_name="ACME Corp")
    payload = (await gql.data(CONVERT, {"id": gid(lead)}))["convertLead"]
    assert payload["userErrors"] == []
    assert payload["customer"]["id"] == gid(existing)
    assert payload["company"]["name"] == "Acme"
    assert payload["opportunity"] is None
    assert await Customer.all().count() == 1 and await Company.all().count() == 1
    assert (await Customer.get(pk=existing.pk)).company_id == company.pk
    actions = await AuditEvent.all().values_list("action", flat=True)
    assert list(actions) == ["lead.convert"]


async def test_free_mail_domains_do_not_make_a_company(gql, db):
    lead = await make_lead(email="someone@gmail.com", company_name=None)
    payload = (await gql.data(CONVERT, {"id": gid(lead)}))["convertLead"]
    assert payload["userErrors"] == [] and payload["company"] is None
    assert await Company.all().count() == 0


async def test_bad_opportunity_input_writes_nothing(gql, db):
    lead = await make_lead()
    await Task.create(title="Call", due_at=datetime.now(UTC), lead_id=lead.pk)
    bad = {"name": "", "amount": "-1", "currency": "EURO", "stage": "CLOSED_WON"}
    payload = (await gql.data(CONVERT, {"id": gid(lead), "input": {"createOpportunity": bad}}))[
        "convertLead"
    ]
    assert payload["lead"] is None and payload["customer"] is None
    assert sorted(e["field"][-1] for e in payload["userErrors"]) == [
        "amount",
        "currency",
        "name",
        "stage",
    ]
    assert await Customer.all().count() == 0 and await Company.all().count() == 0
    assert (await Lead.get(pk=lead.pk)).status == LeadStatus.NEW
    assert (await Task.get()).customer_id is None
    assert await AuditEvent.all().count() == 0


async def test_converted_and_unqualified_leads_are_not_converted(gql, db):
    lead = await make_lead()
    assert (await gql.data(CONVERT, {"id": gid(lead)}))["convertLead"]["userErrors"] == []
    again = (await gql.data(CONVERT, {"id": gid(lead)}))["convertLead"]
    assert again["userErrors"][0]["code"] == "INVALID_TRANSITION"
    unqualified = await make_lead(email="x@y.example", status=LeadStatus.UNQUALIFIED)
    refused = (await gql.data(CONVERT, {"id": gid(unqualified)}))["convertLead"]
    assert refused["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert await Customer.all().count() == 1


async def test_sales_cannot_convert_another_reps_lead(gql_as, db):
    other = await make_user(Role.SALES)
    lead = await make_lead(owner_id=other.pk)
    sales = await gql_as(Role.SALES)
    refused = (await sales.data(CONVERT, {"id": gid(lead)}))["convertLead"]
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"
    assert await Customer.all().count() == 0


async def test_funnel_counts_statuses_sources_and_conversion_time(gql, db):
    from crm_graphql.domains.leads.models import LeadSource

    created = datetime(2026, 3, 2, 9, tzinfo=UTC)
    for status, source, days in (
        (LeadStatus.NEW, LeadSource.WEB_FORM, None),
        (LeadStatus.CONVERTED, LeadSource.WEB_FORM, 2),
        (LeadStatus.CONVERTED, LeadSource.EVENT, 6),
        (LeadStatus.UNQUALIFIED, LeadSource.EVENT, None),
    ):
        lead = await make_lead(status=status, source=source)
        converted = created + timedelta(days=days) if days else None
        await Lead.filter(pk=lead.pk).update(created_at=created, converted_at=converted)
    await Lead.filter(pk=(await make_lead()).pk).update(created_at=created + timedelta(days=40))
    data = await gql.data(
        """{ leadFunnel(period: { from: "2026-03-01", to: "2026-03-31" }) {
        total converted conversionRate medianDaysToConvert
        byStatus { status count } bySource { source count converted } } }"""
    )
    funnel = data["leadFunnel"]
    assert (funnel["total"], funnel["converted"], funnel["conversionRate"]) == (4, 2, 0.5)
    assert funnel["medianDaysToConvert"] == 4.0
    assert {s["status"]: s["count"] for s in funnel["byStatus"]}["UNQUALIFIED"] == 1
    assert funnel["bySource"] == [
        {"source": "EVENT", "count": 2, "converted": 1},
        {"source": "WEB_FORM", "count": 2, "converted": 1},
    ]


async def test_conversion_statements_do_not_grow_with_the_open_tasks(gql, db):
    async def convert_with(tasks: int, n: int) -> int:
        lead = await make_lead(email=f"p{n}@corp{n}.example")
        for _ in range(tasks):
            await Task.create(title="T", due_at=datetime.now(UTC), lead_id=lead.pk)
        with count_statements() as statements:
            payload = (
                await gql.data(CONVERT, {"id": gid(lead), "input": {"createOpportunity": DEAL}})
            )["convertLead"]
        assert payload["userErrors"] == []
        assert await Task.filter(lead_id=lead.pk, customer_id__isnull=False).count() == tasks
        return len(statements)

    assert await convert_with(1, 1) == await convert_with(15, 2)
