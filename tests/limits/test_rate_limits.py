"""Rate limits by cost: a budget per caller per minute, in memory or shared in Redis."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from redis.asyncio import Redis

from crm_graphql.api.limits.budget import WINDOW_SECONDS, MemoryBudget, RedisBudget
from tests.helpers import count_statements

REDIS_URL = "redis://127.0.0.1:6379/0"
#: Costs 20 (the default page size).
QUERY = "{ customers { nodes { id } } }"


async def _redis_or_skip() -> Redis:
    redis = Redis.from_url(REDIS_URL)
    try:
        await redis.ping()
    except Exception:  # unreachable: only then do the Redis tests skip
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    return redis


@pytest.fixture(autouse=True)
async def _whole_window() -> None:
    """Budgets are per clock minute: start each test well inside one, so that no new
    window begins (and refills the budget) while the test runs."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < 10:
        await asyncio.sleep(left + 0.1)


def _throttled(body: dict) -> dict:
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "THROTTLED", body
    return error


async def test_a_caller_over_its_budget_is_throttled_with_retry_after(limited, db):
    client = await limited(rate_limit_cost_per_minute=100)
    for _ in range(5):
        await client.data(QUERY)
    with count_statements() as statements:
        response = await client.http.post("/graphql", json={"query": QUERY})
    error = _throttled(response.json())
    assert 1 <= error["extensions"]["retryAfter"] <= 60
    assert response.headers["Retry-After"] == str(error["extensions"]["retryAfter"])
    assert "costs 20" in error["message"] and "0 of 100" in error["message"]
    assert response.json()["data"] is None
    # Nothing of the operation ran (only the credentials were checked).
    assert statements == []


async def test_a_query_that_fits_in_what_is_left_still_runs(limited, db):
    client = await limited(rate_limit_cost_per_minute=100)
    for _ in range(4):
        await client.data(QUERY)
    _throttled(await client.execute("{ customers(first: 21) { nodes { id } } }"))
    assert await client.data("{ customers(first: 20) { nodes { id } } }")


async def test_each_user_has_a_budget_of_their_own(limited, db):
    first = await limited(rate_limit_cost_per_minute=40)
    second = await limited(app=first.app)
    await first.data(QUERY)
    await first.data(QUERY)
    _throttled(await first.execute(QUERY))
    assert await second.data(QUERY)


async def test_api_keys_have_budgets_apart_from_users(limited, db):
    from tests.factories import make_api_key

    user = await limited(rate_limit_cost_per_minute=20)
    _key, secret = await make_api_key()
    integration = await limited(app=user.app, signed_in=False)
    integration.http.headers["X-API-Key"] = secret
    await user.data(QUERY)
    _throttled(await user.execute(QUERY))
    assert await integration.data(QUERY)


async def test_signed_out_callers_are_limited_by_address(limited, db):
    one = await limited(signed_in=False, rate_limit_cost_per_minute=3)
    same_address = await limited(signed_in=False, app=one.app)
    other_address = await limited(signed_in=False, app=one.app, client_address="10.0.0.9")
    for client in (one, same_address, one):
        assert await client.data("{ __typename }")
    _throttled(await same_address.execute("{ __typename }"))
    assert await other_address.data("{ __typename }")


async def test_memory_budget_refuses_without_spending():
    budget = MemoryBudget(limit=50)
    assert (await budget.charge("user:1", 30)).allowed
    refused = await budget.charge("user:1", 30)
    assert (refused.allowed, refused.used, refused.remaining) == (False, 30, 20)
    assert (await budget.charge("user:1", 20)).allowed


async def test_redis_budget_is_shared_by_server_processes(limited, db):
    await _redis_or_skip()
    prefix = f"crm-test-{uuid.uuid4().hex}:"
    settings = {
        "rate_limit_cost_per_minute": 60,
        "redis_url": REDIS_URL,
        "redis_key_prefix": prefix,
    }
    one = await limited(**settings)
    # A second app is a second server process: its own memory, the same Redis.
    other_process = await limited(**settings)
    other_process.http.headers["Authorization"] = one.http.headers["Authorization"]
    await one.data(QUERY)
    await other_process.data(QUERY)
    await one.data(QUERY)
    error = _throttled(await other_process.execute(QUERY))
    assert "0 of 60" in error["message"]


async def test_redis_budget_charges_atomically_under_concurrency():
    redis = await _redis_or_skip()
    budget = RedisBudget(redis, limit=100, prefix=f"crm-test-{uuid.uuid4().hex}:")
    charges = await asyncio.gather(*(budget.charge("user:7", 7) for _ in range(30)))
    allowed = [charge for charge in charges if charge.allowed]
    # 14 * 7 = 98 fit in 100; the 15th would not, whatever the interleaving.
    assert len(allowed) == 14
    assert max(charge.used for charge in charges) == 98
    await redis.aclose()
