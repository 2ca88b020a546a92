"""Time limits (asyncio and the SQL server's own) and the masking of server faults."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from tortoise import connections

from crm_graphql.api.limits.timeouts import limit_statement_time, statement_limit_command
from crm_graphql.api.pagination import fields as list_fields
from tests.factories import make_customer

QUERY = "{ customers { nodes { firstName } } }"
#: A read of about two seconds on SQLite, which has no SLEEP.
SQLITE_SLOW = (
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 2000000) "
    "SELECT COUNT(*) AS c FROM n"
)


def _slow_sql(db) -> str:
    return "SELECT SLEEP(4) AS s" if db.is_mysql else SQLITE_SLOW


def _run_first(monkeypatch, sql: str) -> None:
    """Make every root list run ``sql`` on the real database before its own query."""
    original = list_fields.paginate

    async def with_statement_first(*args, **kwargs):
        await connections.get("default").execute_query(sql)
        return await original(*args, **kwargs)

    monkeypatch.setattr(list_fields, "paginate", with_statement_first)


@pytest.fixture
async def restore_statement_limit(db):
    yield
    await limit_statement_time(db.settings.request_timeout_seconds)


async def _sleeping_statements() -> list:
    rows = (
        await connections.get("default").execute_query(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(4)%'"
        )
    )[1]
    return rows


async def test_slow_request_is_stopped_with_timeout_and_the_pool_stays_healthy(
    limited, db, monkeypatch, restore_statement_limit
):
    await make_customer(first_name="Ada")
    client = await limited(request_timeout_seconds=1.0 if db.is_mysql else 0.3)
    await client.data(QUERY)  # the server's statement limit is set on first use
    _run_first(monkeypatch, _slow_sql(db))
    started = time.perf_counter()
    body = await client.execute(QUERY)
    elapsed = time.perf_counter() - started
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "TIMEOUT"
    assert body["data"] is None
    assert elapsed < 2.5
    monkeypatch.undo()
    # On SQLite the abandoned statement finishes in its thread first: later requests
    # wait for it, so they get a longer limit here.
    later = client if db.is_mysql else await limited(request_timeout_seconds=10.0)
    # Following requests work, one after another and many at once (more than the
    # pool's connections): no broken connection was handed out again.
    for _ in range(3):
        assert (await later.data(QUERY))["customers"]["nodes"] == [{"firstName": "Ada"}]
    results = await asyncio.gather(*(later.data(QUERY) for _ in range(15)))
    assert all(r["customers"]["nodes"] == [{"firstName": "Ada"}] for r in results)
    if db.is_mysql:
        pool = connections.get("default")._pool
        assert pool.size <= db.settings.db_pool_max
        # The server stopped the abandoned statement too (its own time limit).
        await asyncio.sleep(0.5)
        assert await _sleeping_statements() == []


async def test_statement_stopped_by_the_sql_server_is_a_timeout_not_a_fault(
    limited, db, monkeypatch, caplog, restore_statement_limit
):
    if not db.is_mysql:
        pytest.skip("SQLite has no statement time limit")
    client = await limited(request_timeout_seconds=10.0)
    await client.data(QUERY)
    assert await limit_statement_time(0.5) in ("max_statement_time=0.5", "max_execution_time=500")
    _run_first(monkeypatch, _slow_sql(db))
    started = time.perf_counter()
    with caplog.at_level(logging.ERROR, logger="crm_graphql.errors"):
        body = await client.execute(QUERY)
    assert time.perf_counter() - started < 3
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "TIMEOUT"
    assert "1969" not in str(body) and "3024" not in str(body)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_the_statement_limit_suits_the_server():
    assert statement_limit_command("10.11.19-MariaDB-0+deb12u1", 2.5) == "max_statement_time=2.5"
    assert statement_limit_command("8.0.36", 2.5) == "max_execution_time=2500"


async def test_fault_carrying_sql_is_masked_with_the_request_id(limited, db, monkeypatch, caplog):
    client = await limited()
    _run_first(monkeypatch, "SELECT secret_column FROM no_such_table_q7 WHERE password = 'x'")
    with caplog.at_level(logging.ERROR, logger="crm_graphql.errors"):
        response = await client.http.post(
            "/graphql", json={"query": QUERY}, headers={"X-Request-ID": "req-fault-000042"}
        )
    body = response.json()
    (error,) = body["errors"]
    assert error["message"] == "Internal server error."
    assert error["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "requestId": "req-fault-000042",
    }
    text = response.text
    for leak in ("no_such_table_q7", "secret_column", "SELECT", "Traceback", ".py", "password"):
        assert leak not in text
    logged = [r for r in caplog.records if "req-fault-000042" in r.getMessage()]
    assert logged and "no_such_table_q7" in str(logged[0].exc_info[1])


async def test_validation_errors_are_not_masked(limited, db):
    client = await limited()
    body = await client.execute("{ customers { nodez { id } } }")
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "Did you mean 'nodes'" in error["message"]


async def test_operations_over_the_concurrency_cap_wait_their_turn_outside_the_time_limit(
    limited, db, monkeypatch
):
    await make_customer(first_name="Ada")
    client = await limited(max_concurrent_operations=1, request_timeout_seconds=1.0)
    original = list_fields.paginate
    running, most = 0, 0

    async def slow_paginate(*args, **kwargs):
        nonlocal running, most
        running += 1
        most = max(most, running)
        try:
            await asyncio.sleep(0.4)  # a slow read: 3 of them take longer than the limit
            return await original(*args, **kwargs)
        finally:
            running -= 1

    monkeypatch.setattr(list_fields, "paginate", slow_paginate)
    started = time.perf_counter()
    results = await asyncio.gather(*(client.execute(QUERY) for _ in range(3)))
    elapsed = time.perf_counter() - started
    assert [r.get("errors") for r in results] == [None, None, None]
    assert all(r["data"]["customers"]["nodes"] == [{"firstName": "Ada"}] for r in results)
    # One at a time, and none was stopped although the last waited longer than the limit.
    assert most == 1
    assert elapsed >= 1.2


CREATE = """mutation { createCustomer(input: {firstName: "Slow", lastName: "Writer"}) {
  customer { id } userErrors { field message } } }"""


async def test_mutation_stopped_at_the_time_limit_is_a_timeout_and_changes_nothing(
    limited, db, restore_statement_limit
):
    # Cut off inside its transaction, the cancelled statement breaks the connection and
    # the rollback reports that instead of the cancellation: still a TIMEOUT, not a fault.
    from crm_graphql.api.mutations.changes import forget, on_change
    from crm_graphql.domains.customers.models import Customer

    client = await limited(request_timeout_seconds=1.0 if db.is_mysql else 0.3)
    await client.data("{ customers { nodes { id } } }")

    async def slow(change) -> None:
        await connections.get("default").execute_query(_slow_sql(db))

    on_change(slow)
    try:
        body = await client.execute(CREATE)
    finally:
        forget(slow)
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "TIMEOUT", body
    assert body["data"] is None
    later = client if db.is_mysql else await limited(request_timeout_seconds=10.0)
    assert (await later.data("{ customers { nodes { firstName } } }"))["customers"]["nodes"] == []
    assert await Customer.filter(first_name="Slow").count() == 0
