"""Fixtures: a real database (SQLite file, and MySQL/MariaDB when CRM_TEST_MYSQL_URL is
set), migrated with the project's own migrations, and the real app over HTTP."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.contrib.test import truncate_all_models

from crm_graphql.app import create_app
from crm_graphql.db.config import tortoise_config
from crm_graphql.db.setup import migrate_database
from crm_graphql.settings import Settings, load_settings
from tests.helpers import GraphQLClient

MYSQL_URL = os.environ.get("CRM_TEST_MYSQL_URL")

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
    import asyncmy

    parts = urlparse(url)
    conn = await asyncmy.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
    )
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
    settings = load_settings(database_url=url, db_pool_max=10)
    # Tortoise caches INSERT statements per connection name: forget the other dialect's.
    EXECUTOR_CACHE.clear()
    await migrate_database(settings)
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)
    try:
        yield Backend(name, settings)
    finally:
        await Tortoise.close_connections()
        if dropped:
            await _mysql_admin(MYSQL_URL, f"DROP DATABASE IF EXISTS {dropped}")


@pytest.fixture
async def db(backend: Backend) -> AsyncIterator[Backend]:
    """The session database, emptied before the test."""
    await truncate_all_models()
    yield backend


@pytest.fixture
async def gql(db: Backend) -> AsyncIterator[GraphQLClient]:
    """A GraphQL client talking HTTP to the real app (ASGI transport)."""
    app = create_app(db.settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://crm.test") as http:
        yield GraphQLClient(http)
