"""A database whose connection pool stays lent out past an operation's time limit is
unavailable capacity, not a slow query of the request: 503 ``SERVICE_UNAVAILABLE`` with
``Retry-After``, and the next request is served once connections are free again."""

from __future__ import annotations

import pytest
from tortoise import connections

from tests.limits.conftest import post

READ = {"query": "{ customers(first: 1) { totalCount } }"}


async def test_an_exhausted_pool_is_service_unavailable_not_a_timeout(limited, db):
    if not db.is_mysql:
        pytest.skip("SQLite has one connection and no pool")
    client = await limited(request_timeout_seconds=1.0)
    assert (await post(client, READ)).status_code == 200  # the statement limit is set
    pool = connections.get("default")._pool
    held = [await pool.acquire() for _ in range(pool.maxsize)]
    try:
        response = await post(client, READ)
    finally:
        for connection in held:
            pool.release(connection)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    again = await post(client, READ)
    assert again.status_code == 200 and "errors" not in again.json()
