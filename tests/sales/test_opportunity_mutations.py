"""Opportunity mutations: validation, stage moves and their history, ownership, rollback."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from crm_graphql.api import audit
from crm_graphql.api.roles import Role
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.sales.models import Opportunity, OpportunityStage, OpportunityStageChange
from tests.factories import gid, make_company, make_customer, make_opportunity, make_user
from tests.helpers import count_statements

FIELDS = """id name amount currency stage probability expectedCloseDate closedAt lostReason
  version company { id } owner { name }"""
HISTORY = "stageHistory { stage changedAt changedBy { name } }"
CREATE = f"""mutation($input: CreateOpportunityInput!) {{ createOpportunity(input: $input) {{
  opportunity {{ {FIELDS} {HISTORY} }} userErrors {{ field message code }} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: UpdateOpportunityInput!) {{
  updateOpportunity(id: $id, input: $input) {{
  opportunity {{ {FIELDS} }} userErrors {{ field code currentVersion }} }} }}"""
MOVE = f"""mutation($id: ID!, $stage: OpportunityStage!, $version: Int!, $lostReason: String) {{
  moveOpportunityStage(id: $id, stage: $stage, version: $version, lostReason: $lostReason) {{
  opportunity {{ {FIELDS} {HISTORY} }} userErrors {{ field code currentVersion }} }} }}"""
DELETE = """mutation($id: ID!) { deleteOpportunity(id: $id) {
  opportunity { id } userErrors { field code } } }"""


def _input(customer, **fields) -> dict:
    base = {"customer": gid(customer), "name": "Big deal", "amount": "1200.50", "currency": "eur"}
    return base | fields


async def test_create_copies_the_company_defaults_and_records_the_first_stage(gql, db):
    company = await make_company()
    customer = await make_customer(company=company)
    payload = (await gql.data(CREATE, {"input": _input(customer)}))["createOpportunity"]
    assert payload["userErrors"] == []
    created = payload["opportunity"]
    assert created["company"] == {"id": gid(company)}
    assert created["owner"] == {"name": gql.user.name}
    assert (created["amount"], created["currency"]) == ("1200.50", "EUR")
    assert (created["stage"], created["probability"], created["closedAt"]) == (
        "PROSPECTING",
        10,
        None,
    )
    assert [(h["stage"], h["changedBy"]) for h in created["stageHistory"]] == [
        ("PROSPECTING", {"name": gql.user.name})
    ]
    assert await AuditEvent.filter(action="opportunity.create").count() == 1


async def test_probability_given_wins_over_the_stage_default(gql, db):
    customer = await make_customer()
    payload = (
        await gql.data(CREATE, {"input": _input(customer, stage="PROPOSAL", probability=60)})
    )["createOpportunity"]
    assert (payload["opportunity"]["stage"], payload["opportunity"]["probability"]) == (
        "PROPOSAL",
        60,
    )


async def test_every_problem_is_reported_at_once_and_nothing_is_written(gql, db):
    customer = await make_customer()
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    payload = (
        await gql.data(
            CREATE,
            {
                "input": _input(
                    customer,
                    name="",
                    amount="-1",
                    currency="EURO",
                    probability=101,
                    expectedCloseDate=yesterday,
                    owner=gid(customer),
                )
            },
        )
    )["createOpportunity"]
    assert payload["opportunity"] is None
    problems = {tuple(e["field"]): e["code"] for e in payload["userErrors"]}
    assert problems == {
        ("input", "name"): "REQUIRED",
        ("input", "amount"): "OUT_OF_RANGE",
        ("input", "currency"): "INVALID",
        ("input", "probability"): "OUT_OF_RANGE",
        ("input", "expectedCloseDate"): "OUT_OF_RANGE",
        ("input", "owner"): "INVALID_ID",
    }
    assert await Opportunity.all().count() == 0
    assert await OpportunityStageChange.all().count() == 0


async def test_amount_with_more_than_two_decimals_is_invalid(gql, db):
    payload = (await gql.data(CREATE, {"input": _input(await make_customer(), amount="1.005")}))[
        "createOpportunity"
    ]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "amount"], "INVALID")
    ]


async def test_unknown_or_deleted_customer_is_not_found(gql, db):
    deleted = await make_customer(deleted_at=datetime.now(UTC))
    payload = (await gql.data(CREATE, {"input": _input(deleted)}))["createOpportunity"]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "customer"], "NOT_FOUND")
    ]
    missing = (await gql.data(DELETE, {"id": gid(await make_company())}))["deleteOpportunity"]
    assert missing["userErrors"] == [{"field": ["id"], "code": "INVALID_ID"}]


async def test_created_as_closed_lost_needs_a_reason(gql, db):
    customer = await make_customer()
    refused = (await gql.data(CREATE, {"input": _input(customer, stage="CLOSED_LOST")}))[
        "createOpportunity"
    ]
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["input", "lostReason"], "REQUIRED")
    ]
    created = (
        await gql.data(
            CREATE, {"input": _input(customer, stage="CLOSED_LOST", lostReason="Too pricey")}
        )
    )["createOpportunity"]["opportunity"]
    assert created["closedAt"] is not None
    assert (created["probability"], created["lostReason"]) == (0, "Too pricey")


async def test_update_changes_only_given_fields_and_checks_the_version(gql, db):
    deal = await make_opportunity(await make_customer(), name="Old")
    payload = (
        await gql.data(
            UPDATE,
            {"id": gid(deal), "input": {"version": 1, "name": "New", "amount": "99.90"}},
        )
    )["updateOpportunity"]
    assert payload["userErrors"] == []
    assert (payload["opportunity"]["name"], payload["opportunity"]["amount"]) == ("New", "99.90")
    assert payload["opportunity"]["stage"] == "PROPOSAL"
    assert payload["opportunity"]["version"] == 2
    stale = (await gql.data(UPDATE, {"id": gid(deal), "input": {"version": 1, "name": "X"}}))[
        "updateOpportunity"
    ]
    assert stale["userErrors"] == [{"field": ["version"], "code": "CONFLICT", "currentVersion": 2}]
    assert (await Opportunity.get(pk=deal.pk)).name == "New"


async def test_update_close_date_may_not_precede_creation(gql, db):
    deal = await make_opportunity(await make_customer())
    payload = (
        await gql.data(
            UPDATE,
            {"id": gid(deal), "input": {"version": 1, "expectedCloseDate": "2000-01-01"}},
        )
    )["updateOpportunity"]
    assert payload["userErrors"] == [
        {"field": ["input", "expectedCloseDate"], "code": "OUT_OF_RANGE", "currentVersion": None}
    ]


async def test_moving_stages_records_history_closes_and_reopens(gql, db):
    deal = await make_opportunity(await make_customer(), stage=OpportunityStage.PROPOSAL)
    won = (await gql.data(MOVE, {"id": gid(deal), "stage": "CLOSED_WON", "version": 1}))[
        "moveOpportunityStage"
    ]
    assert won["userErrors"] == []
    assert (won["opportunity"]["probability"], won["opportunity"]["version"]) == (100, 2)
    assert won["opportunity"]["closedAt"] is not None
    reopened = (await gql.data(MOVE, {"id": gid(deal), "stage": "NEGOTIATION", "version": 2}))[
        "moveOpportunityStage"
    ]["opportunity"]
    assert (reopened["stage"], reopened["probability"], reopened["closedAt"]) == (
        "NEGOTIATION",
        75,
        None,
    )
    assert [h["stage"] for h in reopened["stageHistory"]] == ["CLOSED_WON", "NEGOTIATION"]
    assert reopened["stageHistory"][0]["changedBy"] == {"name": gql.user.name}
    assert await AuditEvent.filter(action="opportunity.move_stage").count() == 2


async def test_closed_lost_needs_a_lost_reason(gql, db):
    deal = await make_opportunity(await make_customer())
    refused = (await gql.data(MOVE, {"id": gid(deal), "stage": "CLOSED_LOST", "version": 1}))[
        "moveOpportunityStage"
    ]
    assert refused["userErrors"] == [
        {"field": ["lostReason"], "code": "REQUIRED", "currentVersion": None}
    ]
    assert await OpportunityStageChange.all().count() == 0
    lost = (
        await gql.data(
            MOVE,
            {"id": gid(deal), "stage": "CLOSED_LOST", "version": 1, "lostReason": "Budget cut"},
        )
    )["moveOpportunityStage"]["opportunity"]
    assert (lost["stage"], lost["lostReason"], lost["probability"]) == (
        "CLOSED_LOST",
        "Budget cut",
        0,
    )
    assert lost["closedAt"] is not None


async def test_moving_to_the_current_stage_or_with_a_stale_version_is_refused(gql, db):
    deal = await make_opportunity(await make_customer(), stage=OpportunityStage.PROPOSAL)
    same = (await gql.data(MOVE, {"id": gid(deal), "stage": "PROPOSAL", "version": 1}))[
        "moveOpportunityStage"
    ]
    assert same["userErrors"][0]["code"] == "INVALID_TRANSITION"
    stale = (await gql.data(MOVE, {"id": gid(deal), "stage": "NEGOTIATION", "version": 7}))[
        "moveOpportunityStage"
    ]
    assert stale["userErrors"] == [{"field": ["version"], "code": "CONFLICT", "currentVersion": 1}]
    assert await OpportunityStageChange.all().count() == 0


async def test_stage_history_of_a_list_runs_a_constant_number_of_statements(gql, db):
    query = f"{{ opportunities(first: 50) {{ edges {{ node {{ id {HISTORY} }} }} }} }}"
    counts = []
    for size in (2, 10):
        await Opportunity.all().delete()
        for _ in range(size):
            payload = (await gql.data(CREATE, {"input": _input(await make_customer())}))[
                "createOpportunity"
            ]
            deal = payload["opportunity"]
            await gql.data(MOVE, {"id": deal["id"], "stage": "QUALIFICATION", "version": 1})
        with count_statements() as statements:
            data = await gql.data(query)
        edges = data["opportunities"]["edges"]
        assert len(edges) == size
        assert all(len(edge["node"]["stageHistory"]) == 2 for edge in edges)
        counts.append(len(statements))
    assert counts[0] == counts[1]


async def test_delete_removes_the_opportunity_and_its_history(gql, db):
    created = (await gql.data(CREATE, {"input": _input(await make_customer())}))[
        "createOpportunity"
    ]["opportunity"]
    payload = (await gql.data(DELETE, {"id": created["id"]}))["deleteOpportunity"]
    assert payload == {"opportunity": {"id": created["id"]}, "userErrors": []}
    assert await Opportunity.all().count() == 0
    assert await OpportunityStageChange.all().count() == 0


async def test_failure_in_the_last_step_rolls_everything_back(gql, db, monkeypatch):
    deal = await make_opportunity(await make_customer(), stage=OpportunityStage.PROPOSAL)

    async def fail_after_writing(*args, **kwargs):
        raise RuntimeError("audit storage unavailable")

    monkeypatch.setattr(audit, "record", fail_after_writing)
    body = await gql.execute(CREATE, {"input": _input(await make_customer())})
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    moved = await gql.execute(
        MOVE, {"id": gid(deal), "stage": "CLOSED_LOST", "version": 1, "lostReason": "x"}
    )
    assert moved["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert await Opportunity.all().count() == 1
    row = await Opportunity.get(pk=deal.pk)
    assert (row.stage, row.version, row.closed_at) == (OpportunityStage.PROPOSAL, 1, None)
    assert await OpportunityStageChange.all().count() == 0


@pytest.mark.parametrize(
    ("role", "own", "allowed"),
    [
        (Role.SALES, True, True),
        (Role.SALES, False, False),
        (Role.MANAGER, False, True),
        (Role.SUPPORT, True, False),
        (Role.ANALYST, True, False),
    ],
)
async def test_sales_may_change_only_their_own_opportunities(gql_as, db, role, own, allowed):
    client = await gql_as(role)
    owner = client.user if own else await make_user()
    deal = await make_opportunity(await make_customer(), owner=owner, name="Before")
    updated = (
        await client.data(UPDATE, {"id": gid(deal), "input": {"version": 1, "name": "After"}})
    )["updateOpportunity"]
    moved = (await client.data(MOVE, {"id": gid(deal), "stage": "NEGOTIATION", "version": 2}))[
        "moveOpportunityStage"
    ]
    row = await Opportunity.get(pk=deal.pk)
    if allowed:
        assert updated["userErrors"] == [] and moved["userErrors"] == []
        assert (row.name, row.stage, row.version) == ("After", OpportunityStage.NEGOTIATION, 3)
    else:
        assert updated["userErrors"][0]["code"] == "FORBIDDEN"
        assert moved["userErrors"][0]["code"] == "FORBIDDEN"
        assert (row.name, row.version) == ("Before", 1)


async def test_sales_cannot_create_an_opportunity_owned_by_someone_else(gql_as, db):
    client = await gql_as(Role.SALES)
    other = await make_user()
    payload = (
        await client.data(CREATE, {"input": _input(await make_customer(), owner=gid(other))})
    )["createOpportunity"]
    assert payload["userErrors"][0]["code"] == "FORBIDDEN"
    assert await Opportunity.all().count() == 0


async def test_two_concurrent_stage_moves_exactly_one_wins(gql, client_factory, db):
    deal = await make_opportunity(await make_customer(), stage=OpportunityStage.PROPOSAL)
    other = await client_factory(headers=gql.http.headers)

    async def move(client, stage: str) -> dict:
        body = await client.data(MOVE, {"id": gid(deal), "stage": stage, "version": 1})
        return body["moveOpportunityStage"]

    results = await asyncio.gather(move(gql, "NEGOTIATION"), move(other, "CLOSED_WON"))
    winners = [r for r in results if not r["userErrors"]]
    assert len(winners) == 1
    assert [r["userErrors"][0]["code"] for r in results if r["userErrors"]] == ["CONFLICT"]
    row = await Opportunity.get(pk=deal.pk)
    assert (row.version, row.stage.value) == (2, winners[0]["opportunity"]["stage"])
    assert await OpportunityStageChange.all().count() == 1


async def test_idempotency_key_creates_an_opportunity_once(gql, db):
    variables = {"input": _input(await make_customer())}
    first = await gql.execute(CREATE, variables, **{"Idempotency-Key": "deal-form-1"})
    again = await gql.execute(CREATE, variables, **{"Idempotency-Key": "deal-form-1"})
    assert first["data"] == again["data"]
    assert await Opportunity.all().count() == 1
    assert await OpportunityStageChange.all().count() == 1
