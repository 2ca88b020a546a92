"""``/metrics`` behind a same-host reverse proxy: every client looks local, so the
metrics need the token unless the operator opts in; and clients cannot fill the
operation label with names of their choosing."""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from crm_graphql.app import create_app


async def _get(app, address: str, path: str = "/metrics", **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://crm.test") as http:
        return await http.get(path, headers=headers)


async def test_metrics_are_refused_to_a_local_client_without_the_token_by_default(db):
    # What a reverse proxy on the same host forwards: a loopback client.
    settings = db.settings.model_copy(update={"metrics_allow_loopback": False})
    app = create_app(settings)
    response = await _get(app, "127.0.0.1")
    assert response.status_code == 403
    assert "crm_" not in response.text and "CRM_METRICS_TOKEN" in response.text
    with_token = db.settings.model_copy(
        update={"metrics_allow_loopback": False, "metrics_token": SecretStr("scrape-token-1")}
    )
    app = create_app(with_token)
    assert (await _get(app, "127.0.0.1")).status_code == 401
    ok = await _get(app, "10.1.2.3", Authorization="Bearer scrape-token-1")
    assert ok.status_code == 200 and "crm_http_requests_total" in ok.text


async def test_loopback_scraping_is_an_explicit_opt_in_that_stays_local(db):
    settings = db.settings.model_copy(update={"metrics_allow_loopback": True})
    app = create_app(settings)
    assert (await _get(app, "127.0.0.1")).status_code == 200
    assert (await _get(app, "10.0.0.7")).status_code == 403


async def test_made_up_operation_names_do_not_become_metric_labels(db, gql_as):
    signed_in = await gql_as()
    settings = db.settings.model_copy(update={"metrics_allow_loopback": True})
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://crm.test") as http:
        for n in range(5):
            # Without signing in: named, named by operationName only, and unnamed.
            await http.post("/graphql", json={"query": f"query Flood{n}x {{ __typename }}"})
            await http.post(
                "/graphql", json={"query": "{ __typename }", "operationName": f"Flood{n}y"}
            )
            await http.post("/graphql", json={"query": "{ __typename }"})
        headers = {"Authorization": f"Bearer {signed_in.access_token}"}
        await http.post(
            "/graphql", json={"query": "query RealName { me { name } }"}, headers=headers
        )
        await http.post("/graphql", json={"query": "{ me { name } }"}, headers=headers)
        text = (await http.get("/metrics")).text
    assert "Flood" not in text
    assert 'operation="unauthenticated"' in text
    assert 'operation="anonymous"' in text
    assert 'operation="RealName"' in text
