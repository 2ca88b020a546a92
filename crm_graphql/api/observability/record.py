"""The record of one HTTP request, filled in while it runs and read when it ends."""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class RequestRecord:
    """What one request did: who, which operation, how it ended, what it cost.

    Deliberately holds no query text, variables, headers or response data: everything
    here may be logged.
    """

    request_id: str
    method: str
    #: The route's label (see ``middleware.route_label``), not the raw path.
    route: str
    started: float = field(default_factory=time.perf_counter)
    status: int | None = None
    #: GraphQL operation name (as sent by the client), or None for anonymous operations.
    operation: str | None = None
    #: ``query``, ``mutation`` or ``subscription``.
    operation_type: str | None = None
    user_id: int | None = None
    api_key_id: int | None = None
    #: ``ok``, or the ``extensions.code`` of the first error.
    outcome: str | None = None
    cost_requested: float | None = None
    cost_actual: float | None = None
    #: SQL statements the request sent (counted by ``sql.StatementCounter``).
    statements: int = 0
    #: True while an operation executes: still true at the end when it was stopped.
    unfinished: bool = False

    @property
    def is_operation(self) -> bool:
        """True once a GraphQL operation (or a refusal of one) has been recorded."""
        return self.operation_type is not None or self.outcome is not None

    def final_outcome(self) -> str:
        """``ok``, the first error's code, ``unfinished`` for an operation stopped while
        it ran, or ``http_<status>`` for an answer without a GraphQL outcome."""
        if self.outcome:
            return self.outcome
        if self.unfinished:
            return "unfinished"
        status = self.status or 500
        return "ok" if status < 400 else f"http_{status}"

    @property
    def elapsed(self) -> float:
        """Seconds since the request started."""
        return time.perf_counter() - self.started


#: The record of the request being served (None outside of a request).
current_request: ContextVar[RequestRecord | None] = ContextVar("crm_request", default=None)


def note_outcome(outcome: str) -> None:
    """Record how the current request ended, for answers given outside GraphQL
    execution (e.g. a refusal before the operation is parsed); the first note wins."""
    record = current_request.get()
    if record is not None and record.outcome is None:
        record.outcome = outcome
