"""Issue 12, finding 19: when MariaDB cannot be reached, requests are answered
``SERVICE_UNAVAILABLE`` with HTTP 503 and ``Retry-After`` (not a masked internal error),
``/readyz`` says the database is unreachable, and the server recovers by itself.

A real ``crm-graphql serve`` talks to the real MariaDB through a TCP relay run by the
test; cutting the relay closes the server's open connections (lost mid-session) and
refuses new ones, as a stopped database does; restoring it is the database coming back.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from tests.conftest import MYSQL_URL, _mysql_admin, mysql_database_url
from tests.server import free_port, running_server

pytestmark = pytest.mark.skipif(not MYSQL_URL, reason="CRM_TEST_MYSQL_URL is not set")

EMAIL = "ops-admin@example.com"
PASSWORD = "a-long-test-password-0123"
LOGIN = (
    "mutation($email: String!, $password: String!) {"
    " login(email: $email, password: $password) { accessToken } }"
)
READ = "{ customers(first: 5) { totalCount } }"


class Relay:
    """A TCP relay to the database, in a thread of its own (the server's health checks
    run while the test blocks): ``cut()`` stops listening and closes every relayed
    connection, ``restore()`` listens again on the same port."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def _call(self, coroutine) -> None:  # type: ignore[no-untyped-def]
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, upstream_writer}
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
        )

    async def _listen(self) -> None:
        self.server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, reuse_address=True
        )

    async def _cut(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()

    def restore(self) -> None:
        self._call(self._listen())

    def cut(self) -> None:
        self._call(self._cut())

    def stop(self) -> None:
        self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@pytest.fixture
def relayed_server(tmp_path: Path) -> Iterator[tuple[str, Relay]]:
    """A server on a new MariaDB database (migrated, one ADMIN) reached through a relay."""
    assert MYSQL_URL
    database = f"crm_outage_{uuid.uuid4().hex[:12]}"
    asyncio.run(_mysql_admin(MYSQL_URL, f"CREATE DATABASE {database} CHARACTER SET utf8mb4"))
    direct = mysql_database_url(database)
    cli = [sys.executable, "-c", "from crm_graphql.cli import main; main()"]
    env = {**os.environ, "CRM_DATABASE_URL": direct}
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run(
        [
            *cli,
            "create-user",
            "--email",
            EMAIL,
            "--name",
            "Ops",
            "--role",
            "ADMIN",
            "--password-stdin",
        ],
        env=env,
        input=f"{PASSWORD}\n".encode(),
        check=True,
        capture_output=True,
    )
    parts = urlparse(direct)
    relay = Relay(parts.hostname or "127.0.0.1", parts.port or 3306)
    relay.restore()
    relayed = parts._replace(
        netloc=f"{parts.username or 'root'}:{parts.password or ''}@127.0.0.1:{relay.port}"
    ).geturl()
    try:
        with running_server(
            tmp_path,
            CRM_WORKERS="1",
            CRM_DATABASE_URL=relayed,
            CRM_JWT_SECRET="outage-test-only-jwt-secret-0123456789-abcdefgh",
        ) as url:
            yield url, relay
    finally:
        relay.stop()
        asyncio.run(_mysql_admin(MYSQL_URL, f"DROP DATABASE IF EXISTS {database}"))


def test_unreachable_database_is_503_with_retry_after_and_recovers(
    relayed_server: tuple[str, Relay],
) -> None:
    url, relay = relayed_server
    with httpx.Client(base_url=url, timeout=30) as http:
        login = http.post(
            "/graphql", json={"query": LOGIN, "variables": {"email": EMAIL, "password": PASSWORD}}
        )
        token = login.json()["data"]["login"]["accessToken"]
        headers = {"Authorization": f"Bearer {token}"}
        answer = http.post("/graphql", json={"query": READ}, headers=headers)
        assert answer.json()["data"] == {"customers": {"totalCount": 0}}

        relay.cut()  # the server's pooled connections are lost; new ones are refused
        for _ in range(3):
            refused = http.post("/graphql", json={"query": READ}, headers=headers)
            assert refused.status_code == 503, refused.text
            assert refused.headers["Retry-After"] == "2"
            error = refused.json()["errors"][0]
            assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE", error
            assert error["extensions"]["requestId"] == refused.headers["X-Request-ID"]
        signed_out = http.post(
            "/graphql", json={"query": LOGIN, "variables": {"email": EMAIL, "password": "x"}}
        )
        assert signed_out.status_code == 503, signed_out.text
        ready = http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["reason"] == "database unreachable"
        assert http.get("/healthz").status_code == 200  # the process itself is fine

        relay.restore()
        deadline = time.monotonic() + 30
        while True:
            answer = http.post("/graphql", json={"query": READ}, headers=headers)
            if answer.status_code == 200:
                break
            assert answer.status_code == 503, answer.text
            assert time.monotonic() < deadline, "the server did not recover"
            time.sleep(0.5)
        assert answer.json()["data"] == {"customers": {"totalCount": 0}}
        assert http.get("/readyz").status_code == 200
