"""Time limits: an asyncio timeout around each operation and, on MySQL and MariaDB, a
limit on every statement enforced by the server itself.

Why both: cancelling a coroutine that waits for a MySQL answer stops the waiting, not
the query. asyncmy then closes the connection (its stream is out of step) and the
pool drops it, so no broken connection is reused; but the server goes on computing
the abandoned query. With the server's own limit the statement ends with an error
after the same time, its connection stays usable, and the server's work stops.

MySQL limits SELECTs with ``max_execution_time`` (milliseconds); MariaDB limits every
statement with ``max_statement_time`` (seconds). The server is asked which it is, and
the session variable goes into the ``init_command`` of every pooled connection.
SQLite has no such limit: there, the asyncio timeout answers the client on time, and
the statement finishes in its thread.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from tortoise import connections
from tortoise.backends.mysql.client import MySQLClient

logger = logging.getLogger("crm_graphql.limits")

#: Server errors of a statement stopped by its time limit (MariaDB, MySQL).
STATEMENT_TIMEOUT_ERRORS = frozenset({1969, 3024})

#: A previous limit in an ``init_command``, replaced when the limit changes.
_PREVIOUS_LIMIT = re.compile(r",?\s*(SESSION\s+)?max_(statement|execution)_time=[0-9.]+")


def statement_limit_command(version: str, seconds: float) -> str:
    """The session assignment limiting statements on a server of ``version``."""
    if "mariadb" in version.lower():
        return f"max_statement_time={seconds:g}"
    return f"max_execution_time={int(seconds * 1000)}"


async def limit_statement_time(seconds: float, connection_name: str = "default") -> str | None:
    """Give every connection of the MySQL pool a statement time limit; returns the
    session assignment (``None`` on SQLite). Cheap when the limit is already there."""
    connection = connections.get(connection_name)
    if not isinstance(connection, MySQLClient) or seconds <= 0:
        return None
    # Untyped on purpose: the server version is cached in an attribute of our own, and
    # the pool's attributes changed below are private to Tortoise and asyncmy.
    client: Any = connection
    version = getattr(client, "crm_server_version", None)
    if version is None:
        rows = (await client.execute_query("SELECT VERSION() AS version"))[1]
        version = client.crm_server_version = str(rows[0]["version"])
    assignment = statement_limit_command(version, seconds)
    current = client.extra.get("init_command") or ""
    if current.endswith(assignment):  # it is always appended last
        return assignment
    base = _PREVIOUS_LIMIT.sub("", current).strip()
    command = f"{base}, {assignment}" if base.upper().startswith("SET ") else None
    command = command or f"SET SESSION {assignment}"
    # Connections made from now on run it; the idle ones are closed and made anew. The
    # attributes are Tortoise's and asyncmy's: neither offers a public way to change
    # the session of an open pool.
    client.extra["init_command"] = command
    client._template["init_command"] = command
    client._pool._conn_kwargs["init_command"] = command
    await client._pool.clear()
    logger.info("SQL statements limited to %ss (%s)", seconds, assignment)
    return assignment


def is_statement_timeout(error: BaseException | None) -> bool:
    """True for the server's error of a statement stopped by its time limit."""
    seen: list[BaseException] = []
    while error is not None and not any(error is known for known in seen):
        seen.append(error)
        args = getattr(error, "args", ())
        # args[0] may be anything (a list: not hashable): only a number is a server code.
        if args and type(args[0]) is int and args[0] in STATEMENT_TIMEOUT_ERRORS:
            return True
        error = error.__cause__ or error.__context__
    return False
