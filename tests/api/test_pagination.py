"""Keyset connections: forwards, backwards, stable under inserts, per-parent pages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.factories import (
    BASE_TIME,
    gid,
    make_customer,
    make_interaction,
    make_opportunity,
    make_product,
)

PRODUCTS = """
query($first: Int, $after: String, $last: Int, $before: String, $orderBy: [ProductOrderBy!]) {
  products(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy) {
    totalCount
    edges { cursor node { sku } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def _products(n: int) -> None:
    for index in range(n):
        await make_product(sku=f"P{index:02d}", name=f"Product {index:02d}")


def _skus(data: dict) -> list[str]:
    return [edge["node"]["sku"] for edge in data["products"]["edges"]]


async def test_forward_pages_cover_the_list_once_in_order(gql, db):
    await _products(7)
    seen, after, pages = [], None, 0
    while True:
        data = await gql.data(PRODUCTS, {"first": 3, "after": after})
        seen += _skus(data)
        pages += 1
        info = data["products"]["pageInfo"]
        assert info["hasPreviousPage"] is (after is not None)
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert seen == [f"P{i:02d}" for i in range(7)]
    assert pages == 3


async def test_backward_pages_with_last_and_before(gql, db):
    await _products(7)
    data = await gql.data(PRODUCTS, {"last": 3})
    assert _skus(data) == ["P04", "P05", "P06"]
    info = data["products"]["pageInfo"]
    assert info["hasPreviousPage"] is True
    assert info["hasNextPage"] is False
    data = await gql.data(PRODUCTS, {"last": 3, "before": info["startCursor"]})
    assert _skus(data) == ["P01", "P02", "P03"]
    data = await gql.data(
        PRODUCTS, {"last": 3, "before": data["products"]["pageInfo"]["startCursor"]}
    )
    assert _skus(data) == ["P00"]
    assert data["products"]["pageInfo"]["hasPreviousPage"] is False


async def test_cursor_stays_correct_when_rows_are_inserted_between_pages(gql, db):
    await _products(6)
    first_page = await gql.data(PRODUCTS, {"first": 3})
    assert _skus(first_page) == ["P00", "P01", "P02"]
    # Rows inserted before and after the cursor while the client pages.
    await make_product(sku="P00a", name="Product 00a")
    await make_product(sku="P03a", name="Product 03a")
    second = await gql.data(
        PRODUCTS, {"first": 3, "after": first_page["products"]["pageInfo"]["endCursor"]}
    )
    assert _skus(second) == ["P03", "P03a", "P04"]
    assert second["products"]["totalCount"] == 8


async def test_cursor_follows_the_requested_order_with_ties(gql, db):
    for index in range(5):
        await make_product(sku=f"T{index}", name="Same name", unit_price=Decimal(index % 2))
    order = [{"field": "UNIT_PRICE", "direction": "DESC"}, {"field": "SKU", "direction": "ASC"}]
    page = await gql.data(PRODUCTS, {"first": 2, "orderBy": order})
    assert _skus(page) == ["T1", "T3"]
    rest = await gql.data(
        PRODUCTS,
        {"first": 5, "after": page["products"]["pageInfo"]["endCursor"], "orderBy": order},
    )
    assert _skus(rest) == ["T0", "T2", "T4"]


async def test_decimal_order_is_numeric_not_textual(gql, db):
    for sku, price in [("A", "9.00"), ("B", "10.00"), ("C", "100.50"), ("D", "2.25")]:
        await make_product(sku=sku, unit_price=Decimal(price))
    page = await gql.data(PRODUCTS, {"first": 4, "orderBy": [{"field": "UNIT_PRICE"}]})
    assert _skus(page) == ["D", "A", "B", "C"]


async def test_nullable_sort_key_pages_through_nulls(gql, db):
    customer = await make_customer()
    closes = [None, "2026-03-01", None, "2026-01-01", "2026-02-01"]
    for index, close in enumerate(closes):
        await make_opportunity(customer, name=f"O{index}", expected_close_date=close)
    query = """query($after: String, $dir: SortDirection!) {
      opportunities(first: 2, after: $after,
                    orderBy: [{field: EXPECTED_CLOSE_DATE, direction: $dir}]) {
        nodes { name } pageInfo { hasNextPage endCursor } } }"""
    for direction, expected in [
        ("ASC", ["O0", "O2", "O3", "O4", "O1"]),
        ("DESC", ["O1", "O4", "O3", "O2", "O0"]),
    ]:
        names, after = [], None
        while True:
            data = (await gql.data(query, {"after": after, "dir": direction}))["opportunities"]
            names += [node["name"] for node in data["nodes"]]
            if not data["pageInfo"]["hasNextPage"]:
                break
            after = data["pageInfo"]["endCursor"]
        assert names == expected, direction


async def test_nested_pages_are_cut_per_customer(gql, db):
    busy = await make_customer(first_name="Busy")
    quiet = await make_customer(first_name="Quiet")
    for minute in range(7):
        await make_interaction(busy, occurred_at=BASE_TIME + timedelta(minutes=minute))
    await make_interaction(quiet, occurred_at=BASE_TIME)
    query = """query($after: String) { customers(orderBy: [{field: FIRST_NAME}]) { nodes {
        firstName
        interactions(first: 3, after: $after) {
          totalCount nodes { occurredAt } pageInfo { hasNextPage endCursor } } } } }"""
    data = await gql.data(query)
    busy_page, quiet_page = (n["interactions"] for n in data["customers"]["nodes"])
    assert len(busy_page["nodes"]) == 3 and busy_page["pageInfo"]["hasNextPage"] is True
    assert busy_page["totalCount"] == 7
    assert len(quiet_page["nodes"]) == 1 and quiet_page["pageInfo"]["hasNextPage"] is False
    assert quiet_page["totalCount"] == 1
    # The next page of one customer's interactions, through the customer field.
    follow = """query($id: ID!, $after: String) { customer(id: $id) {
        interactions(first: 3, after: $after) { nodes { occurredAt } } } }"""
    data = await gql.data(follow, {"id": gid(busy), "after": busy_page["pageInfo"]["endCursor"]})
    got = [n["occurredAt"] for n in data["customer"]["interactions"]["nodes"]]
    expected = [(BASE_TIME + timedelta(minutes=m)).isoformat() for m in (3, 2, 1)]
    assert got == expected


async def test_total_count_is_not_queried_unless_selected(gql, db):
    from tests.helpers import count_statements

    await _products(3)
    with count_statements() as without_count:
        await gql.data("{ products(first: 2) { nodes { sku } } }")
    with count_statements() as with_count:
        data = await gql.data("{ products(first: 2) { totalCount nodes { sku } } }")
    assert data["products"]["totalCount"] == 3
    assert len(without_count) == 1
    assert len(with_count) == 2


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ("first: 1000", "PAGINATION_LIMIT"),
        ("last: 101", "PAGINATION_LIMIT"),
        ("first: -1", "BAD_USER_INPUT"),
        ("first: 1, last: 1", "BAD_USER_INPUT"),
        ('after: "not-a-cursor"', "INVALID_CURSOR"),
        ('before: "eyJ4Ijox"', "INVALID_CURSOR"),
    ],
)
async def test_bad_paging_arguments_get_a_clear_error(gql, db, arguments, code):
    error = await gql.error(f"{{ products({arguments}) {{ nodes {{ sku }} }} }}")
    assert error["extensions"]["code"] == code
    assert error["path"] == ["products"]


async def test_cursor_from_another_order_is_rejected(gql, db):
    await _products(2)
    data = await gql.data(PRODUCTS, {"first": 1})
    cursor = data["products"]["pageInfo"]["endCursor"]
    error = await gql.error(
        "query($a: String) { products(after: $a, orderBy: [{field: SKU}]) { nodes { sku } } }",
        {"a": cursor},
    )
    assert error["extensions"]["code"] == "INVALID_CURSOR"
