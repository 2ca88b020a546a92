"""Saved segments: validated with the customers list's own rules, evaluated in SQL with
the reader's field rules, stored filters that no longer validate reported, not fatal."""

from __future__ import annotations

from crm_graphql.api.roles import Role
from crm_graphql.domains.customers.models import LifecycleStage
from crm_graphql.domains.marketing.models import Segment
from tests.factories import gid, make_customer
from tests.helpers import count_statements

CREATE = """mutation($input: CreateSegmentInput!) {
  createSegment(input: $input) {
    segment { id name filter search count problems { path message } }
    userErrors { field code message }
  }
}"""
CUSTOMERS = """query($id: ID!, $first: Int, $after: String) { segment(id: $id) {
  count customers(first: $first, after: $after, orderBy: [{field: LAST_NAME}]) {
    totalCount pageInfo { hasNextPage endCursor } nodes { lastName } } } }"""
LIST_BY_SEGMENT = """query($s: ID!, $first: Int, $after: String) {
  customers(segment: $s, first: $first, after: $after, orderBy: [{field: LAST_NAME}]) {
    totalCount pageInfo { hasNextPage endCursor } nodes { lastName } } }"""
SEGMENTS = """{ segments { totalCount nodes { name count problems { message } } } }"""


async def _people() -> None:
    for name, stage in [
        ("Ames", LifecycleStage.LEAD),
        ("Berg", LifecycleStage.CUSTOMER),
        ("Cole", LifecycleStage.LEAD),
        ("Dahl", LifecycleStage.PROSPECT),
        ("Eyre", LifecycleStage.LEAD),
    ]:
        await make_customer(last_name=name, lifecycle_stage=stage)


async def _create(client, **input) -> dict:
    data = await client.data(CREATE, {"input": {"name": "Leads", **input}})
    return data["createSegment"]


async def test_segment_lists_its_customers_with_the_cursors_of_customers(gql_as, db):
    await _people()
    marketer = await gql_as(Role.MARKETING)
    created = await _create(marketer, filter={"lifecycleStage": {"eq": "LEAD"}})
    assert created["userErrors"] == []
    segment = created["segment"]
    assert segment["count"] == 3 and segment["problems"] == []
    assert segment["filter"] == {"lifecycleStage": {"eq": "LEAD"}}

    first = (await marketer.data(CUSTOMERS, {"id": segment["id"], "first": 2}))["segment"]
    assert first["count"] == 3
    assert [n["lastName"] for n in first["customers"]["nodes"]] == ["Ames", "Cole"]
    assert first["customers"]["totalCount"] == 3
    cursor = first["customers"]["pageInfo"]["endCursor"]
    rest = await marketer.data(CUSTOMERS, {"id": segment["id"], "first": 2, "after": cursor})
    assert [n["lastName"] for n in rest["segment"]["customers"]["nodes"]] == ["Eyre"]

    # The same page through customers(segment:): same order, same cursors.
    listed = await marketer.data(LIST_BY_SEGMENT, {"s": segment["id"], "first": 2})
    assert listed["customers"]["pageInfo"]["endCursor"] == cursor
    more = await marketer.data(LIST_BY_SEGMENT, {"s": segment["id"], "first": 2, "after": cursor})
    assert [n["lastName"] for n in more["customers"]["nodes"]] == ["Eyre"]


async def test_segment_with_search_and_nested_conditions(gql_as, db):
    await _people()
    client = await gql_as(Role.MANAGER)
    created = await _create(
        client,
        filter={"or": [{"lifecycleStage": {"eq": "PROSPECT"}}, {"lastName": {"startsWith": "b"}}]},
    )
    assert created["segment"]["count"] == 2
    searched = await _create(
        client,
        filter={"or": [{"lifecycleStage": {"eq": "PROSPECT"}}, {"lastName": {"startsWith": "b"}}]},
        search="dahl",
    )
    assert searched["segment"]["count"] == 1


