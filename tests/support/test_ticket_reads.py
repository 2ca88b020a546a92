"""Who reads which tickets: SALES only its own customers' (and no internal notes),
MARKETING and ANALYST no ticket at all (counts only); statements do not grow with rows."""

from __future__ import annotations

import pytest

from crm_graphql.api.roles import Role
from crm_graphql.domains.support.models import TicketStatus
from tests.factories import gid, make_customer, make_ticket, make_user
from tests.helpers import count_statements

LIST = """{ tickets { totalCount nodes { number description
  comments { totalCount nodes { body kind } } } } }"""
ONE = """query($id: ID!) { ticket(id: $id) { number } node(id: $id) { id } }"""
CUSTOMER = """query($id: ID!) { customer(id: $id) { tickets { totalCount nodes { number } } } }"""


async def _comment(ticket, public: bool, body: str):
    from crm_graphql.domains.support.models import TicketComment

    return await TicketComment.create(ticket=ticket, body=body, public=public)


async def _world(seller):
    mine = await make_customer(owner=seller)
    other = await make_customer(owner=await make_user(Role.SALES))
    own_ticket = await make_ticket(mine, subject="Mine")
    foreign = await make_ticket(other, subject="Not mine")
    await _comment(own_ticket, True, "Reply")
    await _comment(own_ticket, False, "Internal")
    return mine, other, own_ticket, foreign


async def test_sales_reads_the_tickets_of_its_own_customers_only(gql_as, db):
    seller = await gql_as(Role.SALES)
    mine, other, own_ticket, foreign = await _world(seller.user)
    data = await seller.data(LIST)
    assert data["tickets"]["totalCount"] == 1
    (node,) = data["tickets"]["nodes"]
    assert node["number"] == own_ticket.number and node["description"]
    # Public replies only: internal notes are for support and management.
    assert node["comments"]["totalCount"] == 1
    assert [c["kind"] for c in node["comments"]["nodes"]] == ["PUBLIC_REPLY"]
    assert (await seller.data(ONE, {"id": gid(own_ticket)}))["ticket"]["number"]
    assert await seller.data(ONE, {"id": gid(foreign)}) == {"ticket": None, "node": None}
    assert (await seller.data(CUSTOMER, {"id": gid(mine)}))["customer"]["tickets"][
        "totalCount"
    ] == 1
    assert (await seller.data(CUSTOMER, {"id": gid(other)}))["customer"]["tickets"] == {
        "totalCount": 0,
        "nodes": [],
    }


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.MANAGER, Role.ADMIN])
async def test_support_and_management_read_every_ticket_and_note(gql_as, db, role):
    client = await gql_as(role)
    *_, foreign = await _world(await make_user(Role.SALES))
    data = await client.data(LIST)
    assert data["tickets"]["totalCount"] == 2
    kinds = {c["kind"] for node in data["tickets"]["nodes"] for c in node["comments"]["nodes"]}
    assert kinds == {"PUBLIC_REPLY", "INTERNAL_NOTE"}
    assert (await client.data(ONE, {"id": gid(foreign)}))["node"] == {"id": gid(foreign)}


@pytest.mark.parametrize("role", [Role.MARKETING, Role.ANALYST])
async def test_marketing_and_analysts_read_no_ticket_but_count_them(gql_as, db, role):
    client = await gql_as(role)
    customer, _, own_ticket, _ = await _world(await make_user(Role.SALES))
    body = await client.execute(LIST)
    assert body["data"]["tickets"] is None
    assert [e["extensions"] for e in body["errors"]] == [
        {"code": "FORBIDDEN", "field": "Query.tickets"}
    ]
    body = await client.execute(ONE, {"id": gid(own_ticket)})
    assert body["data"] == {"ticket": None, "node": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    body = await client.execute(CUSTOMER, {"id": gid(customer)})
    assert body["data"]["customer"] == {"tickets": None}
    assert body["errors"][0]["extensions"] == {"code": "FORBIDDEN", "field": "Customer.tickets"}
    counts = await client.data(
        "{ ticketsAggregate(groupBy: [{field: STATUS}]) { groups { key { status } count } } }"
    )
    assert counts["ticketsAggregate"]["groups"] == [{"key": {"status": "NEW"}, "count": 2}]
    refused = await client.error(
        '{ ticketsAggregate(filter: {subject: {contains: "Mine"}}) { groups { count } } }'
    )
    assert refused["extensions"]["code"] == "FORBIDDEN"


async def test_tickets_filter_on_status_priority_assignee_and_sla_breach(gql, db):
    from datetime import UTC, datetime, timedelta

    agent = await make_user(Role.SUPPORT)
    customer = await make_customer()
    late = await make_ticket(
        customer,
        assignee=agent,
        status=TicketStatus.OPEN,
        first_response_due_at=datetime.now(UTC) - timedelta(minutes=5),
    )
    await make_ticket(
        customer,
        status=TicketStatus.PENDING,
        first_response_due_at=datetime.now(UTC) + timedelta(hours=1),
    )
    query = """query($filter: TicketFilter) { tickets(filter: $filter) { nodes { number } } }"""

    async def numbers(condition: dict) -> list[str]:
        data = await gql.data(query, {"filter": condition})
        return [node["number"] for node in data["tickets"]["nodes"]]

    assert await numbers({"sla": {"breached": True}}) == [late.number]
    assert await numbers({"sla": {"firstResponseBreached": True}}) == [late.number]
    assert len(await numbers({"sla": {"breached": False}})) == 1
    assert await numbers({"assignee": {"eq": gid(agent)}}) == [late.number]
    assert await numbers({"status": {"in": ["OPEN"]}, "priority": {"eq": "NORMAL"}}) == [
        late.number
    ]
    assert await numbers({"customer": {"eq": gid(customer)}, "assignee": {"isNull": True}}) != []


async def test_a_page_of_tickets_costs_the_same_statements_for_3_or_30_tickets(gql, db):
    from crm_graphql.domains.support.models import SatisfactionSurvey

    query = """{ tickets(first: 50) { nodes { number customer { lastName } assignee { name }
      slaPolicy { name } sla { firstResponseDueAt resolutionBreached remainingBusinessMinutes }
      satisfaction { score comment }
      comments(first: 5) { totalCount nodes { body kind author { name } } } } } }"""
    from tests.factories import make_calendar, make_sla_policy

    policy = await make_sla_policy(await make_calendar())
    agent = await make_user(Role.SUPPORT)

    async def add(count: int) -> None:
        for n in range(count):
            ticket = await make_ticket(
                await make_customer(), assignee=agent, sla_policy=policy, status=TicketStatus.SOLVED
            )
            await _comment(ticket, n % 2 == 0, "Text")
            await SatisfactionSurvey.create(
                ticket=ticket, token_hash=f"{ticket.pk:064d}", expires_at=ticket.created_at,
                answered_at=ticket.created_at, score=4,
            )  # fmt: skip

    await add(3)
    with count_statements() as few:
        small = await gql.data(query)
    await add(27)
    with count_statements() as many:
        large = await gql.data(query)
    assert len(small["tickets"]["nodes"]) == 3 and len(large["tickets"]["nodes"]) == 30
    assert len(few) == len(many), (few, many)
