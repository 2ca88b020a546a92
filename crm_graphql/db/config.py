"""Tortoise ORM configuration built from :class:`~crm_graphql.settings.Settings`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.config_generator import expand_db_url

from crm_graphql.settings import Settings

#: Modules of the kernel's own models (the composition root adds the domains').
KERNEL_MODEL_MODULES = (
    "crm_graphql.db.audit",
    "crm_graphql.db.idempotency",
    "crm_graphql.events.models",
)

MIGRATIONS_MODULE = "crm_graphql.db.migrations"


def connection_config(database_url: str, settings: Settings | None = None) -> dict[str, Any]:
    """Expand a database URL into Tortoise connection settings.

    For MySQL every pooled connection runs ``SET time_zone='+00:00'`` through
    ``init_command``: Tortoise itself sets the zone on the first connection only.
    """
    config = expand_db_url(database_url)
    if config["engine"] == "tortoise.backends.mysql":
        credentials = config["credentials"]
        credentials.setdefault("charset", "utf8mb4")
        credentials["init_command"] = "SET time_zone='+00:00'"
        if settings is not None:
            credentials["minsize"] = settings.db_pool_min
            credentials["maxsize"] = settings.db_pool_max
            credentials["pool_recycle"] = settings.db_pool_recycle
    return config


def tortoise_config(
    settings: Settings, model_modules: Sequence[str], database_url: str | None = None
) -> dict[str, Any]:
    """The whole Tortoise configuration: one connection, one app with every model
    (``model_modules``: see ``crm_graphql.modules.database_config``)."""
    return {
        "connections": {
            "default": connection_config(database_url or settings.database_url, settings)
        },
        "apps": {
            "models": {
                "models": list(model_modules),
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }
