"""Persisted-query uploads: nobody fills the server's memory (or Redis) with documents
without signing in, and nothing that does not parse and validate, or is too large, is
kept."""

from __future__ import annotations

import uuid

import pytest
from redis.asyncio import Redis

from crm_graphql.api.limits.persisted import (
    APQ_MAX_DOCUMENT_BYTES,
    MemoryQueryStore,
    RedisQueryStore,
    sha256_hex,
)
from tests.limits.conftest import limited, post

__all__ = ["limited"]  # the fixture of the query-limit tests, used here too

QUERY = "{ customers { nodes { firstName } } }"


def _apq(query: str) -> dict:
    return {
        "query": query,
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(query)}},
    }


def _by_hash(query: str) -> dict:
    return {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(query)}}}


def _store(client) -> MemoryQueryStore:
    for route in client.app.routes:
        endpoint = getattr(route, "endpoint", None)
        limits = getattr(endpoint, "limits", None)
        if limits is not None:
            return limits.persisted.store
    raise AssertionError("no GraphQL endpoint")


def _code(body: dict) -> str:
    return body["errors"][0]["extensions"]["code"]


async def test_uploads_without_signing_in_are_not_kept(limited, db):
    anonymous = await limited(signed_in=False)
    padding = "#" + "x" * 500_000 + "\n"  # a comment: parses, validates, costs nothing
    document = padding + "{ __typename }"
    for n in range(5):
        await post(anonymous, _apq(document + " " * n))
    store = _store(anonymous)
    assert store.bytes == 0 and await store.get(sha256_hex(document)) is None
    # A signed-in client on the same server registers its (small, valid) documents.
    signed_in = await limited(app=anonymous.app)
    assert (await post(signed_in, _apq(QUERY))).json()["data"] == {"customers": {"nodes": []}}
    again = (await post(signed_in, _by_hash(QUERY))).json()
    assert again["data"] == {"customers": {"nodes": []}}
    assert store.bytes == len(QUERY)


@pytest.mark.parametrize(
    "document",
    [
        "{ customers { nodes { firstName } }",  # does not parse
        "{ customers { nodes { noSuchField } } }",  # does not validate
        "{ customers { nodes { firstName } } }" + " " * APQ_MAX_DOCUMENT_BYTES,  # too large
    ],
)
async def test_documents_that_do_not_parse_validate_or_fit_are_not_kept(limited, db, document):
    client = await limited()
    await post(client, _apq(document))
    body = (await post(client, _by_hash(document))).json()
    assert _code(body) == "PERSISTED_QUERY_NOT_FOUND"
    assert _store(client).bytes == 0


async def test_memory_store_is_bounded_in_bytes():
    store = MemoryQueryStore(size=1000, max_bytes=1000)
    for n in range(10):
        await store.put(f"sha{n}", "x" * 300)
        assert store.bytes <= 1000
    assert await store.get("sha9") == "x" * 300


async def test_redis_store_is_bounded_in_bytes():
    redis = Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        await redis.ping()
    except Exception:  # unreachable: only then does this test skip
        await redis.aclose()
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    prefix = f"crm-test-{uuid.uuid4().hex}:"
    store = RedisQueryStore(redis, prefix, max_bytes=1000)
    try:
        for n in range(10):
            await store.put(f"sha{n}", "x" * 300)
        kept = [n for n in range(10) if await store.get(f"sha{n}") is not None]
        assert kept == [0, 1, 2]
        assert int(await redis.get(f"{prefix}apq-bytes")) == 900
        assert await redis.ttl(f"{prefix}apq-bytes") > 0
    finally:
        keys = await redis.keys(f"{prefix}*")
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
