"""Fixtures of the integration tests: an app that may send webhooks to loopback, and
the event machinery running in the test's process with short retry delays."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from crm_graphql.api.roles import Role
from crm_graphql.app import create_app
from crm_graphql.domains.auth.services import issue_session
from crm_graphql.domains.integration import tasks, webhooks
from crm_graphql.events.worker import InProcessEvents
from crm_graphql.settings import Settings
from tests.conftest import TEST_CLIENT_ADDRESS, Backend
from tests.factories import make_user
from tests.helpers import GraphQLClient


def integration_settings(backend: Backend, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "webhook_allow_loopback": True,
        "webhook_timeout_seconds": 0.5,
        "events_poll_seconds": 0.05,
        "events_scheduler_max_sleep_seconds": 0.1,
        "events_redelivery_seconds": 5.0,
        "broker_url": None,
        **overrides,
    }
    return backend.settings.model_copy(update=values)


Make = Callable[..., Awaitable[GraphQLClient]]


@pytest.fixture
async def as_role(db: Backend) -> AsyncIterator[Make]:
    """``await as_role(Role.ADMIN, **settings)``: a client of an app with integration
    settings (loopback webhooks allowed), signed in as a new user of the role."""
    async with contextlib.AsyncExitStack() as stack:

        async def make(role: Role = Role.ADMIN, **overrides: object) -> GraphQLClient:
            settings = integration_settings(db, **overrides)
            app = create_app(settings)
            user = await make_user(role, name=f"Test {role.value.title()}")
            issued = await issue_session(settings, user, TEST_CLIENT_ADDRESS)
            http = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app, client=(TEST_CLIENT_ADDRESS, 5000)),
                    base_url="http://crm.test",
                    headers={"Authorization": f"Bearer {issued.access_token}"},
                    timeout=60,
                )
            )
            return GraphQLClient(http, user=user, access_token=issued.access_token)

        yield make


@pytest.fixture
async def worker(db: Backend) -> AsyncIterator[InProcessEvents]:
    """The relay, scheduler and subscriber runs in this process, retrying webhooks after
    0.1-0.2 s instead of 30 s to an hour."""
    settings = integration_settings(db)
    webhooks.configure(settings)
    tasks.register_sender(retry_base_seconds=0.1, retry_max_seconds=0.2, max_attempts=10)
    events = InProcessEvents(settings, concurrency=4)
    await events.start()
    try:
        yield events
    finally:
        await events.stop()
        tasks.register_sender()
        webhooks.configure(None)
