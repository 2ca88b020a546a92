"""Database behaviour the API relies on: UTC everywhere, health endpoint."""

from __future__ import annotations

import asyncio
from datetime import UTC

import pytest
from tortoise.connection import get_connection

from crm_graphql.domains.customers.models import Customer
from tests.factories import make_customer, make_interaction


async def test_datetimes_are_utc_with_offset_in_the_api(gql, db):
    customer = await make_customer()
    await make_interaction(customer)
    data = await gql.data("{ interactions { nodes { occurredAt createdAt } } }")
    node = data["interactions"]["nodes"][0]
    assert node["occurredAt"].endswith("+00:00")
    assert node["createdAt"].endswith("+00:00")
    row = await Customer.get(pk=customer.pk)
    assert row.created_at.tzinfo is not None
    assert row.created_at.utcoffset().total_seconds() == 0
    assert row.created_at.astimezone(UTC) == customer.created_at.astimezone(UTC)


async def test_every_pooled_mysql_connection_uses_utc(db):
    if not db.is_mysql:
        pytest.skip("SQLite has no session time zone")
    client = get_connection("default")

    async def zone() -> str:
        async with client.acquire_connection() as connection, connection.cursor() as cursor:
            await cursor.execute("SELECT @@session.time_zone")
            (value,) = await cursor.fetchone()
            await asyncio.sleep(0.05)  # hold it so the pool must open others
            return value

    zones = await asyncio.gather(*(zone() for _ in range(6)))
    assert set(zones) == {"+00:00"}


async def test_health_reports_database_ok(gql, db):
    response = await gql.http.get("/health")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
