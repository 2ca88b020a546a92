"""Hostile documents are refused with their own code before anything runs: no resolver,
no SQL (not even the credentials check, where the refusal needs no caller)."""

from __future__ import annotations

import json

from tests.helpers import count_statements
from tests.limits.conftest import post


def _code(body: dict) -> str:
    (error,) = body["errors"]
    return error["extensions"]["code"]


async def test_too_deep_query_is_refused_without_sql(limited, db):
    client = await limited()
    inner = "id"
    for _ in range(6):
        inner = f"customers {{ nodes {{ company {{ {inner} }} }} }}"
    with count_statements(include_authentication=True) as statements:
        body = await client.execute("{ companies { nodes { " + inner + " } } }")
    assert _code(body) == "QUERY_TOO_COMPLEX"
    assert body.get("data") is None
    assert statements == []


async def test_aliases_beyond_the_limit_are_refused_without_sql(limited, db):
    client = await limited(max_aliases=5)
    fields = " ".join(f"a{i}: customers(first: 1) {{ totalCount }}" for i in range(6))
    with count_statements(include_authentication=True) as statements:
        body = await client.execute("{ " + fields + " }")
    assert _code(body) == "TOO_MANY_ALIASES"
    assert statements == []


async def test_aliases_within_the_limit_run(limited, db):
    client = await limited(max_aliases=5)
    fields = " ".join(f"a{i}: customers(first: 1) {{ totalCount }}" for i in range(5))
    data = await client.data("{ " + fields + " }")
    assert data["a4"] == {"totalCount": 0}


async def test_root_fields_hidden_in_fragments_count_against_the_limit(limited, db):
    client = await limited(max_root_fields=3, max_aliases=0)
    query = """
      query { ...A ...B }
      fragment A on Query { customers(first: 1) { totalCount } companies(first: 1) { totalCount } }
      fragment B on Query { orders(first: 1) { totalCount } products(first: 1) { totalCount } }
    """
    with count_statements(include_authentication=True) as statements:
        body = await client.execute(query)
    assert _code(body) == "TOO_MANY_ROOT_FIELDS"
    assert "4 root fields" in body["errors"][0]["message"]
    assert statements == []


async def test_a_document_with_too_many_tokens_is_not_even_parsed(limited, db):
    client = await limited(max_query_tokens=200)
    wide = " ".join(f"f{i}: __typename" for i in range(100))
    with count_statements(include_authentication=True) as statements:
        body = await client.execute("{ " + wide + " }")
    assert _code(body) == "TOO_MANY_TOKENS"
    assert statements == []


async def test_wide_query_of_many_fields_is_refused_by_the_token_limit(limited, db):
    client = await limited()
    fields = " ".join(["id firstName lastName email"] * 2000)
    body = await client.execute("{ customers { nodes { " + fields + " } } }")
    assert _code(body) == "TOO_MANY_TOKENS"


async def test_costly_query_is_refused_saying_cost_and_limit(limited, db):
    client = await limited(max_query_cost=1000)
    query = """{ customers(first: 100) { nodes { orders(first: 100) { nodes { id } } } } }"""
    with count_statements(include_authentication=True) as statements:
        body = await client.execute(query)
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert (error["extensions"]["cost"], error["extensions"]["maximumCost"]) == (10100, 1000)
    assert "10100" in error["message"] and "1000" in error["message"]
    assert body["data"] is None
    assert statements == []


async def test_fragments_in_a_cycle_are_refused_without_sql(limited, db):
    client = await limited()
    query = """
      { customers { nodes { ...A } } }
      fragment A on Customer { company { customers { nodes { ...B } } } }
      fragment B on Customer { company { customers { nodes { ...A } } } }
    """
    with count_statements(include_authentication=True) as statements:
        body = await client.execute(query)
    codes = {error["extensions"]["code"] for error in body["errors"]}
    assert codes == {"GRAPHQL_VALIDATION_FAILED"}
    assert any("within itself" in error["message"] for error in body["errors"])
    assert statements == []


async def test_introspection_flood_is_refused(limited, db):
    client = await limited(signed_in=False)
    deep = "__schema { types { fields { args { type { name } } type { name } } } }"
    flood = " ".join(f"s{i}: {deep}" for i in range(40))
    with count_statements(include_authentication=True) as statements:
        body = await client.execute("{ " + flood + " }")
    codes = {error["extensions"]["code"] for error in body["errors"]}
    assert codes == {"TOO_MANY_ALIASES", "TOO_MANY_ROOT_FIELDS"}
    assert body.get("data") is None
    assert statements == []


