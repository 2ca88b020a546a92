"""Issue 12, finding 9: extreme inputs that used to reach the database and end as
masked internal errors are each refused with ``BAD_USER_INPUT`` naming the limit."""

from __future__ import annotations

import base64

import pytest

from tests.factories import gid, make_customer
from tests.limits.conftest import LimitedFactory

REVENUE = "query($from: Date!, $to: Date!) { revenue(from: $from, to: $to) { orderCount } }"
CUSTOMERS = (
    "query($filter: CustomerFilter, $search: String) {"
    " customers(filter: $filter, search: $search) { totalCount } }"
)


@pytest.mark.parametrize(
    "first, last, argument",
    [
        ("0001-01-01", "0001-12-31", "from"),
        ("0001-01-01", "2026-01-31", "from"),
        ("2026-01-01", "9999-12-31", "to"),
    ],
)
async def test_revenue_dates_near_year_1_or_9999_are_bad_input(
    limited: LimitedFactory, first: str, last: str, argument: str
) -> None:
    client = await limited()
    error = await client.error(REVENUE, {"from": first, "to": last})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == argument
    assert "1000-01-01" in error["message"] and "9998-12-31" in error["message"]


async def test_filter_dates_near_year_1_are_bad_input(limited: LimitedFactory) -> None:
    client = await limited()
    error = await client.error(
        CUSTOMERS, {"filter": {"createdAt": {"gte": "0001-01-01T00:00:00+00:00"}}}
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["minimum"] == "1000-01-01"


async def test_or_with_thousands_of_branches_is_bad_input(limited: LimitedFactory) -> None:
    client = await limited()
    branches = [{"email": {"eq": f"person{i}@example.com"}} for i in range(5000)]
    error = await client.error(CUSTOMERS, {"filter": {"or": branches}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["maximum"] == 200
    assert "200 conditions" in error["message"]


@pytest.mark.parametrize("depth", [20, 200])
async def test_deeply_nested_not_is_refused_with_a_typed_error(
    limited: LimitedFactory, depth: int
) -> None:
    client = await limited()
    nested: dict = {"email": {"eq": "a@example.com"}}
    for _ in range(depth):
        nested = {"not": nested}
    error = await client.error(CUSTOMERS, {"filter": nested})
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["maximum"] == 10, error


async def test_a_huge_filter_inside_another_input_is_refused_before_anything_is_written(
    limited: LimitedFactory,
) -> None:
    client = await limited()
    branches = [{"email": {"eq": f"person{i}@example.com"}} for i in range(5000)]
    create = (
        "mutation($input: CreateSegmentInput!) { createSegment(input: $input) {"
        " segment { id } userErrors { field message } } }"
    )
    error = await client.error(create, {"input": {"name": "All", "filter": {"or": branches}}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["maximum"] == 200
    segments = await client.data("{ segments(first: 5) { totalCount } }")
    assert segments["segments"]["totalCount"] == 0


async def test_a_filter_within_the_limits_still_runs(limited: LimitedFactory) -> None:
    customer = await make_customer()
    client = await limited()
    branches = [{"email": {"eq": customer.email}}] + [
        {"email": {"eq": f"nobody{i}@example.com"}} for i in range(90)
    ]
    data = await client.data(CUSTOMERS, {"filter": {"or": branches}})
    assert data["customers"]["totalCount"] == 1


@pytest.mark.parametrize(
    "variables, argument, maximum",
    [
        ({"search": "x" * 50_000}, "search", 200),
        ({"filter": {"email": {"contains": "x" * 50_000}}}, "filter", 1000),
        ({"filter": {"email": {"in": ["x" * 50_000]}}}, "filter", 1000),
    ],
    ids=["search", "contains", "in"],
)
async def test_very_long_search_texts_are_bad_input(
    limited: LimitedFactory, variables: dict, argument: str, maximum: int
) -> None:
    client = await limited()
    error = await client.error(CUSTOMERS, variables)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == argument
    assert error["extensions"]["maximum"] == maximum
    assert str(maximum) in error["message"]


@pytest.mark.parametrize("number", [2**63, 2**63 + 1, 10**30])
async def test_ids_past_2_to_the_63_are_invalid_ids_naming_the_limit(
    limited: LimitedFactory, number: int
) -> None:
    client = await limited()
    forged = base64.urlsafe_b64encode(f"Customer:{number}".encode()).decode().rstrip("=")
    body = await client.execute("query($id: ID!) { customer(id: $id) { id } }", {"id": forged})
    error = body["errors"][0]
    assert error["extensions"]["code"] == "INVALID_ID"
    if number < 10**19:
        assert error["extensions"]["maximum"] == str(2**63 - 1)


async def test_the_largest_id_is_simply_not_found(limited: LimitedFactory) -> None:
    await make_customer()
    client = await limited()
    largest = base64.urlsafe_b64encode(f"Customer:{2**63 - 1}".encode()).decode().rstrip("=")
    body = await client.execute("query($id: ID!) { customer(id: $id) { id } }", {"id": largest})
    assert not body.get("errors"), body
    assert body["data"]["customer"] is None
    assert gid  # the factories' ID helper encodes the same way
