"""Log output: one JSON object (or one plain line) per log record, configured once.

``logging_config(settings)`` is a :func:`logging.config.dictConfig` dictionary; ``crm-graphql
serve`` hands it to uvicorn, which applies it in every worker, so the server's own
messages and uvicorn's come out in the same format. Every record written while a
request is served carries that request's ID.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from crm_graphql.api.observability.record import current_request
from crm_graphql.settings import Settings

#: Logger of the one line per request.
ACCESS_LOGGER = "crm_graphql.access"

# Attributes every LogRecord has; anything else was passed in ``extra`` and is a field.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's coloured copy of the message
}


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {
        key: value
        for key, value in record.__dict__.items()
        if key not in _STANDARD and not key.startswith("_")
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as compact JSON (values that are not JSON become strings)."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, separators=(",", ":"))


class TextFormatter(logging.Formatter):
    """``time level logger: message key=value ...``, for reading in a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        """The line, followed by the record's fields."""
        line = super().formatMessage(record)
        fields = " ".join(f"{key}={value}" for key, value in _fields(record).items())
        return f"{line} {fields}" if fields else line


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` to every record written while a request is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Never drops a record; only adds the field."""
        request = current_request.get()
        if request is not None and not hasattr(record, "request_id"):
            record.request_id = request.request_id
        return True


def logging_config(settings: Settings) -> dict[str, Any]:
    """The dictConfig of the server process (and of each worker)."""
    level = settings.log_level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": RequestContextFilter}},
        "formatters": {
            "json": {"()": JsonFormatter},
            "text": {"()": TextFormatter},
        },
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": settings.log_format,
                "filters": ["request"],
                "level": level,
            }
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            # uvicorn's messages go through the root handler, in the same format.
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            # Replaced by the one line per request of ACCESS_LOGGER, which knows more.
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