async def test_introspection_lists_cost_like_any_list(limited, db):
    client = await limited(signed_in=False, max_query_cost=1000)
    wide = """{ __schema { types { fields { args { type { name } } }
      inputFields { name } enumValues { name } } } }"""
    with count_statements(include_authentication=True) as statements:
        body = await client.execute(wide)
    assert _code(body) == "QUERY_TOO_COSTLY"
    # types 10, their fields 10*10 and those fields' args 10*10*10, inputFields and
    # enumValues 10*10 each (lists without first/last count CRM_COST_LIST_SIZE = 10).
    assert body["errors"][0]["extensions"]["cost"] == 10 + 100 + 1000 + 100 + 100
    assert statements == []


async def test_deeply_nested_introspection_is_refused(limited, db):
    client = await limited(signed_in=False)
    nested = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    body = await client.execute(nested)
    assert _code(body) == "GRAPHQL_VALIDATION_FAILED"
    assert body["errors"][0]["message"] == "Maximum introspection depth exceeded"


async def test_schema_documentation_stays_readable_without_credentials(limited, db):
    client = await limited(signed_in=False)
    data = await client.data("{ __schema { queryType { name } types { name } } }")
    assert data["__schema"]["queryType"] == {"name": "Query"}


async def test_introspection_can_be_turned_off(limited, db):
    client = await limited(introspection=False)
    with count_statements(include_authentication=True) as statements:
        body = await client.execute("{ __schema { types { name } } }")
    assert {error["extensions"]["code"] for error in body["errors"]} == {"INTROSPECTION_DISABLED"}
    assert body.get("data") is None
    assert statements == []
    # Ordinary queries still work, __typename too.
    assert await client.data("{ __typename }") == {"__typename": "Query"}


async def test_huge_body_is_refused_with_413_and_a_json_error(limited, db):
    client = await limited(max_body_bytes=4096)
    padding = "x" * 5000
    with count_statements(include_authentication=True) as statements:
        response = await post(client, {"query": "{ __typename }", "variables": {"p": padding}})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/json")
    assert _code(response.json()) == "REQUEST_TOO_LARGE"
    assert statements == []


async def test_huge_body_without_a_declared_length_is_cut_off(limited, db):
    client = await limited(max_body_bytes=4096)

    async def chunks():
        yield b'{"query": "{ __typename }", "variables": {"p": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}}'

    response = await client.http.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert _code(response.json()) == "REQUEST_TOO_LARGE"


async def test_body_within_the_limit_is_served(limited, db):
    client = await limited(max_body_bytes=4096)
    response = await post(client, {"query": "{ __typename }", "variables": {"p": "x" * 3000}})
    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


async def test_batches_are_refused_by_default(limited, db):
    client = await limited()
    with count_statements(include_authentication=True) as statements:
        response = await post(client, [{"query": "{ __typename }"}] * 2)
    assert response.status_code == 400
    assert _code(response.json()) == "BATCHING_NOT_ALLOWED"
    assert statements == []


async def test_batches_over_the_configured_size_are_refused(limited, db):
    client = await limited(max_batch_operations=3)
    with count_statements(include_authentication=True) as statements:
        response = await post(client, [{"query": "{ customers { totalCount } }"}] * 4)
    assert response.status_code == 400
    assert _code(response.json()) == "BATCH_TOO_LARGE"
    assert statements == []


async def test_each_operation_of_an_allowed_batch_has_its_own_cost(limited, db):
    client = await limited(max_batch_operations=3, max_query_cost=100)
    response = await post(
        client,
        [
            {"query": "{ customers(first: 5) { totalCount } }"},
            {"query": "{ customers(first: 100) { nodes { orders(first: 10) { totalCount } } } }"},
        ],
    )
    first, second = response.json()
    assert first["data"] == {"customers": {"totalCount": 0}}
    assert first["extensions"]["cost"]["requestedQueryCost"] == 5
    assert _code(second) == "QUERY_TOO_COSTLY"
    assert second["extensions"]["cost"]["requestedQueryCost"] == 1100


async def test_malformed_json_gets_a_json_error(limited, db):
    client = await limited()
    response = await client.http.post(
        "/graphql", content=b'{"query": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert _code(response.json()) == "BAD_REQUEST"
    assert isinstance(json.loads(response.text), dict)


async def test_a_refusal_carries_the_request_id(limited, db):
    client = await limited(max_body_bytes=1024)
    response = await post(
        client,
        {"query": "{ __typename }", "variables": {"p": "x" * 2000}},
        headers={"X-Request-ID": "req-limits-0001"},
    )
    assert response.json()["errors"][0]["extensions"]["requestId"] == "req-limits-0001"
