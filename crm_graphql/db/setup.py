"""Applying migrations and opening the ORM outside of a running server.

Both take the Tortoise configuration the composition root builds
(``crm_graphql.modules.database_config``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tortoise import Tortoise
from tortoise.migrations.api.migrate import migrate


async def migrate_database(config: dict[str, Any]) -> None:
    """Apply every migration not yet applied (a no-op on an up-to-date database)."""
    try:
        await migrate(config=config)
    finally:
        await Tortoise.close_connections()


@asynccontextmanager
async def open_database(config: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    """Open the ORM for a command-line task; closes the connections afterwards."""
    await Tortoise.init(config=config, _enable_global_fallback=True)
    try:
        yield config
    finally:
        await Tortoise.close_connections()
