"""``create_app(settings)``: the one place where the HTTP application is assembled."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult
from tortoise.connection import get_connection
from tortoise.contrib.starlette import RegisterTortoise

from crm_graphql.api.context import Context
from crm_graphql.api.graphiql import graphiql_response, graphiql_routes
from crm_graphql.api.request_id import RequestIdMiddleware
from crm_graphql.api.schema import build_schema, error_code
from crm_graphql.db.config import tortoise_config
from crm_graphql.settings import Settings, load_settings

logger = logging.getLogger("crm_graphql")


class CrmGraphQL(GraphQL[Context, None]):
    """The GraphQL endpoint: a fresh context (and DataLoaders) per request."""

    def __init__(self, settings: Settings, **kwargs: Any) -> None:
        super().__init__(build_schema(settings), **kwargs)
        self.settings = settings

    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        # No principal yet: the schema's Authentication extension sets it once the
        # operation is known (login and refreshToken need none).
        return Context(settings=self.settings, request=request)

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from this server's own assets: Strawberry's page needs a public CDN."""
        return graphiql_response(request)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """The response body; every error, GraphQL's own included, carries a code."""
        for error in result.errors or ():
            error.extensions = {**(error.extensions or {}), "code": error_code(error)}
        return await super().process_result(request, result)


async def health(request: Request) -> JSONResponse:
    """Liveness and database reachability, for load balancers and orchestrators."""
    try:
        await get_connection("default").execute_query("SELECT 1")
    except Exception:  # any failure means "not ready"; the reason goes to the log
        logger.exception("health check: database unreachable")
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
    return JSONResponse({"status": "ok", "database": "ok"})


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the ASGI application: routes, the ORM lifespan, GraphQL and GraphiQL.

    Raises :class:`~crm_graphql.settings.SettingsError` for settings a server must not
    run with (no ``CRM_JWT_SECRET``, or a short one).
    """
    settings = settings or load_settings()
    settings.validate_for_serving()
    graphql = CrmGraphQL(settings, graphql_ide="graphiql" if settings.graphiql else None)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with RegisterTortoise(app, config=tortoise_config(settings)):
            yield

    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/health", health, methods=["GET"]),
        *graphiql_routes(settings),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(RequestIdMiddleware)], lifespan=lifespan)
    app.state.settings = settings
    return app


def app_from_env() -> Starlette:
    """Factory for uvicorn (``crm_graphql.app:app_from_env``): settings from the environment."""
    return create_app(load_settings())
