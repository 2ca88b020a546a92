"""What a request prepares from its document alone is kept for the next requests of the
same document and caller (``crm_graphql.api.kept``): a repeated query answers exactly as
the first time, with the same statements; callers, argument values and directives
still decide on every request, and refusals are reported every time."""

from __future__ import annotations

import gc

import pytest
from graphql import parse

from crm_graphql.api.kept import KeptPreparation, Unfrozen, frozen
from crm_graphql.api.roles import Role
from tests.customers.test_customer_360 import HEADLINE, _build_customers
from tests.helpers import count_statements


def _counted(statements: list[str]) -> int:
    # A new process's first MySQL connection also asks the server's version once.
    return len([sql for sql in statements if "VERSION()" not in sql])


async def test_a_repeated_query_answers_the_same_with_the_same_statements(gql, db):
    await _build_customers(3, interactions=2, orders=2)
    answers, counts = [], []
    for _ in range(3):
        with count_statements() as statements:
            answers.append(await gql.execute(HEADLINE, {"first": 5}))
        counts.append(_counted(statements))
    assert "errors" not in answers[0]
    assert len(answers[0]["data"]["customers"]["nodes"]) == 3
    # The same data (the extensions hold the caller's remaining rate budget).
    assert answers[1]["data"] == answers[0]["data"] == answers[2]["data"]
    # The statements of test_customer_360, every time (every customer is on the page:
    # totalCount needs no statement).
    assert counts == [6, 6, 6]


async def test_a_denied_field_is_reported_on_every_request(gql_as, db):
    await _build_customers(2, interactions=1, orders=0)
    analyst = await gql_as(Role.ANALYST)
    query = "{ customers(first: 5) { nodes { id firstName email } } }"
    for _ in range(3):
        body = await analyst.execute(query)
        assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"]
        assert body["errors"][0]["path"] == ["customers", "nodes", 0, "email"]
        nodes = body["data"]["customers"]["nodes"]
        assert len(nodes) == 2 and all(node["email"] is None for node in nodes)


async def test_callers_of_other_roles_do_not_share_what_was_kept(gql, gql_as, db):
    await _build_customers(2, interactions=1, orders=0)
    analyst = await gql_as(Role.ANALYST)
    query = "{ customers(first: 5) { nodes { id email interactions(first: 1) { totalCount } } } }"
    first = await gql.data(query)
    assert all(node["email"] for node in first["customers"]["nodes"])
    denied = await analyst.execute(query)
    assert [error["extensions"]["code"] for error in denied["errors"]] == ["FORBIDDEN"]
    assert all(node["email"] is None for node in denied["data"]["customers"]["nodes"])
    assert await gql.data(query) == first


async def test_arguments_and_directives_decide_on_every_request(gql, db):
    await _build_customers(2, interactions=3, orders=0)
    query = """query($n: Int, $withEmail: Boolean!) { customers(first: 5) { nodes {
      email @include(if: $withEmail)
      interactions(first: $n) { nodes { subject } } } } }"""
    for n, with_email in [(1, True), (2, False), (1, False), (3, True), (2, False)]:
        nodes = (await gql.data(query, {"n": n, "withEmail": with_email}))["customers"]["nodes"]
        assert len(nodes) == 2
        for node in nodes:
            assert ("email" in node) is with_email
            assert len(node["interactions"]["nodes"]) == n


async def test_a_refused_argument_is_refused_on_every_request(gql, db):
    await _build_customers(2, interactions=1, orders=0)
    query = """query($n: Int, $after: String) { customers(first: 5) {
      nodes { id interactions(first: $n, after: $after) { nodes { subject } } } } }"""
    refused = [({"n": -1}, "BAD_USER_INPUT"), ({"n": 1, "after": "not a cursor"}, "INVALID_CURSOR")]
    refusals: dict[str, list[object]] = {}
    for variables, code in [*refused, (None, None), *refused]:
        body = await gql.execute(query, variables or {"n": 1})
        if code is not None:
            assert {error["extensions"]["code"] for error in body["errors"]} == {code}, body
            refusals.setdefault(code, []).append((body["data"], body["errors"]))
        else:
            assert "errors" not in body, body
            nodes = body["data"]["customers"]["nodes"]
            assert [len(node["interactions"]["nodes"]) for node in nodes] == [1, 1]
    for first, again in refusals.values():
        assert again == first


def test_kept_values_go_with_their_operation_and_callers_are_bounded():
    store = KeptPreparation(callers_kept=2)
    operation = parse("{ customers { totalCount } }").definitions[0]
    store.of(operation, "ada")["x"] = 1
    assert store.of(operation, "ada") == {"x": 1}
    store.of(operation, "bob")
    store.of(operation, "cy")  # the least recently used caller (ada) is dropped
    assert store.of(operation, "ada") == {}
    del operation
    gc.collect()
    assert len(store._by_operation) == 0


def test_only_plain_argument_values_make_a_key():
    assert frozen({"first": 1}) != frozen({"first": True})
    assert frozen({"orderBy": [{"field": "A"}]}) == frozen({"orderBy": [{"field": "A"}]})
    with pytest.raises(Unfrozen):
        frozen({"after": object()})
