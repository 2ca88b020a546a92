"""The dashboard view cache (CRM_CACHE_URL): reuse within the TTL, fresh after a write,
per role, and no failure when Redis is not configured or not reachable."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import redis
from redis import asyncio as aioredis

from crm_graphql.api.aggregation.cache import close_view_cache, decode, encode
from crm_graphql.api.roles import Role
from crm_graphql.app import create_app
from crm_graphql.domains.auth.services import issue_session
from crm_graphql.settings import SettingsError, load_settings
from tests.conftest import TEST_CLIENT_ADDRESS, Backend
from tests.factories import gid, make_customer, make_opportunity, make_user
from tests.helpers import GraphQLClient, count_statements

REDIS_URL = "redis://127.0.0.1:6379/0"
#: Nothing listens here: connections are refused at once.
UNREACHABLE_URL = "redis://127.0.0.1:1/0"

PIPELINE = """{ salesPipeline(currency: "USD") {
  count totalAmount weightedTotal stages { stage count amount weightedAmount } } }"""
CREATE = """mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) {
  opportunity { id } userErrors { field code } } }"""

Clients = Callable[..., Awaitable[GraphQLClient]]


def _redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.fixture
async def key_prefix() -> AsyncIterator[str]:
    """A key prefix of this test alone (other test runs may share the Redis); its keys
    are removed afterwards."""
    if not _redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"crm-test:{uuid.uuid4().hex}:"
    yield prefix
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture
async def clients(db: Backend) -> AsyncIterator[Clients]:
    """Makes signed-in clients of one app built with extra settings:
    ``await clients(Role.ANALYST, cache_url=..., cache_seconds=...)``. Every client of a
    test talks to the same app (and cache client) as long as the settings are the same."""
    apps: dict[tuple, Any] = {}
    async with AsyncExitStack() as stack:

        async def make(role: Role = Role.ADMIN, **settings: Any) -> GraphQLClient:
            key = tuple(sorted(settings.items()))
            if key not in apps:
                apps[key] = (create_app(db.settings.model_copy(update=settings)), settings)
            app, _ = apps[key]
            user = await make_user(role, name=f"Cache {role.value.title()}")
            issued = await issue_session(db.settings, user, TEST_CLIENT_ADDRESS)
            http = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app, client=(TEST_CLIENT_ADDRESS, 50000)),
                    base_url="http://crm.test",
                    headers={"Authorization": f"Bearer {issued.access_token}"},
                )
            )
            return GraphQLClient(http, user=user)  # type: ignore[arg-type]

        yield make
        for app, _ in apps.values():
            await close_view_cache(app)


async def _pipeline(client: GraphQLClient) -> tuple[dict, int]:
    """The pipeline as the client sees it, and the SQL statements the read ran."""
    with count_statements() as statements:
        data = await client.data(PIPELINE)
    return data["salesPipeline"], len(statements)


async def _deals(count: int, amount: str = "1000.00") -> None:
    customer = await make_customer()
    for _ in range(count):
        await make_opportunity(customer, amount=Decimal(amount), currency="USD")


async def test_cached_view_answers_again_without_running_sql(clients, key_prefix):
    await _deals(3)
    client = await clients(cache_url=REDIS_URL, cache_key_prefix=key_prefix)

    first, first_statements = await _pipeline(client)
    again, again_statements = await _pipeline(client)

    assert first["count"] == 3
    assert first_statements >= 1
    assert again == first
    assert again_statements == 0


async def test_a_mutation_makes_the_next_read_fresh(clients, key_prefix):
    await _deals(2)
    customer = await make_customer()
    client = await clients(cache_url=REDIS_URL, cache_key_prefix=key_prefix, cache_seconds=600)
    before, _ = await _pipeline(client)

    created = await client.data(
        CREATE,
        {"input": {"customer": gid(customer), "name": "New deal", "amount": "500.00",
                   "currency": "USD"}},
    )  # fmt: skip
    assert created["createOpportunity"]["userErrors"] == []
    after, statements = await _pipeline(client)

    assert before["count"] == 2
    assert after["count"] == 3
    assert Decimal(after["totalAmount"]) == Decimal(before["totalAmount"]) + Decimal("500.00")
    assert statements >= 1


async def test_a_refused_mutation_keeps_the_cached_view(clients, key_prefix):
    await _deals(1)
    client = await clients(cache_url=REDIS_URL, cache_key_prefix=key_prefix, cache_seconds=600)
    await _pipeline(client)

    refused = await client.data(
        CREATE, {"input": {"customer": gid(await make_customer()), "name": "", "amount": "-1",
                           "currency": "USD"}},
    )  # fmt: skip
    assert refused["createOpportunity"]["userErrors"]
    _, statements = await _pipeline(client)

    assert statements == 0


async def test_cached_entries_age_out(clients, key_prefix):
    await _deals(1)
    client = await clients(cache_url=REDIS_URL, cache_key_prefix=key_prefix, cache_seconds=0.5)
    first, _ = await _pipeline(client)

    # Written behind the API's back: only the TTL can make it show.
    await _deals(1)
    cached, cached_statements = await _pipeline(client)
    await asyncio.sleep(0.7)
    aged, aged_statements = await _pipeline(client)

    assert (first["count"], cached["count"], aged["count"]) == (1, 1, 2)
    assert cached_statements == 0
    assert aged_statements >= 1


async def test_roles_do_not_share_cached_views(clients, key_prefix):
    await _deals(2, amount="250.00")
    settings = {"cache_url": REDIS_URL, "cache_key_prefix": key_prefix}
    analyst = await clients(Role.ANALYST, **settings)
    manager = await clients(Role.MANAGER, **settings)
    support = await clients(Role.SUPPORT, **settings)

    analyst_view, _ = await _pipeline(analyst)
    manager_view, manager_statements = await _pipeline(manager)
    manager_again, manager_again_statements = await _pipeline(manager)
    with count_statements() as statements:
        support_body = await support.execute(PIPELINE)

    # Both roles may read money and see the same numbers, but each role has its own entry.
    assert manager_view == analyst_view
    assert manager_view["totalAmount"] == "500.00"
    assert manager_statements >= 1
    assert (manager_again, manager_again_statements) == (manager_view, 0)
    # SUPPORT may not read money: its view is computed for it, with the amounts withheld.
    assert len(statements) >= 1
    support_view = support_body["data"]["salesPipeline"]
    assert support_view["count"] == 2
    assert support_view["totalAmount"] is None
    assert {e["extensions"]["code"] for e in support_body["errors"]} == {"FORBIDDEN"}


async def test_without_a_cache_url_every_read_runs_its_sql(clients):
    await _deals(1)
    client = await clients()

    first, first_statements = await _pipeline(client)
    again, again_statements = await _pipeline(client)

    assert first == again
    assert first_statements >= 1
    assert again_statements == first_statements


async def test_unreachable_redis_computes_views_and_warns_once(clients, caplog):
    await _deals(2)
    client = await clients(cache_url=UNREACHABLE_URL)
    customer = await make_customer()

    with caplog.at_level(logging.WARNING, logger="crm_graphql.cache"):
        views = [await _pipeline(client) for _ in range(3)]
        created = await client.data(
            CREATE,
            {"input": {"customer": gid(customer), "name": "Deal", "amount": "10.00",
                       "currency": "USD"}},
        )  # fmt: skip
        after, _ = await _pipeline(client)

    assert [view["count"] for view, _ in views] == [2, 2, 2]
    assert all(statements >= 1 for _, statements in views)
    assert created["createOpportunity"]["userErrors"] == []
    assert after["count"] == 3
    warnings = [r for r in caplog.records if r.name == "crm_graphql.cache"]
    assert len(warnings) == 1
    assert "unavailable" in warnings[0].getMessage()


@pytest.mark.parametrize(
    "value",
    [
        Decimal("1234.50"),
        Decimal("-0.00"),
        date(2026, 3, 29),
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 3, 30, tzinfo=ZoneInfo("Europe/Berlin")),
        datetime(2026, 3, 29, 3, 30, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
        datetime(2026, 3, 29, 3, 30, 0, 123456),
        ("CLOSED_WON", 3),
        {"$t": "a key that looks like a tag", "n": [1, 2.5, None, True]},
        {1: "int key", ("a", date(2026, 1, 1)): "tuple key"},
        [{"period": date(2026, 1, 1), "amount": Decimal("0.10"), "orders": 2}],
        float("inf"),
    ],
)
def test_cached_values_read_back_equal_and_of_the_same_type(value):
    back = decode(encode(value))

    assert back == value
    assert type(back) is type(value)
    assert repr(back) == repr(value)


def test_values_that_are_not_plain_data_are_not_cached():
    with pytest.raises(TypeError):
        encode({"role": Role.ADMIN})
    with pytest.raises(TypeError):
        encode(object())


def test_a_cache_url_that_is_not_redis_is_refused_naming_the_variable():
    with pytest.raises(SettingsError, match="CRM_CACHE_URL"):
        load_settings(cache_url="http://127.0.0.1:6379")
    with pytest.raises(SettingsError, match="CRM_CACHE_SECONDS"):
        load_settings(cache_seconds=0)
    assert load_settings(cache_url="").cache_url is None
