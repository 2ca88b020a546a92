"""Issue 12, finding 2: every list of a page selected under its own name (``nodes``,
``edges`` and their aliases) is charged, so the cost limit holds against aliases and
``extensions.cost`` matches the records returned."""

from __future__ import annotations

from tests.factories import make_customer, make_interaction
from tests.limits.conftest import LimitedFactory

#: The attack: thirty aliases of one nested page's nodes. Charged 10,100 before the fix
#: (and 51,691 objects came back); now 100 + 30 * 100 * 100.
ALIASED_NODES = (
    "{ customers(first: 100) { nodes { interactions(first: 100) { "
    + " ".join(f"n{i}: nodes {{ id subject body }}" for i in range(30))
    + " } } } }"
)


async def test_aliases_of_a_page_nodes_are_each_charged(limited: LimitedFactory) -> None:
    client = await limited()
    error = await client.error(ALIASED_NODES)
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] == 100 + 30 * 100 * 100


async def test_reported_cost_matches_the_records_returned_with_aliases(
    limited: LimitedFactory,
) -> None:
    for _ in range(3):
        customer = await make_customer()
        for _ in range(2):
            await make_interaction(customer)
    client = await limited()
    body = await client.execute(
        "{ customers(first: 3) { nodes { interactions(first: 2) {"
        " a: nodes { id } b: nodes { subject } edges { node { id } } } } } }"
    )
    assert not body.get("errors"), body
    customers = body["data"]["customers"]["nodes"]
    returned = len(customers) + sum(
        len(c["interactions"]["a"]) + len(c["interactions"]["b"]) + len(c["interactions"]["edges"])
        for c in customers
    )
    assert returned == 3 + 3 * 2 * 3
    cost = body["extensions"]["cost"]
    assert cost["actualQueryCost"] == returned
    assert cost["requestedQueryCost"] == returned
