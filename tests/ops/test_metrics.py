"""GET /metrics: requests by operation and outcome, latency, cost, SQL statements and
the connection pool, in Prometheus text format; for local clients or a token holder."""

from __future__ import annotations

import asyncio

import httpx
from pydantic import SecretStr

from crm_graphql.api.limits.timeouts import limit_statement_time
from crm_graphql.api.observability import metrics
from crm_graphql.api.pagination import fields as list_fields
from crm_graphql.api.roles import Role
from crm_graphql.app import create_app
from crm_graphql.domains.auth.services import issue_session
from tests.factories import make_user
from tests.helpers import count_statements
from tests.ops.support import metric

COUNT = "query CustomerCount { customers(first: 5) { totalCount nodes { firstName } } }"
EMAILS = "query CustomerEmails { customers(first: 5) { nodes { email } } }"


async def _scrape(client) -> str:
    response = await client.http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_metrics_count_operations_by_name_and_outcome(gql_as, db):
    admin = await gql_as(Role.ADMIN)
    analyst = await gql_as(Role.ANALYST)
    await admin.data(
        'mutation { createCustomer(input: {firstName: "A", lastName: "B"}) '
        "{ userErrors { code } } }"
    )
    before = await _scrape(admin)

    await admin.data(COUNT)
    await admin.data(COUNT)
    denied = await analyst.execute(EMAILS)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    after = await _scrape(admin)

    def delta(name: str, **labels: str) -> float:
        return metric(after, name, **labels) - metric(before, name, **labels)

    ok = {"operation": "CustomerCount", "type": "query", "outcome": "ok"}
    assert delta("crm_graphql_operations_total", **ok) == 2
    forbidden = {"operation": "CustomerEmails", "type": "query", "outcome": "FORBIDDEN"}
    assert delta("crm_graphql_operations_total", **forbidden) == 1
    assert delta("crm_graphql_operation_duration_seconds_count", operation="CustomerCount") == 2
    assert delta("crm_graphql_operation_duration_seconds_sum", operation="CustomerCount") > 0
    assert delta("crm_http_requests_total", route="/graphql", method="POST", status="200") == 3


async def test_metrics_add_up_the_sql_statements_and_cost_of_each_operation(gql, db):
    before = await _scrape(gql)
    with count_statements(include_authentication=True) as statements:
        body = await gql.execute(COUNT)
    after = await _scrape(gql)
    assert not body.get("errors"), body

    def delta(name: str, **labels: str) -> float:
        return metric(after, name, **labels) - metric(before, name, **labels)

    counted = delta("crm_db_statements_per_request_sum", operation="CustomerCount")
    assert counted == len(statements) > 0
    assert delta("crm_db_statements_per_request_count", operation="CustomerCount") == 1
    requested = body["extensions"]["cost"]["requestedQueryCost"]
    assert delta("crm_graphql_query_cost_sum", kind="requested") == requested > 0
    assert delta("crm_graphql_query_cost_count", kind="actual") == 1


async def test_statements_are_counted_alike_whoever_else_reads_the_statement_log(gql, db):
    # Alone, the counter counts without log records; with another reader (the test's
    # own counter) records are made. Both must find the same statements. (The first
    # operation of a server also asks MySQL which statement time limit it speaks.)
    assert not (await gql.execute(COUNT)).get("errors")
    scrapes = [await _scrape(gql)]
    assert not (await gql.execute(COUNT)).get("errors")
    scrapes.append(await _scrape(gql))
    with count_statements(include_authentication=True) as statements:
        assert not (await gql.execute(COUNT)).get("errors")
    scrapes.append(await _scrape(gql))

    def counted(before: str, after: str) -> float:
        name = "crm_db_statements_per_request_sum"
        return metric(after, name, operation="CustomerCount") - metric(
            before, name, operation="CustomerCount"
        )

    alone, observed = counted(*scrapes[:2]), counted(*scrapes[1:])
    assert alone == observed == len(statements) > 1


async def test_metrics_show_the_pool_with_no_connection_left_lent(gql, db):
    await gql.data(COUNT)
    text = await _scrape(gql)
    expected_max = db.settings.db_pool_max if db.is_mysql else 1
    assert metric(text, "crm_db_pool_max_connections") == expected_max
    assert metric(text, "crm_db_pool_connections") >= 1
    assert metric(text, "crm_db_pool_connections_in_use") == 0
    assert metric(text, "crm_http_requests_in_progress") == 1  # the scrape itself


async def test_metrics_are_refused_to_remote_clients_without_a_token(anon, db):
    remote = await anon(client_address="10.0.0.7")
    response = await remote.http.get("/metrics")
    assert response.status_code == 403
    assert "crm_" not in response.text


async def test_metrics_token_is_required_from_everywhere_when_set(db):
    settings = db.settings.model_copy(update={"metrics_token": SecretStr("scrape-me-please")})
    app = create_app(settings)
    for address in ("127.0.0.1", "10.0.0.7"):
        transport = httpx.ASGITransport(app=app, client=(address, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://crm.test") as http:
            missing = await http.get("/metrics")
            wrong = await http.get("/metrics", headers={"Authorization": "Bearer guess"})
            right = await http.get("/metrics", headers={"Authorization": "Bearer scrape-me-please"})
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"] == "Bearer"
        assert wrong.status_code == 401
        assert right.status_code == 200
        assert "crm_http_requests_total" in right.text


def test_operation_names_beyond_the_label_limit_count_as_other(monkeypatch):
    full = {f"Known{index}" for index in range(metrics.MAX_OPERATION_NAMES)}
    monkeypatch.setattr(metrics, "_known_operations", full)
    assert metrics.operation_label("Known7") == "Known7"
    assert metrics.operation_label("BrandNew") == "other"
    assert metrics.operation_label(None) == "anonymous"
    assert metrics.operation_label("x" * 200) == "other"


async def test_an_operation_stopped_by_the_time_limit_is_counted_as_not_ok(db, monkeypatch):
    original = list_fields.paginate

    async def slow_paginate(*args, **kwargs):
        await asyncio.sleep(3)
        return await original(*args, **kwargs)

    settings = db.settings.model_copy(update={"request_timeout_seconds": 0.3})
    transport = httpx.ASGITransport(app=create_app(settings), client=("127.0.0.1", 50000))
    admin = await make_user(Role.ADMIN)
    token = (await issue_session(settings, admin)).access_token
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://crm.test") as http:
            before = (await http.get("/metrics")).text
            monkeypatch.setattr(list_fields, "paginate", slow_paginate)
            body = (await http.post("/graphql", json={"query": COUNT}, headers=headers)).json()
            monkeypatch.undo()
            after = (await http.get("/metrics")).text
    finally:
        # The time limit also went into the MySQL session of every pooled connection.
        await limit_statement_time(db.settings.request_timeout_seconds)
    assert body["errors"][0]["extensions"]["code"] == "TIMEOUT"
    counted = {
        outcome: metric(
            after, "crm_graphql_operations_total", operation="CustomerCount", outcome=outcome
        )
        - metric(before, "crm_graphql_operations_total", operation="CustomerCount", outcome=outcome)
        for outcome in ("ok", "unfinished", "TIMEOUT")
    }
    assert counted["ok"] == 0
    assert counted == {"ok": 0, "unfinished": 0, "TIMEOUT": 1}
