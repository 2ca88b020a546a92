"""The composition root of the CRM's domains: which domains make up the CRM, and the
database configuration derived from them.

A new domain is one line in :data:`DOMAINS` (its models are found in its ``models``
module) and one line each in ``crm_graphql.schema`` for its queries and mutations.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from crm_graphql.db.config import KERNEL_MODEL_MODULES, tortoise_config
from crm_graphql.settings import Settings, load_settings

#: Every domain of the CRM (packages under ``crm_graphql.domains``).
DOMAINS = (
    "users",
    "customers",
    "interactions",
    "orders",
    "sales",
    "support",
    "billing",
    "auth",
    "audit",
    "analytics",
    "integration",
    "marketing",
    "leads",
    "tasks",
    "automation",
    "privacy",
    "timeline",
    "duplicates",
)


def model_modules() -> list[str]:
    """Every module that declares models: each domain's ``models`` and the kernel's."""
    found = []
    for domain in DOMAINS:
        name = f"crm_graphql.domains.{domain}.models"
        if importlib.util.find_spec(name) is not None:
            found.append(name)
    return [*found, *KERNEL_MODEL_MODULES]


def subscriber_modules() -> list[str]:
    """Every module that declares event subscribers: each domain's ``tasks``."""
    return [
        name
        for domain in DOMAINS
        if importlib.util.find_spec(name := f"crm_graphql.domains.{domain}.tasks") is not None
    ]


def database_config(settings: Settings, database_url: str | None = None) -> dict[str, Any]:
    """The Tortoise configuration of the CRM: every domain's models, one connection."""
    return tortoise_config(settings, model_modules(), database_url)


def __getattr__(name: str) -> Any:
    # ``TORTOISE_ORM`` is read by Tortoise's own ``tortoise makemigrations`` command (see
    # pyproject.toml). Built on access, so importing this module never reads settings.
    if name == "TORTOISE_ORM":
        return database_config(load_settings())
    raise AttributeError(name)
