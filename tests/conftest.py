"""Fixtures: a real database (SQLite file, and MySQL/MariaDB when CRM_TEST_MYSQL_URL is
set), migrated with the project's own migrations, and the real app over HTTP."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.transactions import in_transaction

from crm_graphql.api.pagination.fetch import forget_list_lengths
from crm_graphql.api.roles import Role
from crm_graphql.app import create_app
from crm_graphql.db.setup import migrate_database
from crm_graphql.domains.auth.services import issue_session
from crm_graphql.modules import database_config
from crm_graphql.settings import Settings, load_settings
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.factories import make_user
from tests.helpers import GraphQLClient, mysql_connection
from tests.server import DemoServer, running_server

MYSQL_URL = os.environ.get("CRM_TEST_MYSQL_URL")

#: The JWT secret of the test server (a fixed one: tests may mint tokens themselves).
TEST_JWT_SECRET = "test-only-jwt-secret-0123456789-abcdefghijklmnop"
#: The client address test requests come from, unless a test picks another.
TEST_CLIENT_ADDRESS = "127.0.0.1"

BACKENDS = [
    "sqlite",
    pytest.param(
        "mysql",
        marks=pytest.mark.skipif(not MYSQL_URL, reason="CRM_TEST_MYSQL_URL is not set"),
    ),
]


@dataclass
class Backend:
    """The database a test runs against."""

    name: str
    settings: Settings

    @property
    def is_mysql(self) -> bool:
        return self.name == "mysql"


async def _mysql_admin(url: str, statement: str) -> None:
    conn = await mysql_connection(url, database=False)
    try:
        async with conn.cursor() as cursor:
            await cursor.execute(statement)
    finally:
        conn.close()


def mysql_database_url(name: str) -> str:
    """CRM_TEST_MYSQL_URL with its database replaced by ``name``."""
    assert MYSQL_URL
    return urlparse(MYSQL_URL)._replace(path=f"/{name}").geturl()


@pytest.fixture(scope="session", params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path_factory) -> AsyncIterator[Backend]:
    """A freshly created, migrated database for the whole session (one per backend)."""
    name = request.param
    dropped: str | None = None
    if name == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "crm-test.sqlite3"
        url = f"sqlite://{path}"
    else:
        dropped = f"crm_test_{uuid.uuid4().hex[:12]}"
        await _mysql_admin(MYSQL_URL, f"CREATE DATABASE {dropped} CHARACTER SET utf8mb4")
        url = mysql_database_url(dropped)
    # A generous operation limit: a stalled CI machine must not fail an unrelated test;
    # the limit itself is tested with small values in tests/limits.
    settings = load_settings(
        database_url=url,
        db_pool_max=10,
        jwt_secret=TEST_JWT_SECRET,
        request_timeout_seconds=30.0,
        # The operations tests scrape /metrics from the loopback address without a token.
        metrics_allow_loopback=True,
    )
    # Tortoise caches INSERT statements per connection name: forget the other dialect's.
    EXECUTOR_CACHE.clear()
    await migrate_database(database_config(settings))
    await Tortoise.init(config=database_config(settings), _enable_global_fallback=True)
    try:
        yield Backend(name, settings)
    finally:
        await Tortoise.close_connections()
        if dropped:
            await _mysql_admin(MYSQL_URL, f"DROP DATABASE IF EXISTS {dropped}")


async def _empty_all_tables(backend: Backend) -> None:
    """Delete every row, on ONE connection: MySQL's FOREIGN_KEY_CHECKS is per session,
    and switching it off on one pooled connection and on again on another would leave a
    connection without foreign-key checks (and without ON DELETE actions)."""
    tables = [model._meta.db_table for model in Tortoise.apps.get_models_iterable()]
    async with in_transaction() as connection:
        if backend.is_mysql:
            await connection.execute_query("SET FOREIGN_KEY_CHECKS = 0")
        else:
            await connection.execute_query("PRAGMA defer_foreign_keys = ON")
        for table in tables:
            await connection.execute_query(f"DELETE FROM {table}")
        if backend.is_mysql:
            await connection.execute_query("SET FOREIGN_KEY_CHECKS = 1")


@pytest.fixture
async def db(backend: Backend) -> AsyncIterator[Backend]:
    """The session database, emptied before the test."""
    await _empty_all_tables(backend)
    forget_list_lengths()  # lists counted by earlier tests are not this one's
    yield backend


ClientFactory = Callable[..., Awaitable[GraphQLClient]]


@pytest.fixture
async def client_factory(db: Backend) -> AsyncIterator[ClientFactory]:
    """Makes GraphQL clients talking HTTP to one real app (ASGI transport).

    ``await client_factory(headers={...}, client_address="10.0.0.7")``: a client that
    sends ``headers`` with every request, from ``client_address``.
    """
    app = create_app(db.settings)
    async with AsyncExitStack() as stack:

        async def make(
            headers: dict[str, str] | None = None,
            client_address: str = TEST_CLIENT_ADDRESS,
            **attributes: object,
        ) -> GraphQLClient:
            transport = httpx.ASGITransport(app=app, client=(client_address, 50000))
            http = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=transport, base_url="http://crm.test", headers=headers or {}
                )
            )
            return GraphQLClient(http, **attributes)  # type: ignore[arg-type]

        yield make


@pytest.fixture
def anon(client_factory: ClientFactory) -> Callable[..., Awaitable[GraphQLClient]]:
    """Makes clients without credentials: ``client = await anon()`` (or
    ``await anon(client_address="10.0.0.7")``)."""
    return client_factory


@pytest.fixture
def gql_as(db: Backend, client_factory: ClientFactory) -> Callable[..., Awaitable[GraphQLClient]]:
    """Makes clients signed in as a new user of a role: ``client = await gql_as(Role.ANALYST)``.

    The user is created in the test's database and signed in through the auth service
    (the same session and access token ``login`` gives, without hashing a password);
    ``client.user``, ``client.access_token`` and ``client.refresh_token`` are set.
    """

    async def make(role: Role = Role.ADMIN, **user_fields: object) -> GraphQLClient:
        user_fields.setdefault("name", f"Test {role.value.title()}")
        user = await make_user(role, **user_fields)
        issued = await issue_session(db.settings, user, TEST_CLIENT_ADDRESS)
        return await client_factory(
            headers={"Authorization": f"Bearer {issued.access_token}"},
            user=user,
            access_token=issued.access_token,
            refresh_token=issued.refresh_token,
        )

    return make


@pytest.fixture
async def gql(gql_as: Callable[..., Awaitable[GraphQLClient]]) -> GraphQLClient:
    """A GraphQL client signed in as an ADMIN (who may read everything)."""
    return await gql_as(Role.ADMIN)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The system Chromium; skips the test where it or the playwright package is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"no browser at {CHROMIUM} (apt-get install chromium)")
    pytest.importorskip("playwright.async_api", reason="the playwright package is not installed")
    return CHROMIUM


@pytest.fixture(scope="module")
async def browser(chromium: Path) -> AsyncIterator[Any]:
    """A headless Chromium (see ``tests/browser.py``), one per test module: each test
    opens its own browser context (``open_page``), which shares nothing with others."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


