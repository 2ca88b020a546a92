"""Automation rules: triggers (created, field changed, time-based), conditions in the
lists' filter inputs, actions, runs recorded with retries and failures that never block
the mutation, and exactly one effect per event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm_graphql.api.roles import Role
from crm_graphql.domains.automation.models import (
    AutomationAction,
    AutomationEntity,
    AutomationRule,
    AutomationTrigger,
)
from crm_graphql.domains.leads.models import Lead, LeadStatus
from crm_graphql.domains.tasks.models import Task, TaskPriority
from crm_graphql.events import EventDelivery, ScheduledEvent
from crm_graphql.events.delivery import run_delivery
from tests.automation.conftest import drain, fast_settings
from tests.factories import gid, make_customer, make_opportunity, make_user

CREATE_RULE = """mutation($input: CreateAutomationRuleInput!) {
  createAutomationRule(input: $input) {
  automationRule { id entity trigger field toValue condition active
    action { action taskTitle taskAssignee dueInDays } }
  userErrors { field message code } } }"""
MOVE = """mutation($id: ID!, $stage: OpportunityStage!, $version: Int!) {
  moveOpportunityStage(id: $id, stage: $stage, version: $version) {
  opportunity { stage } userErrors { code } } }"""
CREATE_LEAD = """mutation($input: CreateLeadInput!) { createLead(input: $input) {
  lead { id } userErrors { code } } }"""
RUNS = """query($rule: ID) { automationRuns(filter: {rule: {eq: $rule}}) { nodes {
  state attempts error recordId rule { name } } } }"""
NEGOTIATION_RULE = {
    "name": "Negotiation follow-up",
    "entity": "OPPORTUNITY",
    "trigger": "FIELD_CHANGED",
    "field": "stage",
    "toValue": "NEGOTIATION",
    "action": "CREATE_TASK",
    "taskTitle": "Prepare the contract for {name}",
    "dueInDays": 2,
}


async def test_stage_change_creates_one_task_for_the_owner_and_the_run_is_recorded(gql, db):
    owner = await make_user(Role.SALES)
    made = (await gql.data(CREATE_RULE, {"input": NEGOTIATION_RULE}))["createAutomationRule"]
    assert made["userErrors"] == []
    rule_id = made["automationRule"]["id"]
    opportunity = await make_opportunity(await make_customer(), owner=owner, name="Big deal")
    moved = await gql.data(MOVE, {"id": gid(opportunity), "stage": "QUALIFICATION", "version": 1})
    assert moved["moveOpportunityStage"]["userErrors"] == []  # not the stage watched
    await gql.data(MOVE, {"id": gid(opportunity), "stage": "NEGOTIATION", "version": 2})
    settings = fast_settings(db)
    await drain(settings)
    task = await Task.get()
    assert (task.title, task.assignee_id, task.opportunity_id) == (
        "Prepare the contract for Big deal",
        owner.pk,
        opportunity.pk,
    )
    assert timedelta(days=1, hours=23) < task.due_at - datetime.now(UTC) <= timedelta(days=2)
    runs = (await gql.data(RUNS, {"rule": rule_id}))["automationRuns"]["nodes"]
    assert runs == [
        {
            "state": "DONE",
            "attempts": 1,
            "error": None,
            "recordId": gid(opportunity),
            "rule": {"name": "Negotiation follow-up"},
        }
    ]
    # The same run delivered again (a redelivered message, a second worker): no effect.
    run = await EventDelivery.get(subscriber="automation.run")
    await run_delivery(run.event_id, "automation.run", settings)  # type: ignore[attr-defined]
    assert await Task.all().count() == 1


async def test_invalid_rules_are_refused_with_user_errors_and_nothing_is_written(gql, db):
    bad_condition = {**NEGOTIATION_RULE, "opportunityCondition": {"owner": {"eq": "bm9wZQ=="}}}
    wrong_entity = {**NEGOTIATION_RULE, "leadCondition": {"status": {"eq": "NEW"}}}
    bad_template = {**NEGOTIATION_RULE, "taskTitle": "Call {nonsense}"}
    bad_field = {**NEGOTIATION_RULE, "field": "colour"}
    bad_set = {
        **NEGOTIATION_RULE,
        "action": "SET_FIELD",
        "setField": "probability",
        "setValue": "lots",
    }
    expected = {
        "opportunityCondition": bad_condition,
        "leadCondition": wrong_entity,
        "taskTitle": bad_template,
        "field": bad_field,
        "setField": bad_set,
    }
    for field, rule in expected.items():
        payload = (await gql.data(CREATE_RULE, {"input": rule}))["createAutomationRule"]
        assert payload["automationRule"] is None, field
        assert [e["field"][-1] for e in payload["userErrors"]] == [field], payload
        assert payload["userErrors"][0]["code"] == "INVALID"
    assert await AutomationRule.all().count() == 0


async def test_failing_action_is_retried_then_failed_and_never_blocks_the_mutation(gql, db):
    gone = await make_user(Role.SALES)
    await AutomationRule.create(
        name="Give to Gone",
        entity=AutomationEntity.LEAD,
        trigger=AutomationTrigger.CREATED,
        action=AutomationAction.ASSIGN_OWNER,
        params={"user_id": gone.pk},
    )
    gone.is_active = False
    await gone.save()
    payload = (await gql.data(CREATE_LEAD, {"input": {"lastName": "Kept"}}))["createLead"]
    assert payload["userErrors"] == [] and await Lead.filter(last_name="Kept").exists()
    await drain(fast_settings(db, events_max_attempts=3))
    runs = (await gql.data(RUNS))["automationRuns"]["nodes"]
    assert len(runs) == 1
    assert (runs[0]["state"], runs[0]["attempts"]) == ("FAILED", 3)
    assert "deactivated" in runs[0]["error"]
    assert (await Lead.get(last_name="Kept")).owner_id is None


async def test_deleted_record_fails_at_once_and_disabled_rules_do_not_fire(gql, db):
    rule = await AutomationRule.create(
        name="Score",
        entity=AutomationEntity.LEAD,
        trigger=AutomationTrigger.CREATED,
        action=AutomationAction.SET_FIELD,
        params={"field": "score", "value": 50},
    )
    await gql.data(CREATE_LEAD, {"input": {"lastName": "Gone"}})
    await Lead.filter(last_name="Gone").delete()
    await drain(fast_settings(db))
    runs = (await gql.data(RUNS))["automationRuns"]["nodes"]
    assert (runs[0]["state"], runs[0]["attempts"]) == ("FAILED", 1)
    assert "no longer exists" in runs[0]["error"]
    rule.active = False
    await rule.save()
    await gql.data(CREATE_LEAD, {"input": {"lastName": "Quiet"}})
    await drain(fast_settings(db))
    assert (await Lead.get(last_name="Quiet")).score == 0
    assert len((await gql.data(RUNS))["automationRuns"]["nodes"]) == 1


async def test_lead_still_new_after_n_hours_gets_a_task_others_do_not(gql, db):
    owner = await make_user(Role.SALES)
    made = (
        await gql.data(
            CREATE_RULE,
            {
                "input": {
                    "name": "Stale lead",
                    "entity": "LEAD",
                    "trigger": "TIME_AFTER_CREATED",
                    "delayHours": 24,
                    "leadCondition": {"status": {"eq": "NEW"}},
                    "action": "CREATE_TASK",
                    "taskTitle": "Call {name} today",
                }
            },
        )
    )["createAutomationRule"]
    assert made["userErrors"] == []
    for name in ("Stale", "Busy"):
        await gql.data(CREATE_LEAD, {"input": {"lastName": name, "owner": gid(owner)}})
    settings = fast_settings(db)
    await drain(settings)
    scheduled = await ScheduledEvent.filter(type="automation.time_due").order_by("id")
    assert len(scheduled) == 2
    assert all(
        timedelta(hours=23) < s.due_at - datetime.now(UTC) < timedelta(hours=25) for s in scheduled
    )
    await Lead.filter(last_name="Busy").update(status=LeadStatus.CONTACTED)
    await ScheduledEvent.all().update(due_at=datetime.now(UTC) - timedelta(seconds=1))
    await drain(settings, fire_scheduled=True)
    tasks = await Task.all()
    assert [(t.title, t.assignee_id) for t in tasks] == [("Call Stale today", owner.pk)]
    states = sorted(r["state"] for r in (await gql.data(RUNS))["automationRuns"]["nodes"])
    assert states == ["DONE", "DONE"]  # the CONTACTED lead's run is done: condition false


async def test_task_falling_due_sets_its_priority(gql, db):
    await AutomationRule.create(
        name="Escalate",
        entity=AutomationEntity.TASK,
        trigger=AutomationTrigger.TASK_DUE,
        action=AutomationAction.SET_FIELD,
        params={"field": "priority", "value": "HIGH"},
    )
    due = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    created = await gql.data(
        """mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id } } }""",
        {"input": {"title": "Soon", "dueAt": due}},
    )
    assert created["createTask"]["task"]
    settings = fast_settings(db)
    await drain(settings)
    assert (await Task.get()).priority == TaskPriority.NORMAL
    await ScheduledEvent.filter(type="task.due").update(
        due_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    await drain(settings, fire_scheduled=True)
    assert (await Task.get()).priority == TaskPriority.HIGH


async def test_automation_runs_read_in_constant_statements(gql, db):
    from tests.helpers import count_statements

    await AutomationRule.create(
        name="Score",
        entity=AutomationEntity.LEAD,
        trigger=AutomationTrigger.CREATED,
        action=AutomationAction.SET_FIELD,
        params={"field": "score", "value": 10},
    )
    settings = fast_settings(db)
    await gql.data(CREATE_LEAD, {"input": {"lastName": "One"}})
    await drain(settings)
    with count_statements() as few:
        assert len((await gql.data(RUNS))["automationRuns"]["nodes"]) == 1
    for n in range(8):
        await gql.data(CREATE_LEAD, {"input": {"lastName": f"More{n}"}})
    await drain(settings)
    with count_statements() as many:
        assert len((await gql.data(RUNS))["automationRuns"]["nodes"]) == 9
    assert len(few) == len(many), (few, many)


async def test_reminder_time_triggers_task_reminder_rules(gql, db):
    await AutomationRule.create(
        name="Remind",
        entity=AutomationEntity.TASK,
        trigger=AutomationTrigger.TASK_REMINDER,
        action=AutomationAction.SET_FIELD,
        params={"field": "priority", "value": "HIGH"},
    )
    due = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    remind = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    await gql.data(
        """mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id } } }""",
        {"input": {"title": "Later", "dueAt": due, "remindAt": remind}},
    )
    settings = fast_settings(db)
    await ScheduledEvent.filter(type="task.reminder_due").update(
        due_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    await drain(settings, fire_scheduled=True)
    assert (await Task.get()).priority == TaskPriority.HIGH
