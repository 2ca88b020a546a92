"""Prometheus metrics of the server, and the ``GET /metrics`` endpoint.

With several worker processes (``crm-graphql serve --workers N``) each worker writes
its samples to files in ``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess
mode, set up by ``serve``), and a scrape of any worker adds up all of them.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import re
import threading

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from tortoise.connection import get_connection

from crm_graphql.api.observability.record import RequestRecord
from crm_graphql.api.observability.workers import MULTIPROCESS_ENV

# The ``*_created`` timestamp series double the output and no dashboard reads them.
disable_created_metrics()

#: Distinct operation names kept as label values per process; later ones count as
#: ``other``. Names come from clients, and every new one would be a new time series.
MAX_OPERATION_NAMES = 200
_OPERATION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")

_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    "crm_http_requests",
    "HTTP requests by route, method and status code.",
    ["route", "method", "status"],
)
HTTP_SECONDS = Histogram(
    "crm_http_request_duration_seconds",
    "Time from request to the end of the response, by route.",
    ["route"],
    buckets=_SECONDS,
)
IN_PROGRESS = Gauge(
    "crm_http_requests_in_progress",
    "Requests being served right now.",
    multiprocess_mode="livesum",
)
OPERATIONS = Counter(
    "crm_graphql_operations",
    "GraphQL operations by operation name, type and outcome (ok, or the code of the first error).",
    ["operation", "type", "outcome"],
)
OPERATION_SECONDS = Histogram(
    "crm_graphql_operation_duration_seconds",
    "Time to answer a GraphQL operation over HTTP, by operation name.",
    ["operation"],
    buckets=_SECONDS,
)
QUERY_COST = Histogram(
    "crm_graphql_query_cost",
    "Computed cost of GraphQL operations: requested (worst case, before execution) and actual.",
    ["kind"],
    buckets=(1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000),
)
SQL_STATEMENTS = Histogram(
    "crm_db_statements_per_request",
    "SQL statements sent while serving one GraphQL operation, by operation name.",
    ["operation"],
    buckets=(0, 1, 2, 3, 5, 8, 11, 15, 20, 30, 50, 100, 250),
)
POOL_OPEN = Gauge(
    "crm_db_pool_connections",
    "Database connections open in the pool.",
    multiprocess_mode="livesum",
)
POOL_IN_USE = Gauge(
    "crm_db_pool_connections_in_use",
    "Database connections of the pool lent to a request right now.",
    multiprocess_mode="livesum",
)
POOL_MAX = Gauge(
    "crm_db_pool_max_connections",
    "Most connections the pool may open.",
    multiprocess_mode="livesum",
)

#: The label value of every operation of a caller that is not signed in.
UNAUTHENTICATED = "unauthenticated"

_known_operations: set[str] = set()
_known_lock = threading.Lock()


def operation_label(name: str | None) -> str:
    """The label value of an operation name: bounded in length, characters and count."""
    if not name:
        return "anonymous"
    if not _OPERATION_NAME.match(name):
        return "other"
    if name in _known_operations:
        return name
    with _known_lock:
        if len(_known_operations) >= MAX_OPERATION_NAMES:
            return "other"
        _known_operations.add(name)
    return name


def observe(record: RequestRecord, seconds: float) -> None:
    """Turn a finished request's record into samples."""
    status = str(record.status or 500)
    HTTP_REQUESTS.labels(record.route, record.method, status).inc()
    HTTP_SECONDS.labels(record.route).observe(seconds)
    if not record.is_operation:
        return  # not a GraphQL operation (a page, an asset, a probe)
    # Only signed-in callers name label values: otherwise anyone could fill the label
    # cap with made-up operation names before the real ones are seen.
    signed_in = record.user_id is not None or record.api_key_id is not None
    operation = operation_label(record.operation) if signed_in else UNAUTHENTICATED
    OPERATIONS.labels(operation, record.operation_type or "unknown", record.final_outcome()).inc()
    OPERATION_SECONDS.labels(operation).observe(seconds)
    SQL_STATEMENTS.labels(operation).observe(record.statements)
    if record.cost_requested is not None:
        QUERY_COST.labels("requested").observe(record.cost_requested)
    if record.cost_actual is not None:
        QUERY_COST.labels("actual").observe(record.cost_actual)


def pool_state() -> tuple[int, int, int]:
    """Open, lent and maximum connections of the ``default`` connection's pool.

    MySQL uses asyncmy's pool; SQLite has one connection, lent while its lock is held.
    """
    try:
        client = get_connection("default")
    except Exception:  # the ORM is not set up in this process (yet, or any more)
        return 0, 0, 0
    client = getattr(client, "_parent", None) or client  # inside a transaction
    pool = getattr(client, "_pool", None)
    if pool is not None:
        return pool.size, pool.size - pool.freesize, pool.maxsize
    if getattr(client, "_connection", None) is not None:
        lock = getattr(client, "_lock", None)
        return 1, int(lock is not None and lock.locked()), 1
    return 0, 0, 0


def update_pool_gauges() -> None:
    """Sample the pool into its gauges (after each request and on each scrape)."""
    open_, in_use, maximum = pool_state()
    POOL_OPEN.set(open_)
    POOL_IN_USE.set(in_use)
    POOL_MAX.set(maximum)


def is_multiprocess() -> bool:
    """True when samples are shared between worker processes through files."""
    return bool(os.environ.get(MULTIPROCESS_ENV))


def process_exiting() -> None:
    """Called as a worker stops: its live gauges (pool, requests in progress) go away."""
    if is_multiprocess():
        multiprocess.mark_process_dead(os.getpid())


def exposition() -> bytes:
    """Every metric in Prometheus text format; in multiprocess mode, of all workers."""
    if is_multiprocess():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def _may_scrape(request: Request, token: str | None, allow_loopback: bool) -> bool:
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)
    if not allow_loopback:
        # A reverse proxy on the same host makes every client look local.
        return False
    host = request.client.host if request.client is not None else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def metrics_endpoint(request: Request) -> Response:
    """``GET /metrics``: with ``CRM_METRICS_TOKEN`` set, for ``Authorization: Bearer
    <token>`` only; without, refused, unless the operator opted in to loopback clients
    (``CRM_METRICS_ALLOW_LOOPBACK``)."""
    settings = request.app.state.settings
    secret = settings.metrics_token
    token = secret.get_secret_value() if secret is not None else None
    if not _may_scrape(request, token, settings.metrics_allow_loopback):
        if token:
            return PlainTextResponse(
                "A metrics token is required.\n", 401, headers={"WWW-Authenticate": "Bearer"}
            )
        if not settings.metrics_allow_loopback:
            return PlainTextResponse(
                "Set CRM_METRICS_TOKEN to scrape metrics "
                "(or CRM_METRICS_ALLOW_LOOPBACK=true for local clients).\n",
                403,
            )
        return PlainTextResponse("Metrics are served to local clients only.\n", 403)
    update_pool_gauges()
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
