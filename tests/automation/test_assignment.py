"""Assignment rules: round-robin and territory, skipping deactivated users, recording
the rule; run by the subscriber after the commit."""

from __future__ import annotations

from crm_graphql.api.roles import Role
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.automation.models import AssignmentKind, AssignmentRule
from crm_graphql.domains.leads.models import Lead
from tests.automation.conftest import drain, fast_settings
from tests.factories import gid, make_user

CREATE_LEAD = """mutation($input: CreateLeadInput!) { createLead(input: $input) {
  lead { id } userErrors { code } } }"""
CREATE_RULE = """mutation($input: CreateAssignmentRuleInput!) {
  createAssignmentRule(input: $input) {
  assignmentRule { id kind users { name } territories { code users { name } } condition }
  userErrors { field code } } }"""


async def _lead(gql, **fields) -> int:
    payload = (await gql.data(CREATE_LEAD, {"input": {"lastName": "X", **fields}}))["createLead"]
    assert payload["userErrors"] == []
    return (await Lead.all().order_by("-id").first()).pk  # type: ignore[union-attr]


async def test_round_robin_takes_turns_and_skips_deactivated_users(gql, db):
    a, b = await make_user(Role.SALES, name="A"), await make_user(Role.SALES, name="B")
    gone = await make_user(Role.SALES, name="Gone", is_active=False)
    made = (
        await gql.data(
            CREATE_RULE,
            {"input": {"name": "All", "kind": "ROUND_ROBIN", "users": [gid(a), gid(gone), gid(b)]}},
        )
    )["createAssignmentRule"]
    assert made["userErrors"] == []
    ids = [await _lead(gql) for _ in range(4)]
    assert await Lead.filter(owner_id__isnull=False).count() == 0  # not before the commit
    await drain(fast_settings(db))
    owners = [(await Lead.get(pk=pk)).owner_id for pk in ids]
    assert owners == [a.pk, b.pk, a.pk, b.pk]
    rule = await AssignmentRule.get()
    assert {(await Lead.get(pk=pk)).assigned_by_rule_id for pk in ids} == {rule.pk}
    assert await AuditEvent.filter(action="lead.assign").count() == 4


async def test_territory_rule_first_then_round_robin_and_owners_given_are_kept(gql, db):
    de, us = await make_user(Role.SALES), await make_user(Role.SALES)
    rest = await make_user(Role.SALES)
    await AssignmentRule.create(
        name="Territories",
        kind=AssignmentKind.TERRITORY,
        position=1,
        territories={"DE": [de.pk], "US-CA": [us.pk]},
    )
    await AssignmentRule.create(
        name="Rest", kind=AssignmentKind.ROUND_ROBIN, position=2, user_ids=[rest.pk]
    )
    german = await _lead(gql, country="DE")
    californian = await _lead(gql, country="US", region="CA")
    french = await _lead(gql, country="FR")
    chosen = await _lead(gql, owner=gid(de))
    await drain(fast_settings(db))
    assert [(await Lead.get(pk=pk)).owner_id for pk in (german, californian, french, chosen)] == [
        de.pk,
        us.pk,
        rest.pk,
        de.pk,
    ]
    assert (await Lead.get(pk=chosen)).assigned_by_rule_id is None


async def test_rule_condition_uses_the_lead_filter(gql, db):
    hot = await make_user(Role.SALES)
    made = (
        await gql.data(
            CREATE_RULE,
            {
                "input": {
                    "name": "Referrals",
                    "kind": "ROUND_ROBIN",
                    "users": [gid(hot)],
                    "condition": {"source": {"eq": "REFERRAL"}},
                }
            },
        )
    )["createAssignmentRule"]
    assert made["assignmentRule"]["condition"] == {"source": {"eq": "REFERRAL"}}
    referral = await _lead(gql, source="REFERRAL")
    other = await _lead(gql, source="EVENT")
    await drain(fast_settings(db))
    assert (await Lead.get(pk=referral)).owner_id == hot.pk
    assert (await Lead.get(pk=other)).owner_id is None


async def test_only_admin_manages_assignment_rules(gql_as, db):
    manager = await gql_as(Role.MANAGER)
    refused = (
        await manager.data(
            CREATE_RULE,
            {"input": {"name": "X", "kind": "ROUND_ROBIN", "users": [gid(manager.user)]}},
        )
    )["createAssignmentRule"]
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"
    body = await manager.execute("{ assignmentRules { totalCount } }")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
