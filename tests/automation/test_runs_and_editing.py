"""``automationRuns`` as a keyset list filtered by rule, record and outcome; editing
automation and assignment rules (checked like new ones, audited, versioned)."""

from __future__ import annotations

from crm_graphql.api.roles import Role
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.automation.models import (
    AssignmentKind,
    AssignmentRule,
    AutomationAction,
    AutomationEntity,
    AutomationRule,
    AutomationTrigger,
)
from crm_graphql.domains.leads.models import Lead
from tests.automation.conftest import drain, fast_settings
from tests.factories import gid, make_user
from tests.helpers import count_statements

CREATE_LEAD = """mutation($input: CreateLeadInput!) { createLead(input: $input) {
  lead { id } userErrors { code } } }"""
RUNS = """query($filter: AutomationRunFilter, $first: Int, $after: String) {
  automationRuns(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id state attempts error recordId rule { name } } } }"""
UPDATE_RULE = """mutation($id: ID!, $input: UpdateAutomationRuleInput!) {
  updateAutomationRule(id: $id, input: $input) {
    automationRule { name active trigger field toValue condition version
      action { action taskTitle dueInDays } }
    userErrors { field message code } } }"""
UPDATE_ASSIGNMENT = """mutation($id: ID!, $input: UpdateAssignmentRuleInput!) {
  updateAssignmentRule(id: $id, input: $input) {
    assignmentRule { name position active kind users { name } condition version }
    userErrors { field message code } } }"""


async def _rules() -> tuple[AutomationRule, AutomationRule]:
    score = await AutomationRule.create(
        name="Score",
        entity=AutomationEntity.LEAD,
        trigger=AutomationTrigger.CREATED,
        action=AutomationAction.SET_FIELD,
        params={"field": "score", "value": 10},
    )
    gone = await make_user(Role.SALES, is_active=False)
    failing = await AutomationRule.create(
        name="Give away",
        entity=AutomationEntity.LEAD,
        trigger=AutomationTrigger.CREATED,
        action=AutomationAction.ASSIGN_OWNER,
        params={"user_id": gone.pk},
    )
    return score, failing


async def test_runs_are_a_keyset_list_filtered_by_rule_record_and_outcome(gql, db):
    score, failing = await _rules()
    for name in ("One", "Two", "Three"):
        await gql.data(CREATE_LEAD, {"input": {"lastName": name}})
    await drain(fast_settings(db, events_max_attempts=1))
    every = (await gql.data(RUNS))["automationRuns"]
    assert every["totalCount"] == 6
    by_rule = (await gql.data(RUNS, {"filter": {"rule": {"eq": gid(failing)}}}))["automationRuns"]
    assert {n["rule"]["name"] for n in by_rule["nodes"]} == {"Give away"}
    assert {n["state"] for n in by_rule["nodes"]} == {"FAILED"}
    done = (await gql.data(RUNS, {"filter": {"outcome": {"eq": "DONE"}}}))["automationRuns"]
    assert done["totalCount"] == 3 and {n["rule"]["name"] for n in done["nodes"]} == {"Score"}
    pending = await gql.data(RUNS, {"filter": {"outcome": {"in": ["PENDING", "RETRYING"]}}})
    assert pending["automationRuns"]["totalCount"] == 0
    two = await Lead.get(last_name="Two")
    about = (await gql.data(RUNS, {"filter": {"record": {"eq": gid(two)}}}))["automationRuns"]
    assert about["totalCount"] == 2 and {n["recordId"] for n in about["nodes"]} == {gid(two)}
    # Pages follow each other without gaps or repeats.
    first = (await gql.data(RUNS, {"first": 4}))["automationRuns"]
    assert first["pageInfo"]["hasNextPage"]
    rest = (await gql.data(RUNS, {"first": 4, "after": first["pageInfo"]["endCursor"]}))[
        "automationRuns"
    ]
    ids = [n["id"] for n in first["nodes"] + rest["nodes"]]
    assert len(ids) == len(set(ids)) == 6
    bad = await gql.execute(RUNS, {"filter": {"record": {"eq": gid(score)}}})
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_ID"


async def test_runs_page_reads_in_constant_statements(gql, db):
    await _rules()
    settings = fast_settings(db, events_max_attempts=1)
    await gql.data(CREATE_LEAD, {"input": {"lastName": "Only"}})
    await drain(settings)
    with count_statements() as few:
        assert len((await gql.data(RUNS))["automationRuns"]["nodes"]) == 2
    for n in range(6):
        await gql.data(CREATE_LEAD, {"input": {"lastName": f"More{n}"}})
    await drain(settings)
    with count_statements() as many:
        assert len((await gql.data(RUNS))["automationRuns"]["nodes"]) == 14
    assert len(few) == len(many), (few, many)


