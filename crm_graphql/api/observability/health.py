"""Probes for load balancers and orchestrators: alive (``/healthz``) and ready (``/readyz``)."""

from __future__ import annotations

import logging
import pkgutil
from functools import cache
from importlib import import_module

from starlette.requests import Request
from starlette.responses import JSONResponse
from tortoise.connection import get_connection

from crm_graphql.api.availability import RETRY_AFTER_SECONDS
from crm_graphql.db.config import MIGRATIONS_MODULE

logger = logging.getLogger("crm_graphql.health")

#: Tortoise's record of applied migrations, and the app label they are kept under.
MIGRATIONS_TABLE = "tortoise_migrations"
APP_LABEL = "models"


@cache
def migrations_on_disk() -> tuple[str, ...]:
    """Names of the migrations this code ships (Tortoise's own rule for what is one)."""
    package = import_module(MIGRATIONS_MODULE)
    return tuple(
        sorted(
            name
            for _, name, is_package in pkgutil.iter_modules(package.__path__)
            if not is_package and name[0] not in "_~"
        )
    )


async def healthz(request: Request) -> JSONResponse:
    """``GET /healthz``: the process serves requests. Touches nothing else, so a slow
    database does not get a healthy process restarted."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """``GET /readyz``: the database answers and every migration is applied; ``503``
    with the reason otherwise (the details of a failure go to the log)."""
    connection = get_connection("default")
    try:
        await connection.execute_query("SELECT 1")
    except Exception:
        logger.exception("not ready: the database does not answer")
        return _unavailable("database unreachable")
    try:
        _, rows = await connection.execute_query(
            f"SELECT name FROM {MIGRATIONS_TABLE} WHERE app = '{APP_LABEL}'"
        )
    except Exception:
        logger.exception("not ready: the migrations table cannot be read")
        return _unavailable("migrations not applied (no migration record)")
    applied = {row["name"] for row in rows}
    missing = [name for name in migrations_on_disk() if name not in applied]
    if missing:
        return _unavailable(f"migrations not applied: {', '.join(missing)}")
    return JSONResponse({"status": "ok", "database": "ok", "migrations": "applied"})


def _unavailable(reason: str) -> JSONResponse:
    return JSONResponse(
        {"status": "unavailable", "reason": reason},
        503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
