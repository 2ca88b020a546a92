"""Interaction mutations: validation, authorship rules, rollback, hard delete."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crm_graphql.api import audit
from crm_graphql.api.roles import Role
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.interactions.models import Interaction
from tests.factories import gid, make_customer, make_interaction, make_opportunity, make_user

FIELDS = "id subject body channel direction durationSeconds outcome occurredAt version"
CREATE = f"""mutation($input: CreateInteractionInput!) {{ createInteraction(input: $input) {{
  interaction {{ {FIELDS} author {{ name }} customer {{ id }} opportunity {{ id }} }}
  userErrors {{ field message code }} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: UpdateInteractionInput!) {{
  updateInteraction(id: $id, input: $input) {{
  interaction {{ {FIELDS} }} userErrors {{ field code currentVersion }} }} }}"""
DELETE = """mutation($id: ID!) { deleteInteraction(id: $id) {
  interaction { id subject } userErrors { field code } } }"""


def _input(customer, **fields) -> dict:
    return {
        "customer": gid(customer),
        "channel": "CALL",
        "direction": "INBOUND",
        "subject": "Renewal call",
        **fields,
    }


async def test_create_stores_text_as_given_defaults_author_and_audits(gql, db):
    customer = await make_customer()
    deal = await make_opportunity(customer)
    body = "<b>Hello</b> & <script>x</script>\n" + "a" * 99_000
    payload = (
        await gql.data(
            CREATE,
            {
                "input": _input(
                    customer,
                    body=body,
                    durationSeconds=0,
                    outcome="Renewed",
                    opportunity=gid(deal),
                    occurredAt="2026-03-01T10:00:00Z",
                )
            },
        )
    )["createInteraction"]
    assert payload["userErrors"] == []
    created = payload["interaction"]
    assert created["body"] == body
    assert created["author"] == {"name": gql.user.name}
    assert created["customer"]["id"] == gid(customer)
    assert created["opportunity"]["id"] == gid(deal)
    assert created["version"] == 1
    row = await Interaction.get()
    assert row.body == body
    assert row.occurred_at == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    event = await AuditEvent.get(action="interaction.create")
    assert event.changes["body"] == "[redacted]"


async def test_every_problem_is_reported_at_once_and_nothing_is_written(gql, db):
    customer = await make_customer()
    other_deal = await make_opportunity(await make_customer())
    payload = (
        await gql.data(
            CREATE,
            {
                "input": _input(
                    customer,
                    subject=" ",
                    body="x" * 100_001,
                    durationSeconds=-1,
                    outcome="o" * 121,
                    opportunity=gid(other_deal),
                )
            },
        )
    )["createInteraction"]
    assert payload["interaction"] is None
    problems = {tuple(e["field"]): e["code"] for e in payload["userErrors"]}
    assert problems == {
        ("input", "subject"): "REQUIRED",
        ("input", "body"): "TOO_LONG",
        ("input", "durationSeconds"): "OUT_OF_RANGE",
        ("input", "outcome"): "TOO_LONG",
        ("input", "opportunity"): "INVALID",
    }
    assert await Interaction.all().count() == 0


async def test_subject_longer_than_its_column_is_too_long(gql, db):
    customer = await make_customer()
    payload = (await gql.data(CREATE, {"input": _input(customer, subject="s" * 256)}))[
        "createInteraction"
    ]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "subject"], "TOO_LONG")
    ]


async def test_deleted_or_unknown_customer_is_not_found_and_wrong_id_type_is_invalid(gql, db):
    deleted = await make_customer(deleted_at=datetime.now(UTC))
    payload = (await gql.data(CREATE, {"input": _input(deleted)}))["createInteraction"]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "customer"], "NOT_FOUND")
    ]
    wrong = (await gql.data(CREATE, {"input": {**_input(deleted), "customer": gid(gql.user)}}))[
        "createInteraction"
    ]
    assert [(e["field"], e["code"]) for e in wrong["userErrors"]] == [
        (["input", "customer"], "INVALID_ID")
    ]
    missing = (await gql.data(UPDATE, {"id": gid(gql.user), "input": {"version": 1}}))[
        "updateInteraction"
    ]
    assert missing["userErrors"][0]["code"] == "INVALID_ID"


async def test_update_changes_only_given_fields_and_checks_the_version(gql, db):
    interaction = await make_interaction(await make_customer(), author=gql.user, outcome="Kept")
    payload = (
        await gql.data(
            UPDATE, {"id": gid(interaction), "input": {"version": 1, "subject": "Corrected"}}
        )
    )["updateInteraction"]
    assert payload["userErrors"] == []
    assert payload["interaction"]["subject"] == "Corrected"
    assert payload["interaction"]["outcome"] == "Kept"
    assert payload["interaction"]["version"] == 2
    stale = (
        await gql.data(UPDATE, {"id": gid(interaction), "input": {"version": 1, "subject": "X"}})
    )["updateInteraction"]
    assert stale["userErrors"] == [{"field": ["version"], "code": "CONFLICT", "currentVersion": 2}]
    assert (await Interaction.get(pk=interaction.pk)).subject == "Corrected"


async def test_update_refuses_an_opportunity_of_another_customer(gql, db):
    interaction = await make_interaction(await make_customer())
    foreign = await make_opportunity(await make_customer())
    payload = (
        await gql.data(
            UPDATE,
            {"id": gid(interaction), "input": {"version": 1, "opportunity": gid(foreign)}},
        )
    )["updateInteraction"]
    assert payload["userErrors"] == [
        {"field": ["input", "opportunity"], "code": "INVALID", "currentVersion": None}
    ]


async def test_delete_removes_the_row_for_good(gql, db):
    interaction = await make_interaction(await make_customer())
    payload = (await gql.data(DELETE, {"id": gid(interaction)}))["deleteInteraction"]
    assert payload["userErrors"] == []
    assert payload["interaction"]["id"] == gid(interaction)
    assert await Interaction.filter(pk=interaction.pk).count() == 0
    again = (await gql.data(DELETE, {"id": gid(interaction)}))["deleteInteraction"]
    assert again == {"interaction": None, "userErrors": [{"field": ["id"], "code": "NOT_FOUND"}]}


async def test_failure_in_the_last_step_rolls_everything_back(gql, db, monkeypatch):
    async def fail_after_writing(*args, **kwargs):
        raise RuntimeError("audit storage unavailable")

    monkeypatch.setattr(audit, "record", fail_after_writing)
    body = await gql.execute(CREATE, {"input": _input(await make_customer())})
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert await Interaction.all().count() == 0


@pytest.mark.parametrize(
    ("role", "own", "allowed"),
    [
        (Role.SUPPORT, True, True),
        (Role.SUPPORT, False, False),
        (Role.SALES, True, True),
        (Role.SALES, False, False),
        (Role.MANAGER, False, True),
        (Role.MARKETING, True, False),
        (Role.ANALYST, True, False),
    ],
)
async def test_only_authors_may_change_their_interactions_unless_manager(
    gql_as, db, role, own, allowed
):
    client = await gql_as(role)
    author = client.user if own else await make_user()
    interaction = await make_interaction(await make_customer(), author=author, subject="Before")
    payload = (
        await client.data(
            UPDATE, {"id": gid(interaction), "input": {"version": 1, "subject": "After"}}
        )
    )["updateInteraction"]
    deleted = (await client.data(DELETE, {"id": gid(interaction)}))["deleteInteraction"]
    if allowed:
        assert payload["userErrors"] == []
        assert deleted["userErrors"] == []
        assert await Interaction.filter(pk=interaction.pk).count() == 0
    else:
        assert payload["userErrors"][0]["code"] == "FORBIDDEN"
        assert deleted["userErrors"][0]["code"] == "FORBIDDEN"
        row = await Interaction.get(pk=interaction.pk)
        assert (row.version, row.subject) == (1, "Before")


async def test_support_cannot_record_an_interaction_in_someone_elses_name(gql_as, db):
    client = await gql_as(Role.SUPPORT)
    other = await make_user()
    customer = await make_customer()
    refused = (await client.data(CREATE, {"input": _input(customer, author=gid(other))}))[
        "createInteraction"
    ]
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"
    own = (await client.data(CREATE, {"input": _input(customer)}))["createInteraction"]
    assert own["userErrors"] == []
    assert own["interaction"]["author"] == {"name": client.user.name}