async def test_invalid_filter_is_a_user_error_with_the_path_inside_the_filter(gql_as, db):
    client = await gql_as(Role.MARKETING)
    body = await client.data(
        CREATE,
        {
            "input": {
                "name": "Bad",
                "filter": {"and": [{"owner": {"eq": gid(await make_customer())}}]},
            }
        },
    )
    payload = body["createSegment"]
    assert payload["segment"] is None
    assert payload["userErrors"][0]["field"] == ["input", "filter", "and", "0", "owner", "eq"]
    assert payload["userErrors"][0]["code"] == "INVALID"
    assert await Segment.all().count() == 0


async def test_a_role_cannot_use_a_segment_on_a_field_it_may_not_read(gql_as, db):
    await _people()
    analyst = await gql_as(Role.ANALYST)
    payload = (
        await analyst.data(
            CREATE, {"input": {"name": "Mail", "filter": {"lastName": {"eq": "Ames"}}}}
        )
    )["createSegment"]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input"], "FORBIDDEN")]
    assert await Segment.all().count() == 0
    # Saved by a role that may filter on e-mail: the analyst still cannot through it.
    manager = await gql_as(Role.MANAGER)
    saved = await _create(manager, filter={"email": {"contains": "example"}})
    assert saved["segment"]["count"] == 5
    error = await analyst.error(CUSTOMERS, {"id": saved["segment"]["id"]})
    assert error["extensions"]["code"] == "FORBIDDEN"
    error = await analyst.error(LIST_BY_SEGMENT, {"s": saved["segment"]["id"]})
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["extensions"]["argument"] == "segment"
    # Its count is null for the analyst, with the same error.
    body = await analyst.execute(SEGMENTS)
    assert body["data"]["segments"]["nodes"][0]["count"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_stored_filter_that_no_longer_validates_is_reported_not_a_crash(gql_as, db):
    await _people()
    client = await gql_as(Role.MARKETING)
    good = await Segment.create(name="Good", customer_filter={"lifecycleStage": {"eq": "LEAD"}})
    # As if saved before the schema changed: a removed field and a removed enum value.
    stale = await Segment.create(
        name="Stale",
        customer_filter={"shoeSize": {"eq": 3}, "or": [{"lifecycleStage": {"eq": "VIP"}}]},
    )
    data = await client.execute(SEGMENTS)
    assert not data.get("errors")
    by_name = {n["name"]: n for n in data["data"]["segments"]["nodes"]}
    assert by_name["Good"]["count"] == 3 and by_name["Good"]["problems"] == []
    assert by_name["Stale"]["count"] is None and by_name["Stale"]["problems"]
    problems = (
        await client.data(
            "query($id: ID!) { segment(id: $id) { problems { path message } } }", {"id": gid(stale)}
        )
    )["segment"]["problems"]
    assert {tuple(p["path"]) for p in problems} == {(), ("or", "0", "lifecycleStage", "eq")}
    error = await client.error(CUSTOMERS, {"id": gid(stale)})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert good.pk


async def test_segment_counts_and_pages_take_constant_statements(gql_as, db):
    await _people()
    client = await gql_as(Role.MARKETING)
    for n in range(2):
        await Segment.create(name=f"S{n}", customer_filter={"lastName": {"startsWith": "a"}})
    with count_statements() as few:
        await client.data(SEGMENTS)
    for n in range(2, 8):
        await Segment.create(name=f"S{n}", customer_filter={"lifecycleStage": {"eq": "LEAD"}})
    with count_statements() as many:
        data = await client.data(SEGMENTS)
    assert data["segments"]["totalCount"] == 8
    assert len(many) == len(few) <= 3
    segment = data["segments"]["nodes"][0]
    assert segment["count"] == 1
    s0 = gid(await Segment.get(name="S0"))
    with count_statements() as page:
        await client.data(CUSTOMERS, {"id": s0, "first": 2})
    # The segment, its count, the page and the page's total.
    assert len(page) <= 4, "\n".join(s[:90] for s in page)
