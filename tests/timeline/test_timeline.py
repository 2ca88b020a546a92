"""Customer.timeline: every kind of record as one feed, newest first, merged in SQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from crm_graphql.api.roles import Role
from crm_graphql.domains.orders.models import Order, OrderStatus
from crm_graphql.domains.support.models import TicketComment
from crm_graphql.domains.timeline.enums import TimelineKind
from tests.factories import BASE_TIME, gid, make_customer, make_interaction, make_order
from tests.helpers import GraphQLClient, count_statements
from tests.privacy.people import make_person

ENTRY = """
  __typename
  ... on InteractionEntry { interaction { id subject body } }
  ... on OrderEntry { order { id number } }
  ... on OrderStatusChangeEntry { order { id } fromStatus toStatus changedBy { name } }
  ... on OpportunityStageChangeEntry { opportunity { id name } change { stage } }
  ... on TicketEntry { ticket { id subject } }
  ... on TicketCommentEntry { comment { id body } ticket { id } }
  ... on TaskEntry { task { id title } }
  ... on CampaignResponseEntry { member { id status } }
  ... on InvoiceEntry { invoice { id number } }
  ... on PaymentEntry { payment { id method } }
"""
TIMELINE = f"""query($id: ID!, $first: Int, $after: String, $types: [TimelineKind!]) {{
  node(id: $id) {{ ... on Customer {{ timeline(first: $first, after: $after, types: $types) {{
    edges {{ cursor at kind node {{ {ENTRY} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }} }} }} }}"""
CHANGE_STATUS = """mutation($id: ID!, $status: OrderStatus!, $version: Int!) {
  changeOrderStatus(id: $id, status: $status, version: $version) { userErrors { code } } }"""

ALL_ENTRY_TYPES = {
    "InteractionEntry",
    "OrderEntry",
    "OrderStatusChangeEntry",
    "OpportunityStageChangeEntry",
    "TicketEntry",
    "TicketCommentEntry",
    "TaskEntry",
    "CampaignResponseEntry",
    "InvoiceEntry",
    "PaymentEntry",
}


async def _page(client: GraphQLClient, customer: Any, **arguments: Any) -> dict[str, Any]:
    data = await client.data(TIMELINE, {"id": gid(customer), **arguments})
    return data["node"]["timeline"]


def _key(edge: dict[str, Any]) -> tuple[str, str]:
    node = edge["node"]
    record = next(value for key, value in node.items() if isinstance(value, dict) and "id" in value)
    return node["__typename"], record["id"]


async def test_timeline_merges_every_kind_newest_first(gql):
    person = await make_person(2)
    order = person.rows["orders"][0]
    await gql.data(CHANGE_STATUS, {"id": gid(order), "status": "SHIPPED", "version": order.version})
    page = await _page(gql, person.customer, first=100)
    nodes = [edge["node"] for edge in page["edges"]]
    assert {node["__typename"] for node in nodes} == ALL_ENTRY_TYPES
    assert {edge["kind"] for edge in page["edges"]} == {kind.value for kind in TimelineKind}
    times = [edge["at"] for edge in page["edges"]]
    assert times == sorted(times, reverse=True)
    change = next(n for n in nodes if n["__typename"] == "OrderStatusChangeEntry")
    assert change["order"]["id"] == gid(order)
    assert (change["fromStatus"], change["toStatus"]) == ("PAID", "SHIPPED")
    assert change["changedBy"]["name"] == gql.user.name
    assert page["pageInfo"]["hasNextPage"] is False
    assert len(nodes) == 2 * 9 + 1


async def test_types_limit_the_feed_to_those_kinds(gql):
    person = await make_person(2)
    page = await _page(gql, person.customer, first=100, types=["INVOICE", "PAYMENT"])
    assert sorted(edge["node"]["__typename"] for edge in page["edges"]) == [
        "InvoiceEntry",
        "InvoiceEntry",
        "PaymentEntry",
        "PaymentEntry",
    ]


async def test_cursors_page_through_ties_without_gaps_or_repeats(gql):
    customer = await make_customer()
    for i in range(7):
        # Pairs of entries at the same time: the kind and id order them.
        at = BASE_TIME + timedelta(hours=i // 2)
        await make_interaction(customer, occurred_at=at)
        await make_order(customer, placed_at=at)
    whole = [_key(edge) for edge in (await _page(gql, customer, first=100))["edges"]]
    assert len(whole) == 14
    paged: list[tuple[str, str]] = []
    after = None
    while True:
        page = await _page(gql, customer, first=3, after=after)
        paged += [_key(edge) for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert paged == whole


async def test_a_page_reads_the_same_number_of_statements_for_2_or_20_entries(gql):
    customer = await make_customer()
    for i in range(15):
        await make_interaction(customer, occurred_at=BASE_TIME + timedelta(hours=i))
        await make_order(customer, placed_at=BASE_TIME + timedelta(hours=i, minutes=30))
    counts = {}
    for size in (2, 20):
        with count_statements() as statements:
            page = await _page(gql, customer, first=size)
        assert len(page["edges"]) == size
        counts[size] = len(statements)
    assert counts[2] == counts[20], counts


async def test_every_kind_is_read_in_a_constant_number_of_statements(gql):
    small = await make_person(1)
    large = await make_person(4)
    counts = []
    for person in (small, large):
        with count_statements() as statements:
            page = await _page(gql, person.customer, first=100)
        assert {edge["node"]["__typename"] for edge in page["edges"]} == ALL_ENTRY_TYPES - {
            "OrderStatusChangeEntry"
        }
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


async def test_support_sees_no_billing_entries_and_no_money(gql_as):
    person = await make_person(1)
    support = await gql_as(Role.SUPPORT)
    page = await _page(support, person.customer, first=100)
    kinds = {edge["node"]["__typename"] for edge in page["edges"]}
    assert "InvoiceEntry" not in kinds and "PaymentEntry" not in kinds
    assert "TicketEntry" in kinds and "InteractionEntry" in kinds
    body = await support.execute(
        """query($id: ID!) { node(id: $id) { ... on Customer { timeline(first: 100) {
          nodes { ... on OrderEntry { order { number total } } } } } } }""",
        {"id": gid(person.customer)},
    )
    assert {error["extensions"]["code"] for error in body["errors"]} == {"FORBIDDEN"}
    assert all(error["path"][-1] == "total" for error in body["errors"])
    error = await support.error(TIMELINE, {"id": gid(person.customer), "types": ["INVOICE"]})
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_sales_reads_the_tickets_only_of_customers_it_owns(gql_as):
    sales = await gql_as(Role.SALES)
    person = await make_person(1)
    page = await _page(sales, person.customer, first=100)
    kinds = {edge["node"]["__typename"] for edge in page["edges"]}
    assert "TicketEntry" not in kinds and "TicketCommentEntry" not in kinds
    assert "InteractionEntry" in kinds
    await person.customer.__class__.filter(pk=person.customer.pk).update(owner_id=sales.user.pk)
    ticket = person.rows["tickets"][0]
    await TicketComment.create(ticket=ticket, body="internal only", public=False)
    page = await _page(sales, person.customer, first=100)
    comments = [
        edge["node"]["comment"]["body"]
        for edge in page["edges"]
        if edge["node"]["__typename"] == "TicketCommentEntry"
    ]
    assert len(comments) == 1 and "internal only" not in comments


async def test_bad_cursors_and_page_sizes_are_typed_errors(gql):
    customer = await make_customer()
    for after in ("not-a-cursor", "Y3VzdG9tZXI6MQ", gid(customer)):
        error = await gql.error(TIMELINE, {"id": gid(customer), "after": after})
        assert error["extensions"]["code"] == "INVALID_CURSOR", after
    error = await gql.error(TIMELINE, {"id": gid(customer), "first": 1000})
    assert error["extensions"]["code"] == "PAGINATION_LIMIT"
    error = await gql.error(TIMELINE, {"id": gid(customer), "first": -1})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    body = await gql.execute(TIMELINE, {"id": gid(customer), "types": ["NOPE"]})
    assert body["errors"][0]["extensions"]["code"] in {
        "BAD_USER_INPUT",
        "GRAPHQL_VALIDATION_FAILED",
    }


async def test_orders_moved_by_status_show_when_the_status_changed(gql):
    customer = await make_customer()
    order = await make_order(customer, status=OrderStatus.PLACED)
    await gql.data(CHANGE_STATUS, {"id": gid(order), "status": "PAID", "version": order.version})
    saved = await Order.get(pk=order.pk)
    await gql.data(CHANGE_STATUS, {"id": gid(order), "status": "SHIPPED", "version": saved.version})
    page = await _page(gql, customer, first=10, types=["ORDER_STATUS_CHANGE"])
    assert [(e["node"]["fromStatus"], e["node"]["toStatus"]) for e in page["edges"]] == [
        ("PAID", "SHIPPED"),
        ("PLACED", "PAID"),
    ]


async def test_marketing_reads_no_tickets_and_no_interaction_bodies(gql_as):
    person = await make_person(1)
    marketing = await gql_as(Role.MARKETING)
    body = await marketing.execute(
        """query($id: ID!) { node(id: $id) { ... on Customer { timeline(first: 100) {
          edges { kind node { ... on InteractionEntry { interaction { subject body } } } }
        } } } }""",
        {"id": gid(person.customer)},
    )
    kinds = {edge["kind"] for edge in body["data"]["node"]["timeline"]["edges"]}
    assert kinds.isdisjoint({"TICKET", "TICKET_COMMENT", "INVOICE", "PAYMENT"})
    assert "CAMPAIGN_RESPONSE" in kinds and "INTERACTION" in kinds
    assert body["errors"] and all(e["path"][-1] == "body" for e in body["errors"])
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
