"""Applying migrations and opening the ORM outside of a running server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tortoise import Tortoise
from tortoise.migrations.api.migrate import migrate

from crm_graphql.db.config import tortoise_config
from crm_graphql.settings import Settings


async def migrate_database(settings: Settings, database_url: str | None = None) -> None:
    """Apply every migration not yet applied (a no-op on an up-to-date database)."""
    try:
        await migrate(config=tortoise_config(settings, database_url))
    finally:
        await Tortoise.close_connections()


@asynccontextmanager
async def open_database(
    settings: Settings, database_url: str | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Open the ORM for a command-line task; closes the connections afterwards."""
    config = tortoise_config(settings, database_url)
    await Tortoise.init(config=config, _enable_global_fallback=True)
    try:
        yield config
    finally:
        await Tortoise.close_connections()
