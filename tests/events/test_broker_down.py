"""A broker that is down delays event processing, never the API; once it is back, the
events are processed, each once."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from contextlib import contextmanager

import httpx
import pytest
from tortoise.transactions import in_transaction

from crm_graphql.api.roles import Role
from crm_graphql.app import create_app
from crm_graphql.domains.auth.services import issue_session
from crm_graphql.events import NewEvent, OutboxEvent, emit, emit_many
from tests.events.conftest import effects, unique_queue, wait_for_effects, wait_until
from tests.events.workers import log_of, reachable, workers
from tests.factories import make_user
from tests.server import free_port


@contextmanager
def redis_server(port: int):
    """A Redis of this test only, without persistence (a restart loses its data)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not reachable(f"redis://127.0.0.1:{port}/0"):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        process.wait()


async def test_mutations_do_not_wait_for_a_broker_that_is_down(events_db):
    closed = free_port()
    settings = events_db.settings.model_copy(update={"broker_url": f"redis://127.0.0.1:{closed}/0"})
    user = await make_user(Role.ADMIN)
    session = await issue_session(settings, user, "127.0.0.1")
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://crm.test",
        headers={"Authorization": f"Bearer {session.access_token}"},
    ) as http:
        started = time.monotonic()
        response = await http.post(
            "/graphql",
            json={"query": 'mutation { createCompany(input: {name: "Acme"}) { company { id } } }'},
        )
        assert response.json()["data"]["createCompany"]["company"]["id"]
        async with in_transaction():
            await emit("company.created", entity="company", entity_id=1)
        assert time.monotonic() - started < 2.0
    # The mutation's own event (written by the change hook) and the one emitted here.
    assert await OutboxEvent.filter(type="company.created").count() == 2


async def test_events_wait_for_the_broker_and_are_processed_when_it_is_back(events_db, tmp_path):
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    env = {"CRM_BROKER_URL": url, "CRM_BROKER_QUEUE": unique_queue()}
    with redis_server(port) as redis, workers(tmp_path, events_db, **env) as [worker]:
        async with in_transaction():
            await emit_many([NewEvent("test.created", "test", n) for n in range(20)])
        await wait_for_effects(20, within=60)

        redis.terminate()
        redis.wait()
        started = time.monotonic()
        async with in_transaction():
            await emit_many([NewEvent("test.created", "test", n) for n in range(20, 50)])
        assert time.monotonic() - started < 1.0
        await asyncio.sleep(2.0)
        assert len(await effects()) == 20  # nothing processed while the broker is down
        assert worker.poll() is None, log_of(tmp_path)

        with redis_server(port):
            rows = await wait_for_effects(50, within=90)
    assert sorted(row["event_id"] for row in rows) == sorted({row["event_id"] for row in rows})
    assert len(rows) == 50


async def test_worker_starts_while_the_broker_is_down_and_catches_up(events_db, tmp_path):
    port = free_port()
    env = {"CRM_BROKER_URL": f"redis://127.0.0.1:{port}/0", "CRM_BROKER_QUEUE": unique_queue()}
    with workers(tmp_path, events_db, **env) as [worker]:
        async with in_transaction():
            await emit_many([NewEvent("test.created", "test", n) for n in range(10)])
        await asyncio.sleep(1.5)
        assert worker.poll() is None, log_of(tmp_path)
        assert await effects() == []
        with redis_server(port):

            async def all_done() -> bool:
                return len(await effects()) == 10

            await wait_until(all_done, within=90)
