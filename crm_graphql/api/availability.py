"""A database that cannot be reached: told apart from a bug, answered ``503``.

Connection refused, a connection lost or killed mid-statement, the server shutting
down, too many connections: none is a fault of the request or of the code, and each
ends when the database is back. The client is told ``SERVICE_UNAVAILABLE`` with HTTP
503 and ``Retry-After``, so that it retries instead of reporting a bug.
"""

from __future__ import annotations

from tortoise.connection import get_connection
from tortoise.exceptions import DBConnectionError

from crm_graphql.api.errors import CrmError, ErrorCode

#: Seconds a client is asked to wait before retrying.
RETRY_AFTER_SECONDS = 2

#: MySQL/MariaDB errors of an unreachable server or a lost connection: 1040 too many
#: connections, 1053 server shutdown, 1927 connection killed (MariaDB), 2002/2003
#: cannot connect, 2006 server gone away, 2013 lost connection, 2055 lost at reading.
UNAVAILABLE_ERRORS = frozenset({1040, 1053, 1927, 2002, 2003, 2006, 2013, 2055})


def _chain(error: BaseException | None) -> list[BaseException]:
    """The error and its causes (a chain may loop: each is listed once)."""
    seen: list[BaseException] = []
    while error is not None and not any(error is known for known in seen):
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen


def is_database_unavailable(error: BaseException | None) -> bool:
    """True when ``error`` (or what caused it) says the database cannot be reached."""
    for cause in _chain(error):
        if isinstance(cause, DBConnectionError | ConnectionError):
            return True
        code = cause.args[0] if cause.args else None
        if type(code) is int and code in UNAVAILABLE_ERRORS:
            return True
        if type(cause).__name__ == "InterfaceError" and "closed" in str(cause).lower():
            return True
    return False


#: The MySQL/MariaDB error of a transaction rolled back to break a deadlock.
DEADLOCK_ERROR = 1213


def is_deadlock(error: BaseException | None) -> bool:
    """True when ``error`` (or what caused it) says the database rolled the transaction
    back to break a deadlock: nothing of it was written, and running it again succeeds
    once the other transaction is through."""
    for cause in _chain(error):
        code = cause.args[0] if cause.args else None
        if type(code) is int and code == DEADLOCK_ERROR:
            return True
    return False


def pool_exhausted(connection_name: str = "default") -> bool:
    """True when every connection of the MySQL pool is lent: an operation that ran out
    of time now waited for the database's capacity, not for its own statements to end.
    (SQLite has one connection and no pool: a slow statement there is the request's.)"""
    try:
        client = get_connection(connection_name)
    except Exception:  # the ORM is not set up in this process
        return False
    client = getattr(client, "_parent", None) or client  # inside a transaction
    pool = getattr(client, "_pool", None)
    if pool is None:
        return False
    return bool(pool.maxsize) and pool.size - pool.freesize >= pool.maxsize


def unavailable_error(request_id: str | None = None) -> CrmError:
    """The error of an operation that could not reach the database."""
    extra = {"requestId": request_id} if request_id else {}
    return CrmError(
        f"The database cannot be reached right now; retry in {RETRY_AFTER_SECONDS} s.",
        ErrorCode.SERVICE_UNAVAILABLE,
        retryAfter=RETRY_AFTER_SECONDS,
        **extra,
    )
