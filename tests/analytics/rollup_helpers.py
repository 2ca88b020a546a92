"""What the rollup tests share: a client of the same app with rollups switched off (the
live path, to compare with), and the check that every stored cell and tally equals the
records."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from crm_graphql.api.aggregation import rollups, samples, tallies
from crm_graphql.app import create_app
from tests.helpers import GraphQLClient


@asynccontextmanager
async def live_client(db: Any, signed_in: GraphQLClient) -> AsyncIterator[GraphQLClient]:
    """A client of an app over the same database that never reads rollups, signed in as
    ``signed_in`` is."""
    app = create_app(db.settings.model_copy(update={"analytics_rollups": False}))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://crm.test",
        headers={"Authorization": f"Bearer {signed_in.access_token}"},
    ) as http:
        yield GraphQLClient(http)


async def verify_clean() -> None:
    """Every rollup cell, tally and samples cell equals what the records say."""
    for rollup in rollups.registered():
        assert await rollups.verify(rollup) == [], rollup.name
    for tally in tallies.registered():
        assert await tallies.verify(tally) == [], tally.name
    for kind in samples.registered():
        assert await samples.verify(kind) == [], kind.name
