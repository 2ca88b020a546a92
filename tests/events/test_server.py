"""``crm-graphql serve`` without a broker relays the outbox and runs subscribers itself."""

from __future__ import annotations

import os

from tortoise.transactions import in_transaction

from crm_graphql.events import NewEvent, emit_many
from tests.conftest import TEST_JWT_SECRET
from tests.events.conftest import wait_for_effects
from tests.server import running_server


async def test_server_without_a_broker_runs_subscribers(events_db, tmp_path):
    with running_server(
        tmp_path,
        CRM_DATABASE_URL=events_db.settings.database_url,
        CRM_JWT_SECRET=TEST_JWT_SECRET,
        CRM_EVENTS_SUBSCRIBER_MODULES="tests.events.handlers",
        CRM_EVENTS_POLL_SECONDS="0.05",
    ):
        async with in_transaction():
            await emit_many([NewEvent("test.created", "test", n) for n in range(25)])
        rows = await wait_for_effects(25, within=60)
    assert len({row["event_id"] for row in rows}) == 25
    # The server process did it, not this one.
    assert {row["pid"] for row in rows} - {os.getpid()}
    assert os.getpid() not in {row["pid"] for row in rows}