async def test_runs_are_for_admin_only(gql_as, db):
    await _rules()
    manager = await gql_as(Role.MANAGER)
    result = await manager.execute(RUNS)
    assert result["data"]["automationRuns"] is None
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_automation_rule_is_edited_checked_like_a_new_one_and_audited(gql, db):
    rule = await AutomationRule.create(
        name="Score",
        entity=AutomationEntity.LEAD,
        trigger=AutomationTrigger.CREATED,
        action=AutomationAction.SET_FIELD,
        params={"field": "score", "value": 10},
    )
    bad = (
        await gql.data(
            UPDATE_RULE,
            {
                "id": gid(rule),
                "input": {
                    "version": 1,
                    "leadCondition": {"owner": {"eq": "bm9wZQ=="}},
                    "setValue": "lots",
                },
            },
        )
    )["updateAutomationRule"]
    assert bad["automationRule"] is None
    assert sorted(e["field"][-1] for e in bad["userErrors"]) == ["leadCondition", "setField"]
    assert (await AutomationRule.get(pk=rule.pk)).version == 1
    changed = (
        await gql.data(
            UPDATE_RULE,
            {
                "id": gid(rule),
                "input": {
                    "version": 1,
                    "name": "Qualified follow-up",
                    "trigger": "FIELD_CHANGED",
                    "field": "status",
                    "toValue": "QUALIFIED",
                    "leadCondition": {"source": {"eq": "WEB_FORM"}},
                    "action": "CREATE_TASK",
                    "taskTitle": "Propose a demo to {name}",
                    "dueInDays": 2,
                },
            },
        )
    )["updateAutomationRule"]
    assert changed["userErrors"] == [], changed
    saved = changed["automationRule"]
    assert (saved["name"], saved["trigger"], saved["field"], saved["toValue"]) == (
        "Qualified follow-up",
        "FIELD_CHANGED",
        "status",
        "QUALIFIED",
    )
    assert saved["condition"] == {"source": {"eq": "WEB_FORM"}}
    assert saved["action"] == {
        "action": "CREATE_TASK",
        "taskTitle": "Propose a demo to {name}",
        "dueInDays": 2,
    }
    assert saved["version"] == 2
    off = (
        await gql.data(UPDATE_RULE, {"id": gid(rule), "input": {"version": 2, "active": False}})
    )["updateAutomationRule"]
    assert off["automationRule"]["active"] is False
    assert off["automationRule"]["condition"] == {"source": {"eq": "WEB_FORM"}}  # kept
    stale = (await gql.data(UPDATE_RULE, {"id": gid(rule), "input": {"version": 1, "name": "X"}}))[
        "updateAutomationRule"
    ]
    assert stale["userErrors"][0]["code"] == "CONFLICT"
    assert await AuditEvent.filter(action="automation_rule.update").count() == 2


async def test_assignment_rule_is_edited_checked_and_audited(gql, db):
    a, b = await make_user(Role.SALES, name="A"), await make_user(Role.SALES, name="B")
    rule = await AssignmentRule.create(name="All", kind=AssignmentKind.ROUND_ROBIN, user_ids=[a.pk])
    empty = (
        await gql.data(UPDATE_ASSIGNMENT, {"id": gid(rule), "input": {"version": 1, "users": []}})
    )["updateAssignmentRule"]
    assert [(e["field"][-1], e["code"]) for e in empty["userErrors"]] == [("users", "REQUIRED")]
    changed = (
        await gql.data(
            UPDATE_ASSIGNMENT,
            {
                "id": gid(rule),
                "input": {
                    "version": 1,
                    "name": "Germany",
                    "position": 3,
                    "users": [gid(b), gid(a)],
                    "condition": {"country": {"eq": "DE"}},
                },
            },
        )
    )["updateAssignmentRule"]
    assert changed["userErrors"] == []
    saved = changed["assignmentRule"]
    assert (saved["name"], saved["position"], [u["name"] for u in saved["users"]]) == (
        "Germany",
        3,
        ["B", "A"],
    )
    assert saved["condition"] == {"country": {"eq": "DE"}}
    assert await AuditEvent.filter(action="assignment_rule.update").count() == 1


async def test_rules_are_read_by_admin_only_also_through_node(gql, gql_as, db):
    rule = await AutomationRule.create(
        name="Score",
        entity=AutomationEntity.LEAD,
        trigger=AutomationTrigger.CREATED,
        action=AutomationAction.SET_FIELD,
        params={"field": "score", "value": 10},
    )
    assignment = await AssignmentRule.create(name="Round", kind=AssignmentKind.ROUND_ROBIN)
    node = "query($id: ID!) { node(id: $id) { id } }"
    for record in (rule, assignment):
        assert (await gql.data(node, {"id": gid(record)}))["node"] == {"id": gid(record)}
        for role in (Role.MANAGER, Role.SALES, Role.MARKETING):
            other = await gql_as(role)
            assert (await other.data(node, {"id": gid(record)}))["node"] is None, role
