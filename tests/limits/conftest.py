"""Fixtures of the query-limit tests: the real app built with chosen limits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from crm_graphql.api.roles import Role
from crm_graphql.app import create_app
from crm_graphql.domains.auth.services import issue_session
from tests.conftest import TEST_CLIENT_ADDRESS, Backend
from tests.factories import make_user
from tests.helpers import GraphQLClient

LimitedFactory = Callable[..., Awaitable[GraphQLClient]]


@pytest.fixture
async def limited(db: Backend) -> AsyncIterator[LimitedFactory]:
    """Makes clients of a real app built with settings overridden for the test.

    ``await limited(max_aliases=2)``: signed in as a new ADMIN; ``role=`` picks another
    role, ``signed_in=False`` sends no credentials, ``app=`` reuses an app made before
    (``client.app``), so several clients can share one server.
    """
    async with AsyncExitStack() as stack:

        async def make(
            *,
            role: Role = Role.ADMIN,
            signed_in: bool = True,
            app: Starlette | None = None,
            client_address: str = TEST_CLIENT_ADDRESS,
            **overrides: Any,
        ) -> GraphQLClient:
            if app is None:
                app = create_app(db.settings.model_copy(update=overrides))
            headers, user = {}, None
            if signed_in:
                user = await make_user(role)
                issued = await issue_session(db.settings, user, TEST_CLIENT_ADDRESS)
                headers["Authorization"] = f"Bearer {issued.access_token}"
            transport = httpx.ASGITransport(app=app, client=(client_address, 50000))
            http = await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://crm.test", headers=headers)
            )
            client = GraphQLClient(http, user=user)
            client.app = app  # type: ignore[attr-defined]
            return client

        yield make


async def post(client: GraphQLClient, body: Any, **kwargs: Any) -> httpx.Response:
    """POST ``body`` as JSON to /graphql, whatever its shape (a list for batches)."""
    return await client.http.post("/graphql", json=body, **kwargs)
