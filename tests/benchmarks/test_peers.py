"""The peers of the side-by-side benchmark answer the headline query exactly as the API
does, so that the benchmark compares the same work (PostGraphile needs npm and
PostgreSQL: the benchmark itself checks it on every run)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from benchmarks.headline_latency import HEADLINE
from benchmarks.peers import floor
from benchmarks.peers.shape import first_difference
from benchmarks.peers.textbook import create_textbook_app
from crm_graphql.api.ids import to_global_id
from crm_graphql.demo.seed import generate
from crm_graphql.domains.customers.models import Customer

SIZES = [5, 50]


@pytest.fixture
async def seeded(db):
    """A small demo data set with the newest customer soft-deleted (lists leave it out)."""
    await generate(30, 11, batch_size=500, progress=False)
    newest = await Customer.all().order_by("-created_at", "-id").first()
    await Customer.filter(id=newest.id).update(deleted_at=datetime.now(UTC))
    return db, to_global_id("Customer", newest.id)


async def _api_data(gql, first: int) -> dict:
    return await gql.data(HEADLINE, {"first": first})


@pytest.mark.parametrize("first", SIZES)
async def test_raw_sql_floor_returns_the_api_data(seeded, gql, first):
    backend, deleted = seeded
    expected = await _api_data(gql, first)
    database = await floor.connect(backend.settings.database_url)
    try:
        answer = await floor.customer_360(database, first)
    finally:
        await database.close()

    # As the floor's server writes it: JSON, compared key order, types and values.
    assert first_difference(expected, json.loads(json.dumps(answer))) is None
    nodes = expected["customers"]["nodes"]
    assert len(nodes) == min(first, expected["customers"]["totalCount"])
    assert deleted not in {node["id"] for node in nodes}


@pytest.mark.parametrize("first", SIZES)
async def test_textbook_app_returns_the_api_data(seeded, gql, first):
    backend, _ = seeded
    expected = await _api_data(gql, first)
    app = create_textbook_app(backend.settings.database_url, init_orm=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://textbook") as client:
        response = await client.post(
            "/graphql", json={"query": HEADLINE, "variables": {"first": first}}
        )

    body = response.json()
    assert "errors" not in body, body
    assert first_difference(expected, body["data"]) is None
