"""Change hooks see every change a mutation writes, in its transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from crm_graphql.api.mutations.changes import Changed, forget, on_change
from crm_graphql.domains.sales.models import Opportunity, OpportunityStage
from tests.factories import gid, make_customer, make_opportunity

CREATE = """mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) {
  opportunity { id } userErrors { code } } }"""
MOVE = """mutation($id: ID!, $version: Int!) {
  moveOpportunityStage(id: $id, stage: NEGOTIATION, version: $version) {
  opportunity { stage } userErrors { code } } }"""
DELETE = """mutation($id: ID!) { deleteOpportunity(id: $id) { userErrors { code } } }"""


@pytest.fixture
async def seen() -> AsyncIterator[list[Changed]]:
    events: list[Changed] = []

    async def hook(event: Changed) -> None:
        events.append(event)

    on_change(hook)
    try:
        yield events
    finally:
        forget(hook)


async def test_hooks_see_each_change_with_the_row_before_and_after(gql, db, seen):
    customer = await make_customer()
    created = await gql.data(
        CREATE,
        {"input": {"customer": gid(customer), "name": "D", "amount": "10", "currency": "EUR"}},
    )
    deal = await Opportunity.get(customer_id=customer.pk)
    await gql.data(MOVE, {"id": gid(deal), "version": deal.version})
    await gql.data(DELETE, {"id": created["createOpportunity"]["opportunity"]["id"]})

    assert [(e.entity.name, e.verb) for e in seen] == [
        ("Opportunity", "create"),
        ("Opportunity", "move_stage"),
        ("Opportunity", "delete"),
    ]
    create, move, delete = seen
    assert create.before is None and create.after.pk == deal.pk
    assert move.before.stage == OpportunityStage.PROSPECTING
    assert move.after.stage == OpportunityStage.NEGOTIATION
    assert move.changes["from"] == "PROSPECTING"
    assert delete.before.pk == deal.pk and delete.after is None
    assert create.actor_id == gql.user.pk


async def test_a_failing_hook_rolls_the_change_back(gql, db):
    deal = await make_opportunity(await make_customer(), stage=OpportunityStage.PROPOSAL)

    async def refuse(event: Changed) -> None:
        raise RuntimeError("the outbox is unavailable")

    on_change(refuse)
    try:
        body = await gql.execute(MOVE, {"id": gid(deal), "version": deal.version})
    finally:
        forget(refuse)
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    row = await Opportunity.get(pk=deal.pk)
    assert (row.stage, row.version) == (OpportunityStage.PROPOSAL, deal.version)
