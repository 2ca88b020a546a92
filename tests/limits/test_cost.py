"""The cost of an operation: worst-case node counts checked against hand-computed
numbers, and the nodes actually returned, in ``extensions.cost`` of every response."""

from __future__ import annotations

import pytest

from crm_graphql.api.auth import Principal
from crm_graphql.api.context import Context
from crm_graphql.api.roles import Role
from crm_graphql.schema import build_schema
from tests.customers.test_customer_360 import HEADLINE
from tests.factories import make_customer, make_interaction


@pytest.mark.parametrize(
    ("query", "variables", "expected"),
    [
        # 50 customers, 10 interactions / 10 orders / 5 opportunities each, and order
        # items (a list without first:) counted 10 per order: 50 + 500 + 500 + 5000 + 250.
        (HEADLINE, {"first": 50}, 6300),
        (HEADLINE, {"first": 5}, 5 + 50 + 50 + 500 + 25),
        # The example of the documentation: 50 + 50*10 + 50*10*10.
        (
            "{ customers(first: 50) { nodes { orders(first: 10) { nodes { items { id } } } } } }",
            None,
            5550,
        ),
        # No first/last: the default page size (20); edges and nodes each return the page.
        ("{ customers { totalCount edges { node { id } } nodes { id } } }", None, 40),
        # A variable's default applies when the variable is not sent.
        ("query($n: Int = 7) { customers(first: $n) { nodes { id } } }", None, 7),
        ("query($n: Int = 7) { customers(first: $n) { nodes { id } } }", {"n": 3}, 3),
        # A null page size is the default page size.
        ("query($n: Int) { customers(first: $n) { nodes { id } } }", {"n": None}, 20),
        # Fragments count where they are spread: 4 customers, 3 interactions each.
        (
            """{ customers(first: 4) { nodes { ...Recent } } }
               fragment Recent on Customer { interactions(first: 3) { nodes { id } } }""",
            None,
            4 + 12,
        ),
        # Only scalars and single objects: the minimum cost, 1.
        ("{ me { name } }", None, 1),
    ],
)
async def test_requested_cost_matches_the_hand_computed_worst_case(
    limited, db, query, variables, expected
):
    client = await limited()
    body = await client.execute(query, variables)
    assert not body.get("errors"), body["errors"]
    assert body["extensions"]["cost"]["requestedQueryCost"] == expected
    assert body["extensions"]["cost"]["maximumQueryCost"] == 50_000


async def test_a_mutation_costs_ten_per_root_field_plus_its_lists(limited, db):
    client = await limited()
    body = await client.execute(
        """mutation { createCompany(input: {name: "Acme"}) {
             company { id } userErrors { field message } } }"""
    )
    assert not body.get("errors"), body["errors"]
    # 10 for the write, and userErrors, a list of objects, counted as 10.
    assert body["extensions"]["cost"]["requestedQueryCost"] == 20


async def test_actual_cost_counts_the_nodes_returned(limited, db):
    for _ in range(3):
        customer = await make_customer()
        await make_interaction(customer)
        await make_interaction(customer)
    client = await limited()
    body = await client.execute(
        "{ customers(first: 10) { nodes { interactions(first: 5) { nodes { id } } } } }"
    )
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 10 + 50
    assert cost["actualQueryCost"] == 3 + 6


async def test_actual_cost_counts_objects_in_lists_of_json_aliases_and_fragments(limited, db):
    # Objects in lists count wherever they are: in edges, under aliases and fragments,
    # and inside a JSON value (two contacts in each customer's custom fields).
    for _ in range(2):
        customer = await make_customer(custom_fields={"contacts": [{"n": 1}, {"n": 2}]})
        await make_interaction(customer)
        await make_interaction(customer)
    client = await limited()
    body = await client.execute(
        """{ customers(first: 10) {
             edges { cursor node { id } } nodes { __typename ...More extra: customFields } } }
           fragment More on Customer { customFields
             interactions(first: 5) { nodes { id } } again: interactions(first: 5) {
               nodes { subject author { name } } } }"""
    )
    assert not body.get("errors"), body["errors"]
    # 2 edges + 2 nodes + 2 x 2 JSON lists of 2 + 2 x 2 pages of 2 interactions.
    assert body["extensions"]["cost"]["actualQueryCost"] == 2 + 2 + 8 + 8


async def test_throttle_status_is_reported_with_the_cost(limited, db):
    client = await limited(rate_limit_cost_per_minute=1000)
    first = (await client.execute("{ customers(first: 30) { nodes { id } } }"))["extensions"]
    second = (await client.execute("{ customers(first: 30) { nodes { id } } }"))["extensions"]
    assert first["cost"]["throttleStatus"]["maximumAvailable"] == 1000
    remaining = first["cost"]["throttleStatus"]["currentlyAvailable"]
    assert second["cost"]["throttleStatus"]["currentlyAvailable"] in (remaining - 30, 970)
    assert 1 <= second["cost"]["throttleStatus"]["resetInSeconds"] <= 60


async def test_callers_without_credentials_see_no_costs(limited, db):
    client = await limited(signed_in=False)
    body = await client.execute("{ __schema { queryType { name } } }")
    assert "extensions" not in body
    refused = await client.execute("{ customers { totalCount } }")
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "extensions" not in refused


async def test_cost_is_on_the_request_context_for_metrics_and_logs(limited, db):
    schema = build_schema(db.settings)
    context = Context(settings=db.settings, principal=Principal(role=Role.ADMIN, name="Job"))
    result = await schema.execute("{ customers(first: 7) { nodes { id } } }", context_value=context)
    assert not result.errors
    assert (context.cost.requested, context.cost.actual) == (7, 0)
