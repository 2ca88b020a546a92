"""Probes: /healthz says the process is alive, /readyz that it can serve (database
answers, every migration applied), /health stays as it was."""

from __future__ import annotations

import uuid

import httpx
import pytest
from tortoise.connection import get_connection

from crm_graphql.api.observability.health import MIGRATIONS_TABLE, migrations_on_disk
from tests.conftest import MYSQL_URL, _mysql_admin, mysql_database_url
from tests.ops.support import serving
from tests.server import free_port

JWT_SECRET = "ops-test-only-jwt-secret-0123456789-abcdefgh"


async def test_healthz_and_readyz_answer_ok_on_a_migrated_database(anon, db):
    client = await anon()
    alive = await client.http.get("/healthz")
    assert alive.status_code == 200
    assert alive.json() == {"status": "ok"}
    ready = await client.http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok", "migrations": "applied"}
    # /health, the older name, is the readiness probe.
    assert (await client.http.get("/health")).json() == ready.json()


async def test_readyz_is_unavailable_while_a_migration_is_not_applied(anon, db):
    client = await anon()
    latest = migrations_on_disk()[-1]
    connection = get_connection("default")
    # Hide the record of the latest migration, as on a database one release behind.
    await connection.execute_query(
        f"UPDATE {MIGRATIONS_TABLE} SET app = 'hidden' WHERE app = 'models' AND name = '{latest}'"
    )
    try:
        response = await client.http.get("/readyz")
    finally:
        await connection.execute_query(
            f"UPDATE {MIGRATIONS_TABLE} SET app = 'models' WHERE app = 'hidden'"
        )
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "reason": f"migrations not applied: {latest}",
    }
    assert (await client.http.get("/healthz")).status_code == 200
    assert (await client.http.get("/readyz")).status_code == 200


@pytest.mark.skipif(not MYSQL_URL, reason="CRM_TEST_MYSQL_URL is not set")
async def test_readyz_on_an_unmigrated_mysql_database_says_so_while_healthz_is_ok(tmp_path):
    name = f"crm_unmigrated_{uuid.uuid4().hex[:8]}"
    await _mysql_admin(MYSQL_URL, f"CREATE DATABASE {name}")
    try:
        # `serve` migrates only SQLite by itself; on MySQL that is `crm-graphql migrate`.
        url = mysql_database_url(name)
        with serving(tmp_path, CRM_DATABASE_URL=url, CRM_JWT_SECRET=JWT_SECRET) as server:
            async with httpx.AsyncClient(base_url=server.url) as http:
                assert (await http.get("/healthz")).status_code == 200
                response = await http.get("/readyz")
    finally:
        await _mysql_admin(MYSQL_URL, f"DROP DATABASE IF EXISTS {name}")
    assert response.status_code == 503
    assert response.json()["reason"] == "migrations not applied (no migration record)"


def test_readyz_is_unavailable_when_the_database_does_not_answer(tmp_path):
    # Nothing listens on the port: the server runs, the database does not answer.
    url = f"mysql://crm:unused@127.0.0.1:{free_port()}/crm"
    with serving(tmp_path, CRM_DATABASE_URL=url, CRM_JWT_SECRET=JWT_SECRET) as server:
        assert httpx.get(f"{server.url}/healthz").status_code == 200
        response = httpx.get(f"{server.url}/readyz", timeout=30)
        log = server.log.read_text()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "database unreachable"}
    assert "not ready: the database does not answer" in log
