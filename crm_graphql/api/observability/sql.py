"""Counting the SQL statements of each request.

Tortoise ORM reports every statement it sends on the ``tortoise.db_client`` logger at
DEBUG level; that is its only hook for them. A handler on that logger adds one to the
current request's record per statement.
"""

from __future__ import annotations

import logging

from crm_graphql.api.observability.record import current_request

#: The statements counted (scripts such as migrations and transaction control are not).
SQL_VERBS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "REPLACE")
SQL_LOGGER = "tortoise.db_client"
#: Database drivers whose DEBUG records show each statement with its parameters.
DRIVER_LOGGERS = ("aiosqlite",)


class StatementCounter(logging.Handler):
    """Adds one to ``RequestRecord.statements`` for each statement Tortoise sends."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)

    def emit(self, record: logging.LogRecord) -> None:
        """Count the record when it is a statement sent while a request is served."""
        count(record.args)


def count(args: object) -> None:
    """Add one to the current request's statements when ``args`` (a statement record's
    arguments: the SQL and its values) hold a statement."""
    request = current_request.get()
    if request is None or not isinstance(args, tuple) or not args:
        return
    sql = args[0]
    if isinstance(sql, str) and sql.lstrip()[:7].upper().startswith(SQL_VERBS):
        request.statements += 1


class StatementLogger(logging.Logger):
    """The statement logger when the counter is its only reader: a statement is counted
    without building the log record nobody else would see (a record costs more than
    the counting, for every statement of every request). With any other handler,
    filter or propagation, records are made and handled as usual."""

    def debug(self, msg: object, *args: object, **kwargs: object) -> None:
        """Count the statement directly when nothing but the counter would read it."""
        handlers = self.handlers
        if (
            not kwargs
            and len(handlers) == 1
            and type(handlers[0]) is StatementCounter
            and not handlers[0].filters
            and handlers[0].level <= logging.DEBUG
            and not self.filters
            and not self.propagate
            and not self.disabled
            and self.isEnabledFor(logging.DEBUG)
        ):
            count(args)
            return
        super().debug(msg, *args, **kwargs)  # type: ignore[arg-type]


def install_statement_counter() -> None:
    """Attach the counter to Tortoise's statement logger (once per process).

    The logger stops propagating: its records carry the statements' parameter values
    (personal data, password and token hashes), which must never reach the log output,
    whatever level the root logger is set to. The SQLite driver's own DEBUG records
    carry them too, and are held back for the same reason.
    """
    logger = logging.getLogger(SQL_LOGGER)
    if not any(isinstance(handler, StatementCounter) for handler in logger.handlers):
        logger.addHandler(StatementCounter())
    if type(logger) is logging.Logger:
        # Tortoise holds this very object (``tortoise.log.db_client_logger``), so it is
        # given the counting class in place rather than replaced.
        logger.__class__ = StatementLogger
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    for name in DRIVER_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
