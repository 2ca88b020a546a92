"""SALES records interactions with any customer it can read, but opens opportunities
only on the customers it owns; the refusal is a typed error and changes nothing."""

from __future__ import annotations

from crm_graphql.api.roles import Role
from crm_graphql.domains.interactions.models import Interaction
from crm_graphql.domains.sales.models import Opportunity
from tests.factories import gid, make_customer, make_user

OPPORTUNITY = """mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) {
  opportunity { id } userErrors { field code } } }"""
INTERACTION = """mutation($input: CreateInteractionInput!) { createInteraction(input: $input) {
  interaction { id } userErrors { field code } } }"""


def _deal(customer) -> dict:
    return {"customer": gid(customer), "name": "Deal", "amount": "10.00", "currency": "USD"}


def _call(customer) -> dict:
    return {"customer": gid(customer), "channel": "CALL", "direction": "OUTBOUND", "subject": "Hi"}


async def test_sales_cannot_open_an_opportunity_on_another_reps_customer(gql_as, db):
    sales = await gql_as(Role.SALES)
    colleague = await make_user(Role.SALES)
    theirs = await make_customer(owner=colleague)
    mine = await make_customer(owner=sales.user)
    refused = (await sales.data(OPPORTUNITY, {"input": _deal(theirs)}))["createOpportunity"]
    assert refused == {
        "opportunity": None,
        "userErrors": [{"field": ["input", "customer"], "code": "FORBIDDEN"}],
    }
    assert await Opportunity.filter(customer_id=theirs.pk).count() == 0
    unowned = await make_customer()
    refused = (await sales.data(OPPORTUNITY, {"input": _deal(unowned)}))["createOpportunity"]
    assert refused["userErrors"] == [{"field": ["input", "customer"], "code": "FORBIDDEN"}]
    accepted = (await sales.data(OPPORTUNITY, {"input": _deal(mine)}))["createOpportunity"]
    assert accepted["userErrors"] == [] and accepted["opportunity"]["id"]


async def test_sales_records_interactions_with_any_customer_it_can_read(gql_as, db):
    sales = await gql_as(Role.SALES)
    theirs = await make_customer(owner=await make_user(Role.SALES))
    payload = (await sales.data(INTERACTION, {"input": _call(theirs)}))["createInteraction"]
    assert payload["userErrors"] == []
    assert await Interaction.filter(customer_id=theirs.pk).count() == 1


async def test_no_interaction_with_a_deleted_customer_for_sales(gql_as, db):
    from datetime import UTC, datetime

    sales = await gql_as(Role.SALES)
    gone = await make_customer(owner=sales.user, deleted_at=datetime.now(UTC))
    payload = (await sales.data(INTERACTION, {"input": _call(gone)}))["createInteraction"]
    assert payload["interaction"] is None
    assert payload["userErrors"][0]["field"] == ["input", "customer"]
    assert await Interaction.filter(customer_id=gone.pk).count() == 0


async def test_managers_open_opportunities_on_any_customer(gql_as, db):
    manager = await gql_as(Role.MANAGER)
    theirs = await make_customer(owner=await make_user(Role.SALES))
    payload = (await manager.data(OPPORTUNITY, {"input": _deal(theirs)}))["createOpportunity"]
    assert payload["userErrors"] == []
