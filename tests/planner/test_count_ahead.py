"""A root list whose selection plainly asks ``totalCount`` sends its count together with
its page (``api.pagination.fetch``): the same count and the same statements as when
the count waited for the page, and no count at all when it is not certainly asked."""

from __future__ import annotations

import asyncio

from crm_graphql.api.roles import Role
from tests.factories import gid, make_customer
from tests.helpers import count_statements


async def _counted(client, query: str, variables: dict | None = None) -> tuple[dict, list[str]]:
    with count_statements() as statements:
        body = await client.execute(query, variables)
    return body, [sql for sql in statements if "VERSION()" not in sql]


def _counts(statements: list[str]) -> int:
    return len([sql for sql in statements if "COUNT(" in sql.upper()])


async def test_a_page_with_its_total_count_counts_once(gql, db):
    for _ in range(4):
        await make_customer()
    query = "{ customers(first: 2) { totalCount nodes { id } } }"
    body, statements = await _counted(gql, query)
    assert "errors" not in body
    assert body["data"]["customers"]["totalCount"] == 4
    assert len(body["data"]["customers"]["nodes"]) == 2
    assert len(statements) == 2 and _counts(statements) == 1


async def test_a_total_count_asked_twice_is_counted_once(gql, db):
    for _ in range(3):
        await make_customer()
    query = "{ customers(first: 1) { a: totalCount b: totalCount nodes { id } } }"
    body, statements = await _counted(gql, query)
    assert body["data"]["customers"]["a"] == body["data"]["customers"]["b"] == 3
    assert _counts(statements) == 1


async def test_a_total_count_left_out_by_a_directive_is_not_counted(gql, db):
    for _ in range(2):  # more than the page holds: a count that is asked needs a statement
        await make_customer()
    query = """query($count: Boolean!) { customers(first: 1) {
      totalCount @include(if: $count) nodes { id } } }"""
    body, statements = await _counted(gql, query, {"count": False})
    assert body["data"]["customers"] == {"nodes": [body["data"]["customers"]["nodes"][0]]}
    assert _counts(statements) == 0
    body, statements = await _counted(gql, query, {"count": True})
    assert body["data"]["customers"]["totalCount"] == 2
    assert _counts(statements) == 1


async def test_an_empty_page_still_counts_the_whole_list(gql_as, db):
    for _ in range(2):
        await make_customer()
    analyst = await gql_as(Role.ANALYST)
    query = "{ customers(first: 0) { totalCount nodes { id } } }"
    body, statements = await _counted(analyst, query)
    assert "errors" not in body
    assert body["data"]["customers"] == {"totalCount": 2, "nodes": []}
    assert _counts(statements) == 1


async def test_the_count_follows_the_list_as_it_grows_and_shrinks(gql, db):
    # The count is sent ahead only for a list that was longer than its page when last
    # counted; whether it was or not, every answer counts the list as it is now.
    query = "{ customers(first: 2) { totalCount nodes { id } } }"
    people = [await make_customer() for _ in range(4)]
    for expected in (4, 4):  # counted after the page, then ahead of it
        body, statements = await _counted(gql, query)
        assert body["data"]["customers"]["totalCount"] == expected
        assert _counts(statements) == 1
    for person in people[1:]:
        await person.delete()
    body, statements = await _counted(gql, query)  # sent ahead, the list fits now
    assert body["data"]["customers"] == {"totalCount": 1, "nodes": [{"id": gid(people[0])}]}
    await asyncio.sleep(0.5)  # the count sent ahead, not needed, ends on its own
    body, statements = await _counted(gql, query)  # it fitted: no count statement
    assert body["data"]["customers"]["totalCount"] == 1
    assert _counts(statements) == 0
    for _ in range(3):
        await make_customer()
    body, statements = await _counted(gql, query)  # longer than the page again
    assert body["data"]["customers"]["totalCount"] == 4
    assert _counts(statements) == 1
