"""The worker process on a real broker (Redis Streams and RabbitMQ): every event's
effect happens exactly once, with two workers, and across a worker killed mid-burst."""

from __future__ import annotations

import os
import signal
from collections import Counter

import pytest
from tortoise.transactions import in_transaction

from crm_graphql.events import DeliveryState, EventDelivery, NewEvent, emit_many
from tests.events.conftest import effects, unfinished, unique_queue, wait_for_effects, wait_until
from tests.events.workers import broker_url, drop_queue, log_of, start_worker, stop_worker, workers

BROKERS = ["redis", "rabbitmq"]


@pytest.fixture(params=BROKERS)
async def broker(request):
    """(broker URL, a queue name of this test only); the queue is removed afterwards."""
    url = broker_url(request.param)
    queue = unique_queue()
    yield url, queue
    await drop_queue(url, queue)


async def _burst(count: int, type_: str = "test.created", **data) -> None:
    async with in_transaction():
        await emit_many([NewEvent(type_, "test", n, data) for n in range(count)])


def _once_each(rows: list[dict], count: int) -> None:
    per_event = Counter((row["event_id"], row["subscriber"]) for row in rows)
    assert len(per_event) == count
    assert set(per_event.values()) == {1}, [key for key, n in per_event.items() if n > 1]


async def test_worker_runs_subscribers_from_the_queue(events_db, broker, tmp_path):
    url, queue = broker
    with workers(tmp_path, events_db, CRM_BROKER_URL=url, CRM_BROKER_QUEUE=queue) as [process]:
        await _burst(50)
        await _burst(1, "flaky.thing", fail_times=2)
        rows = await wait_for_effects(51, within=60)
        assert process.poll() is None, log_of(tmp_path)
    _once_each(rows, 51)
    assert {row["pid"] for row in rows} == {process.pid}
    flaky = await EventDelivery.get(subscriber="test.flaky")
    assert (flaky.state, flaky.attempts) == (DeliveryState.DONE, 3)


async def test_two_workers_handle_500_events_exactly_once(events_db, broker, tmp_path):
    url, queue = broker
    with workers(tmp_path, events_db, 2, CRM_BROKER_URL=url, CRM_BROKER_QUEUE=queue):
        for _ in range(5):
            await _burst(100, sleep=0.002)
        rows = await wait_for_effects(500, within=120)
    _once_each(rows, 500)
    assert await EventDelivery.filter(state=DeliveryState.DONE).count() == 500


async def test_worker_killed_mid_burst_loses_nothing_and_repeats_nothing(
    events_db, broker, tmp_path
):
    url, queue = broker
    env = {"CRM_BROKER_URL": url, "CRM_BROKER_QUEUE": queue}
    first = start_worker(tmp_path, events_db, "--concurrency", "4", **env)
    try:
        await _burst(300, sleep=0.02)

        async def some_done() -> bool:
            return len(await effects()) >= 40

        await wait_until(some_done, within=60)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        assert len(await effects()) < 300  # killed mid-burst
    finally:
        stop_worker(first)
    second = start_worker(tmp_path, events_db, "--concurrency", "4", **env)
    try:
        rows = await wait_for_effects(300, within=120)
    finally:
        stop_worker(second)
    _once_each(rows, 300)
    assert await unfinished() == 0
    assert await EventDelivery.filter(state=DeliveryState.DONE).count() == 300
