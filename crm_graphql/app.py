"""``create_app(settings)``: the one place where the HTTP application is assembled."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route
from tortoise.contrib.starlette import RegisterTortoise
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from crm_graphql.api.aggregation.cache import close_view_cache
from crm_graphql.api.dashboards import dashboards_page
from crm_graphql.api.endpoint import CrmGraphQL
from crm_graphql.api.observability import metrics
from crm_graphql.api.observability.health import healthz, readyz
from crm_graphql.api.observability.middleware import ObservabilityMiddleware
from crm_graphql.api.observability.sql import install_statement_counter
from crm_graphql.api.pages import static_mount
from crm_graphql.api.request_id import RequestIdMiddleware
from crm_graphql.api.runtime.gc import tune_after_start
from crm_graphql.domains.auth.services import purge_expired
from crm_graphql.domains.billing.routes import invoice_routes
from crm_graphql.domains.integration.exports import export_routes
from crm_graphql.domains.integration.uploads import import_routes
from crm_graphql.domains.leads.forms import form_routes
from crm_graphql.domains.marketing.unsubscribe import unsubscribe_routes
from crm_graphql.domains.support.surveys import survey_routes
from crm_graphql.events import load_subscriber_modules
from crm_graphql.events.worker import InProcessEvents
from crm_graphql.modules import database_config, subscriber_modules
from crm_graphql.schema import build_schema
from crm_graphql.settings import Settings, load_settings

logger = logging.getLogger("crm_graphql")

#: Request headers a browser on an allowed origin may send (CRM_CORS_ORIGINS).
CORS_REQUEST_HEADERS = [
    "Authorization",
    "Content-Type",
    "X-API-Key",
    "X-Request-ID",
    "Idempotency-Key",
]


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the ASGI application: routes, the ORM lifespan, GraphQL and GraphiQL.

    Raises :class:`~crm_graphql.settings.SettingsError` for settings a server must not
    run with (no ``CRM_JWT_SECRET``, or a short one).
    """
    settings = settings or load_settings()
    settings.validate_for_serving()
    graphql = CrmGraphQL(
        settings,
        build_schema,
        graphql_ide="graphiql" if settings.graphiql else None,
        # File uploads (importCsv): credentials travel in a header, never in cookies, so a
        # cross-site form cannot send an authenticated multipart request.
        multipart_uploads_enabled=True,
    )

    install_statement_counter()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # On shutdown uvicorn first lets in-flight requests finish (CRM_SHUTDOWN_TIMEOUT),
        # then this closes the connection pool.
        async with RegisterTortoise(app, config=database_config(settings)):
            events = await start_events(settings)
            purge = start_session_purge(settings)
            tune_after_start(settings)
            try:
                yield
            finally:
                if purge is not None:
                    purge.cancel()
                if events is not None:
                    await events.stop()
                await close_view_cache(app)
                await graphql.limits.close()
        logger.info("database connections closed")
        metrics.process_exiting()

    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        # The older name of the readiness probe.
        Route("/health", readyz, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics.metrics_endpoint, methods=["GET"]),
        # The dashboards page, and the assets of the browser pages (GraphiQL's too).
        Route("/dashboards", dashboards_page, methods=["GET"]),
        static_mount(settings),
        # The satisfaction survey a customer answers (public; its token is the credential).
        *survey_routes(),
        # CSV export of the lists (signed in; the list's own filter, order and rules).
        *export_routes(),
        # CSV import of customers and companies (a job on the events worker).
        *import_routes(),
        # The printable invoice (signed in, the same rules as the API).
        *invoice_routes(),
        # The unsubscribe link of marketing e-mails (public; its signed token is the
        # credential).
        *unsubscribe_routes(),
        # Lead capture from public websites' forms (public; per-form origins and limits).
        *form_routes(settings),
    ]
    app = Starlette(routes=routes, middleware=middleware(settings), lifespan=lifespan)
    app.state.settings = settings
    return app


async def start_events(settings: Settings) -> InProcessEvents | None:
    """Without a broker, this process relays the outbox and runs the subscribers, so
    automation works on a bare machine; with one, ``crm-graphql worker`` does."""
    if settings.broker_url is not None or not settings.events_in_process:
        return None
    load_subscriber_modules([*subscriber_modules(), *settings.events_subscriber_modules])
    events = InProcessEvents(settings)
    await events.start()
    return events


def start_session_purge(settings: Settings) -> asyncio.Task[None] | None:
    """Every ``CRM_SESSION_PURGE_MINUTES``, delete expired sessions, refresh tokens and
    failed logins (``crm-graphql purge-sessions`` does the same once)."""
    if not settings.session_purge_minutes:
        return None

    async def run() -> None:
        while True:
            await asyncio.sleep(settings.session_purge_minutes * 60)
            try:
                counts = await purge_expired(settings)
                logger.info("purged expired sessions", extra={"purged": counts})
            except Exception:  # the next round tries again
                logger.exception("purging expired sessions failed")

    return asyncio.create_task(run(), name="crm-session-purge")


def middleware(settings: Settings) -> list[Middleware]:
    """The middleware, outermost first: request ID, then the request's record (metrics
    and the access log), then CORS (so refused preflights are recorded too)."""
    stack = [Middleware(RequestIdMiddleware), Middleware(ObservabilityMiddleware)]
    if settings.trusted_proxies:
        # X-Forwarded-For is believed from these proxies only (uvicorn's own handling is
        # switched off by `serve`): anyone else could pick their address at will.
        stack.insert(
            0, Middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
        )
    if settings.cors_origins:
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=CORS_REQUEST_HEADERS,
                expose_headers=["X-Request-ID"],
                # Credentials travel in the Authorization header, never in cookies.
                allow_credentials=False,
                max_age=600,
            )
        )
    return stack


def app_from_env() -> Starlette:
    """Factory for uvicorn (``crm_graphql.app:app_from_env``): settings from the environment."""
    return create_app(load_settings())