class DemoServers:
    """``crm-graphql serve --demo`` servers, one per backend, each started when a test
    first asks for it and shared by the test modules that drive pages (the demo data
    takes seconds to make); all stop at the end of the session. On MySQL the server gets
    a new database, migrated first as operators do, and dropped afterwards."""

    #: The JWT secret of the demo servers (tests may sign in over HTTP as demo users).
    JWT_SECRET = "demo-server-test-only-jwt-secret-0123456789-abcdef"

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp_path_factory = tmp_path_factory
        self._servers: dict[str, DemoServer] = {}
        self._stack = ExitStack()
        self._databases: list[str] = []

    async def get(self, backend: str) -> DemoServer:
        """The running demo server on ``backend`` ("sqlite" or "mysql")."""
        if backend not in self._servers:
            workdir = self._tmp_path_factory.mktemp(f"demo-server-{backend}")
            env = {
                "CRM_WORKERS": "1",
                "CRM_JWT_SECRET": self.JWT_SECRET,
                "CRM_GRAPHIQL": "true",
                "CRM_PUBLIC_INTROSPECTION": "true",
            }
            if backend == "mysql":
                assert MYSQL_URL
                database = f"crm_demo_{uuid.uuid4().hex[:12]}"
                await _mysql_admin(MYSQL_URL, f"CREATE DATABASE {database} CHARACTER SET utf8mb4")
                self._databases.append(database)
                env["CRM_DATABASE_URL"] = mysql_database_url(database)
                await asyncio.to_thread(
                    subprocess.run,
                    [sys.executable, "-c", "from crm_graphql.cli import main; main()", "migrate"],
                    env={**os.environ, **env},
                    check=True,
                    capture_output=True,
                )
            url = self._stack.enter_context(running_server(workdir, "--demo", **env))
            self._servers[backend] = DemoServer(url)
        return self._servers[backend]

    async def close(self) -> None:
        """Stop the servers and drop their MySQL databases."""
        self._stack.close()
        for database in self._databases:
            await _mysql_admin(MYSQL_URL or "", f"DROP DATABASE IF EXISTS {database}")


@pytest.fixture(scope="session")
async def demo_servers(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DemoServers]:
    """The session's demo servers: ``await demo_servers.get("sqlite")``."""
    servers = DemoServers(tmp_path_factory)
    try:
        yield servers
    finally:
        await servers.close()
