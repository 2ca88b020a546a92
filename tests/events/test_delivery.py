"""Subscribers run after the commit, once in effect per (subscriber, event); failures
are retried with backoff and recorded, never felt by the change that emitted them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from crm_graphql.events import (
    DeliveryState,
    EventDelivery,
    NewEvent,
    OutboxEvent,
    Outcome,
    Policy,
    emit,
    emit_many,
    run_delivery,
)
from crm_graphql.events.relay import relay_pass
from tests.events.conftest import effects, fast_settings, wait_for_effects, wait_until
from tests.events.handlers import EFFECTS
from tests.factories import make_company


async def _emit(type_: str, count: int = 1, **data) -> list[int]:
    async with in_transaction():
        return [await emit(type_, entity="test", entity_id=n, data=data) for n in range(count)]


async def test_in_process_runner_handles_each_event_once(in_process):
    async with in_transaction():
        await emit_many([NewEvent("test.created", "test", n) for n in range(60)])
    rows = await wait_for_effects(60)
    assert len(rows) == 60
    assert len({row["event_id"] for row in rows}) == 60
    deliveries = await EventDelivery.all()
    assert {(d.state, d.attempts) for d in deliveries} == {(DeliveryState.DONE, 1)}


async def test_each_subscriber_of_an_event_runs_once(in_process):
    [event_id] = await _emit("test.fanout")
    rows = await wait_for_effects(2)
    assert sorted((row["event_id"], row["subscriber"]) for row in rows) == [
        (event_id, "test.effects"),
        (event_id, "test.second"),
    ]


async def test_event_without_subscribers_is_relayed_and_left_alone(events_db):
    await _emit("nobody.listens")
    relayed, deliveries = await relay_pass(fast_settings(events_db))
    assert (relayed, deliveries) == (1, [])
    assert (await OutboxEvent.get()).relayed_at is not None
    assert await EventDelivery.all().count() == 0


async def test_failing_handler_is_retried_until_it_succeeds(in_process):
    [event_id] = await _emit("flaky.thing", fail_times=2)
    rows = await wait_for_effects(1)
    assert [(row["event_id"], row["attempt"]) for row in rows] == [(event_id, 3)]
    delivery = await EventDelivery.get(event_id=event_id)
    assert (delivery.state, delivery.attempts, delivery.last_error) == (
        DeliveryState.DONE,
        3,
        None,
    )


async def test_handler_failing_every_time_is_recorded_failed_with_its_error(in_process):
    async with in_transaction():
        company = await make_company(name="Kept")
        event_id = await emit(
            "flaky.thing", entity="company", entity_id=company.pk, data={"fail_times": 99}
        )
    await wait_until(lambda: _state_is(event_id, DeliveryState.FAILED))
    delivery = await EventDelivery.get(event_id=event_id)
    assert delivery.attempts == 3  # the subscriber's max_attempts
    assert "planned failure on attempt 3" in delivery.last_error
    assert delivery.due_at is None and delivery.finished_at is not None
    assert await effects() == []
    # The change that emitted the event is untouched.
    assert await company.__class__.filter(name="Kept").count() == 1


async def test_permanent_failure_is_not_retried(in_process):
    [event_id] = await _emit("test.created", permanent=True)
    await wait_until(lambda: _state_is(event_id, DeliveryState.FAILED))
    delivery = await EventDelivery.get(event_id=event_id)
    assert delivery.attempts == 1
    assert delivery.last_error == "the template refers to an unknown field"


async def _state_is(event_id: int, state: DeliveryState) -> bool:
    delivery = await EventDelivery.get_or_none(event_id=event_id)
    return delivery is not None and delivery.state == state


async def test_redelivering_a_finished_run_has_no_second_effect(events_db):
    settings = fast_settings(events_db)
    [event_id] = await _emit("test.created")
    await relay_pass(settings)
    assert await run_delivery(event_id, "test.effects", settings) == Outcome.DONE
    assert await run_delivery(event_id, "test.effects", settings) == Outcome.SKIPPED
    assert len(await effects()) == 1


async def test_concurrent_deliveries_of_one_run_have_one_effect(events_db):
    settings = fast_settings(events_db)
    event_ids = await _emit("test.created", count=5, sleep=0.05)
    await relay_pass(settings)
    outcomes = await asyncio.gather(
        *(
            run_delivery(event_id, "test.effects", settings)
            for event_id in event_ids
            for _ in range(4)
        )
    )
    assert outcomes.count(Outcome.DONE) == 5
    assert outcomes.count(Outcome.SKIPPED) == 15
    rows = await effects()
    assert sorted(row["event_id"] for row in rows) == sorted(event_ids)


async def test_failed_attempt_leaves_no_partial_effect(events_db):
    # The handler wrote nothing that survived: its transaction rolled back.
    settings = fast_settings(events_db)
    [event_id] = await _emit("flaky.thing", fail_times=1)
    await relay_pass(settings)
    assert await run_delivery(event_id, "test.flaky", settings) == Outcome.RETRY
    delivery = await EventDelivery.get(event_id=event_id)
    assert (delivery.state, delivery.attempts) == (DeliveryState.RETRYING, 1)
    assert delivery.due_at is not None
    assert await effects() == []


async def test_external_subscriber_claims_its_run_before_its_effect(events_db):
    settings = fast_settings(events_db)
    [event_id] = await _emit("external.call", sleep=0.1)
    await relay_pass(settings)
    outcomes = await asyncio.gather(
        *(run_delivery(event_id, "test.external", settings) for _ in range(3))
    )
    assert sorted(outcomes) == [Outcome.DONE, Outcome.SKIPPED, Outcome.SKIPPED]
    assert len(await effects()) == 1


async def test_unknown_subscriber_is_retried_not_lost(events_db):
    settings = fast_settings(events_db)
    [event_id] = await _emit("test.created")
    await relay_pass(settings)
    assert await run_delivery(event_id, "gone.subscriber", settings) == Outcome.SKIPPED
    await EventDelivery.filter(event_id=event_id).update(subscriber="gone.subscriber")
    assert await run_delivery(event_id, "gone.subscriber", settings) == Outcome.RETRY
    delivery = await EventDelivery.get(event_id=event_id)
    assert "no subscriber named 'gone.subscriber'" in delivery.last_error


def test_retry_delays_grow_exponentially_with_jitter():
    policy = Policy(max_attempts=10, retry_base_seconds=2, retry_max_seconds=60, timeout_seconds=1)
    for attempt, ceiling in [(1, 2), (2, 4), (3, 8), (4, 16), (6, 60), (9, 60)]:
        delays = {policy.retry_delay(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(delays) > 1  # jittered


async def test_effects_table_is_only_written_by_handlers(events_db):
    # Guards the other tests: the effects table starts empty.
    assert await effects() == []
    assert EFFECTS == "test_event_effect"


async def test_a_run_with_a_heartbeat_keeps_its_claim_past_its_lease(events_db):
    # Lease 0.6 s, renewed every 0.2 s: a run of 2 s is not taken over while it lives.
    settings = fast_settings(events_db)
    [event_id] = await _emit("leased.job", sleep=2.0)
    await relay_pass(settings)
    first = asyncio.ensure_future(run_delivery(event_id, "test.leased", settings))
    await asyncio.sleep(1.2)
    assert await run_delivery(event_id, "test.leased", settings) == Outcome.SKIPPED
    assert await first == Outcome.DONE
    assert len(await effects()) == 1
    delivery = await EventDelivery.get(event_id=event_id)
    assert (delivery.state, delivery.attempts) == (DeliveryState.DONE, 1)


async def test_a_run_whose_heartbeat_stopped_is_taken_over_after_its_lease(events_db):
    settings = fast_settings(events_db)
    [event_id] = await _emit("leased.job")
    await relay_pass(settings)
    # A worker claimed the run and died: its claim is not renewed.
    started = datetime.now(UTC) - timedelta(seconds=0.3)
    await EventDelivery.filter(event_id=event_id).update(
        state=DeliveryState.RUNNING, started_at=started
    )
    assert await run_delivery(event_id, "test.leased", settings) == Outcome.SKIPPED
    await asyncio.sleep(0.5)
    assert await run_delivery(event_id, "test.leased", settings) == Outcome.DONE
    assert len(await effects()) == 1


async def test_a_run_that_lost_its_claim_stops(events_db):
    settings = fast_settings(events_db)
    [event_id] = await _emit("leased.job", sleep=2.0)
    await relay_pass(settings)
    first = asyncio.ensure_future(run_delivery(event_id, "test.leased", settings))
    await asyncio.sleep(0.3)
    # Another worker took the run over (as after a heartbeat that came too late).
    await EventDelivery.filter(event_id=event_id).update(started_at=datetime.now(UTC))
    assert await first == Outcome.SKIPPED
    assert await effects() == []
    assert (await EventDelivery.get(event_id=event_id)).state == DeliveryState.RUNNING
