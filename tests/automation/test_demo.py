"""The demo step of sales automation: leads in every status, tasks (some overdue), two
assignment rules and three automation rules that fire on new records."""

from __future__ import annotations

from crm_graphql.demo.seed import generate
from crm_graphql.domains.automation.demo import FORM_KEY
from crm_graphql.domains.automation.models import AssignmentRule, AutomationRule
from crm_graphql.domains.leads.models import Lead, LeadStatus
from crm_graphql.domains.tasks.models import Task
from tests.automation.conftest import drain, fast_settings


async def test_demo_has_every_lead_status_overdue_tasks_and_rules_that_fire(gql, anon, db):
    report = await generate(60, 3, batch_size=500, progress=False, options={"leads": 120})
    assert report.rows["lead"] == 120 == await Lead.all().count()
    assert {lead.status for lead in await Lead.all()} == set(LeadStatus)
    overdue = await gql.data("{ tasks(filter: { due: { overdue: true } }) { totalCount } }")
    assert overdue["tasks"]["totalCount"] > 0
    assert await AssignmentRule.all().count() == 2 and await AutomationRule.all().count() == 3
    funnel = await gql.data(
        """{ leadFunnel(period: { from: "2025-11-01", to: "2026-11-01" }) {
        total converted medianDaysToConvert } }"""
    )
    assert funnel["leadFunnel"]["converted"] > 0
    assert funnel["leadFunnel"]["medianDaysToConvert"] is not None
    before = await Task.all().count()
    client = await anon()
    response = await client.http.post(
        f"/forms/{FORM_KEY}/leads",
        json={"name": "Hedy Lamarr", "email": "hedy@inventions.example", "country": "AT"},
    )
    assert response.status_code == 202
    await drain(fast_settings(db))
    lead = await Lead.get(email="hedy@inventions.example")
    dach = await AssignmentRule.get(name="DACH territory")
    assert lead.owner_id is not None and lead.assigned_by_rule_id == dach.pk
    task = await Task.get(lead_id=lead.pk)
    assert await Task.all().count() == before + 1
    assert (task.title, task.assignee_id) == ("Call Hedy Lamarr (web form)", lead.owner_id)
