"""Tortoise ORM configuration built from :class:`~crm_graphql.settings.Settings`."""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.config_generator import expand_db_url

from crm_graphql.settings import Settings, load_settings

#: Every module that declares models; a new domain adds its ``models`` module here.
MODEL_MODULES = [
    "crm_graphql.domains.users.models",
    "crm_graphql.domains.customers.models",
    "crm_graphql.domains.interactions.models",
    "crm_graphql.domains.orders.models",
    "crm_graphql.domains.sales.models",
    "crm_graphql.domains.auth.models",
    "crm_graphql.domains.audit.models",
    "crm_graphql.db.idempotency",
    "crm_graphql.events.models",
]

#: Every module that declares event subscribers (``domains/<d>/tasks.py``); the server
#: (without a broker) and ``crm-graphql worker`` import them.
SUBSCRIBER_MODULES: list[str] = []

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


def tortoise_config(settings: Settings, database_url: str | None = None) -> dict[str, Any]:
    """The whole Tortoise configuration: one connection, one app with every model."""
    return {
        "connections": {
            "default": connection_config(database_url or settings.database_url, settings)
        },
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def __getattr__(name: str) -> Any:
    # ``TORTOISE_ORM`` is read by Tortoise's own ``tortoise makemigrations`` command (see
    # pyproject.toml). Built on access, so importing this module never reads settings.
    if name == "TORTOISE_ORM":
        return tortoise_config(load_settings())
    raise AttributeError(name)
