"""The ASGI middleware that records each request and reports it when it ends."""

from __future__ import annotations

import logging
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_graphql.api.observability import metrics
from crm_graphql.api.observability.logs import ACCESS_LOGGER
from crm_graphql.api.observability.record import RequestRecord, current_request

access_log = logging.getLogger(ACCESS_LOGGER)

#: Paths that are their own ``route`` label; anything else is ``/static`` or ``other``
#: (paths come from clients: each distinct one must not become a time series).
ROUTES = frozenset({"/graphql", "/dashboards", "/health", "/healthz", "/readyz", "/metrics"})


def route_label(scope: Scope) -> str:
    """The route a request went to, as a bounded label value."""
    path: str = scope.get("path", "")
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    if path in ROUTES:
        return path
    if path.startswith("/static/"):
        return "/static"
    return "other"


class ObservabilityMiddleware:
    """Pure ASGI middleware: one :class:`RequestRecord` per HTTP request, turned into
    metrics and one access-log line when the response has been sent.

    It sits inside :class:`~crm_graphql.api.request_id.RequestIdMiddleware`, so the
    request ID is known.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        record = RequestRecord(
            request_id=scope.get("state", {}).get("request_id") or uuid.uuid4().hex,
            method=scope["method"],
            route=route_label(scope),
        )
        token = current_request.set(record)
        metrics.IN_PROGRESS.inc()

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        except BaseException:
            if record.status is None:
                record.status = 500
            raise
        finally:
            metrics.IN_PROGRESS.dec()
            current_request.reset(token)
            _report(record)


def _report(record: RequestRecord) -> None:
    seconds = record.elapsed
    metrics.observe(record, seconds)
    metrics.update_pool_gauges()
    if not access_log.isEnabledFor(logging.INFO):
        return
    fields = {
        "request_id": record.request_id,
        "method": record.method,
        "route": record.route,
        "status": record.status,
        "duration_ms": round(seconds * 1000, 2),
    }
    if record.is_operation:
        fields.update(
            operation=record.operation,
            operation_type=record.operation_type,
            outcome=record.final_outcome(),
            user_id=record.user_id,
            api_key_id=record.api_key_id,
            cost_requested=record.cost_requested,
            cost_actual=record.cost_actual,
            sql_statements=record.statements,
        )
    access_log.info(
        "%s %s %s %.1fms",
        record.method,
        record.route,
        record.status,
        seconds * 1000,
        extra=fields,
    )
