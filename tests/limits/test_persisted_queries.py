"""Persisted queries: Apollo's automatic persisted queries, and the allow-list mode."""

from __future__ import annotations

import json
import uuid

import pytest
from redis.asyncio import Redis

from crm_graphql.api.limits.persisted import load_allow_list, sha256_hex
from crm_graphql.settings import SettingsError
from tests.factories import make_customer
from tests.helpers import count_statements
from tests.limits.conftest import post

QUERY = "{ customers { nodes { firstName } } }"
OTHER = "{ companies { nodes { name } } }"


def _apq(sha: str) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha}}


def _code(body: dict) -> str:
    (error,) = body["errors"]
    return error["extensions"]["code"]


async def test_apollo_client_flow_hash_then_query_then_hash(limited, db):
    await make_customer(first_name="Ada")
    client = await limited()
    sha = sha256_hex(QUERY)
    with count_statements(include_authentication=True) as statements:
        missing = (await post(client, {"extensions": _apq(sha)})).json()
    assert _code(missing) == "PERSISTED_QUERY_NOT_FOUND"
    # Apollo clients look for this exact message before sending the query along.
    assert missing["errors"][0]["message"] == "PersistedQueryNotFound"
    assert statements == []
    registered = (await post(client, {"query": QUERY, "extensions": _apq(sha)})).json()
    assert registered["data"] == {"customers": {"nodes": [{"firstName": "Ada"}]}}
    by_hash = (await post(client, {"extensions": _apq(sha)})).json()
    assert by_hash["data"] == registered["data"]


async def test_persisted_query_runs_over_get(limited, db):
    client = await limited()
    sha = sha256_hex(QUERY)
    await post(client, {"query": QUERY, "extensions": _apq(sha)})
    response = await client.http.get("/graphql", params={"extensions": json.dumps(_apq(sha))})
    assert response.json()["data"] == {"customers": {"nodes": []}}


async def test_a_hash_that_is_not_the_query_s_is_refused(limited, db):
    client = await limited()
    with count_statements(include_authentication=True) as statements:
        body = (await post(client, {"query": QUERY, "extensions": _apq(sha256_hex(OTHER))})).json()
    assert _code(body) == "PERSISTED_QUERY_HASH_MISMATCH"
    assert statements == []
    # Nothing was registered under the wrong hash.
    again = (await post(client, {"extensions": _apq(sha256_hex(OTHER))})).json()
    assert _code(again) == "PERSISTED_QUERY_NOT_FOUND"


async def test_persisted_queries_can_be_turned_off(limited, db):
    client = await limited(persisted_queries=False)
    body = (await post(client, {"query": QUERY, "extensions": _apq(sha256_hex(QUERY))})).json()
    assert _code(body) == "PERSISTED_QUERY_NOT_SUPPORTED"


async def test_automatic_persisted_queries_are_shared_through_redis(limited, db):
    redis = Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        await redis.ping()
    except Exception:  # unreachable: only then does this test skip
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    finally:
        await redis.aclose()
    shared = {
        "redis_url": "redis://127.0.0.1:6379/0",
        "redis_key_prefix": f"crm-test-{uuid.uuid4().hex}:",
    }
    one = await limited(**shared)
    other_process = await limited(**shared)
    sha = sha256_hex(QUERY)
    await post(one, {"query": QUERY, "extensions": _apq(sha)})
    body = (await post(other_process, {"extensions": _apq(sha)})).json()
    assert body["data"] == {"customers": {"nodes": []}}


@pytest.fixture
def allow_list_file(tmp_path) -> str:
    path = tmp_path / "allowed.json"
    path.write_text(json.dumps({sha256_hex(QUERY): QUERY}))
    return str(path)


async def test_allow_list_runs_registered_operations_by_hash_or_text(limited, db, allow_list_file):
    client = await limited(allowed_queries=allow_list_file)
    by_hash = (await post(client, {"extensions": _apq(sha256_hex(QUERY))})).json()
    assert by_hash["data"] == {"customers": {"nodes": []}}
    by_text = (await post(client, {"query": QUERY})).json()
    assert by_text["data"] == by_hash["data"]


async def test_allow_list_refuses_everything_else_without_sql(limited, db, allow_list_file):
    client = await limited(allowed_queries=allow_list_file)
    with count_statements(include_authentication=True) as statements:
        as_text = (await post(client, {"query": OTHER})).json()
        as_apq = (
            await post(client, {"query": OTHER, "extensions": _apq(sha256_hex(OTHER))})
        ).json()
    assert _code(as_text) == "OPERATION_NOT_ALLOWED"
    assert _code(as_apq) == "OPERATION_NOT_ALLOWED"
    assert statements == []
    # Nor did the attempt register it.
    later = (await post(client, {"extensions": _apq(sha256_hex(OTHER))})).json()
    assert _code(later) == "OPERATION_NOT_ALLOWED"


async def test_allow_list_from_a_folder_of_graphql_files(limited, db, tmp_path):
    (tmp_path / "customers.graphql").write_text(QUERY)
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "companies.graphql").write_text(OTHER)
    client = await limited(allowed_queries=str(tmp_path))
    assert (await post(client, {"extensions": _apq(sha256_hex(OTHER))})).json()["data"] == {
        "companies": {"nodes": []}
    }
    refused = (await post(client, {"query": "{ products { totalCount } }"})).json()
    assert _code(refused) == "OPERATION_NOT_ALLOWED"


def test_allow_list_reads_apollo_manifests(tmp_path):
    path = tmp_path / "manifest.json"
    operations = [{"id": sha256_hex(QUERY), "name": "Customers", "type": "query", "body": QUERY}]
    path.write_text(
        json.dumps({"format": "apollo-persisted-query-manifest", "operations": operations})
    )
    assert load_allow_list(str(path)) == {sha256_hex(QUERY): QUERY}


def test_allow_list_with_a_wrong_hash_is_refused_at_start(tmp_path):
    path = tmp_path / "allowed.json"
    path.write_text(json.dumps({sha256_hex(OTHER): QUERY}))
    with pytest.raises(SettingsError, match="CRM_ALLOWED_QUERIES"):
        load_allow_list(str(path))
