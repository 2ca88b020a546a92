"""Read timeouts for slow or half-sent requests, in uvicorn's HTTP protocol.

uvicorn closes a connection left idle between requests (its keep-alive timeout), but
not one that sends half a request: a client that sends ``Content-Length: 1000`` and
then one byte, or headers a line at a time, holds the connection (and the request's
buffers) for as long as it likes. This protocol gives every request
``CRM_HEADER_TIMEOUT_SECONDS`` from its first byte (or the connection's opening) to
the end of its headers, and ``CRM_BODY_TIMEOUT_SECONDS`` from there to the end of its
body; past either it answers ``408`` with a GraphQL error and closes the connection.

``crm-graphql serve`` runs uvicorn with it (``http=TimedHttpToolsProtocol``).
"""

from __future__ import annotations

import asyncio
import json
from functools import cache
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from crm_graphql.api.errors import ErrorCode
from crm_graphql.api.limits.http import error_body
from crm_graphql.settings import load_settings


@cache
def read_timeouts() -> tuple[float, float]:
    """The header and body timeouts of this process, from its settings (uvicorn makes
    the protocol itself, in every worker process: it is given no settings)."""
    settings = load_settings()
    return settings.header_timeout_seconds, settings.body_timeout_seconds


def timeout_response(what: str, seconds: float) -> bytes:
    """A complete ``408`` answer, written straight to the connection."""
    body = json.dumps(
        error_body(
            f"The request {what} did not arrive within {seconds:g} s.",
            ErrorCode.REQUEST_TIMEOUT,
        )
    ).encode()
    head = (
        b"HTTP/1.1 408 Request Timeout\r\n"
        b"content-type: application/json\r\n"
        b"connection: close\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    return head + body


class TimedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with header and body read timeouts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout, self.body_timeout = read_timeouts()
        self._read_timer: asyncio.TimerHandle | None = None

    def _arm(self, seconds: float, what: str) -> None:
        self._disarm()
        if seconds > 0:
            self._read_timer = self.loop.call_later(seconds, self._read_timed_out, what, seconds)

    def _disarm(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None

    def _read_timed_out(self, what: str, seconds: float) -> None:
        self._read_timer = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is None or not cycle.response_started:
            self.transport.write(timeout_response(what, seconds))
        if cycle is not None and not cycle.response_complete:
            # The application waiting for the rest of the body is told the client left.
            cycle.disconnected = True
            cycle.message_event.set()
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout, "headers")

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm(self.header_timeout, "headers")

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._arm(self.body_timeout, "body")

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._disarm()
