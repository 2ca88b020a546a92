"""With several uvicorn workers, /metrics adds up the samples of all of them."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.ops.support import metric, serving

JWT_SECRET = "ops-test-only-jwt-secret-0123456789-abcdefgh"
REQUESTS = 40
TYPENAME = "query WorkerProbe { __typename }"


def _fresh_connection_get(url: str) -> httpx.Response:
    # A new connection each time, so that requests land on either worker.
    with httpx.Client() as client:
        return client.get(url)


def test_metrics_of_two_workers_add_up(tmp_path: Path) -> None:
    with serving(
        tmp_path,
        "--workers",
        "2",
        CRM_JWT_SECRET=JWT_SECRET,
        CRM_LOG_LEVEL="info",
        CRM_METRICS_ALLOW_LOOPBACK="true",
    ) as server:
        for _ in range(REQUESTS):
            assert _fresh_connection_get(f"{server.url}/readyz").status_code == 200
            with httpx.Client() as client:
                body = client.post(f"{server.url}/graphql", json={"query": TYPENAME}).json()
            assert body["data"] == {"__typename": "Query"}
        # Whichever worker answers a scrape, it reports the requests of both.
        scrapes = [_fresh_connection_get(f"{server.url}/metrics").text for _ in range(6)]
        folder = re.search(r"added up in (\S+)", server.log.read_text())
        assert folder, server.log.read_text()
        assert Path(folder.group(1)).is_dir()

    for text in scrapes:
        assert metric(text, "crm_http_requests_total", route="/readyz") == REQUESTS
        # Operations of callers that are not signed in share one label value.
        probes = metric(
            text, "crm_graphql_operations_total", operation="unauthenticated", outcome="ok"
        )
        assert probes == REQUESTS
        # Each worker has its own SQLite connection (pool of one): both reported theirs.
        assert metric(text, "crm_db_pool_max_connections") == 2
    # The shared folder belongs to one run of the server: it is gone when it stops.
    assert not Path(folder.group(1)).exists()
