"""Automation on real ``crm-graphql worker`` processes and Redis: a worker killed
during a burst of stage changes loses nothing, and every change makes exactly one task."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from decimal import Decimal

from tortoise.transactions import in_transaction

from crm_graphql.domains.automation.models import (
    AutomationAction,
    AutomationEntity,
    AutomationRule,
    AutomationTrigger,
)
from crm_graphql.domains.sales.models import Opportunity, OpportunityStage
from crm_graphql.domains.tasks.models import Task
from crm_graphql.events import DeliveryState, EventDelivery, NewEvent, emit_many
from tests.events.conftest import unique_queue
from tests.events.workers import broker_url, drop_queue, start_worker, stop_worker
from tests.factories import make_customer, make_user

BURST = 200


async def _wait_for_tasks(count: int, within: float) -> int:
    deadline = time.monotonic() + within
    while (found := await Task.all().count()) < count:
        assert time.monotonic() < deadline, f"{found} of {count} tasks after {within} s"
        await asyncio.sleep(0.1)
    return found


async def test_worker_killed_mid_burst_makes_every_task_exactly_once(db, tmp_path):
    url, queue = broker_url("redis"), unique_queue()
    owner = await make_user()
    customer = await make_customer()
    await AutomationRule.create(
        name="Contract",
        entity=AutomationEntity.OPPORTUNITY,
        trigger=AutomationTrigger.FIELD_CHANGED,
        field="stage",
        to_value="NEGOTIATION",
        action=AutomationAction.CREATE_TASK,
        params={"title": "Contract for {name}"},
    )
    await Opportunity.bulk_create(
        [
            Opportunity(
                customer_id=customer.pk,
                owner_id=owner.pk,
                name=f"Deal {n}",
                amount=Decimal(100),
                currency="EUR",
                stage=OpportunityStage.PROPOSAL,
            )
            for n in range(BURST)
        ]
    )
    ids = list(await Opportunity.all().values_list("id", flat=True))
    async with in_transaction():
        await emit_many(
            [
                NewEvent(
                    "opportunity.updated",
                    "opportunity",
                    pk,
                    {"verb": "move_stage", "changed": {"stage": "NEGOTIATION"}},
                )
                for pk in ids
            ]
        )
    env = {"CRM_BROKER_URL": url, "CRM_BROKER_QUEUE": queue}
    try:
        first = start_worker(tmp_path, db, "--concurrency", "4", **env)
        try:
            await _wait_for_tasks(20, within=120)
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
            assert await Task.all().count() < BURST  # killed mid-burst
        finally:
            stop_worker(first)
        second = start_worker(tmp_path, db, "--concurrency", "4", **env)
        try:
            await _wait_for_tasks(BURST, within=240)
            await asyncio.sleep(1.0)  # nothing more arrives
        finally:
            stop_worker(second)
    finally:
        await drop_queue(url, queue)
    per_opportunity = Counter(await Task.all().values_list("opportunity_id", flat=True))
    assert len(per_opportunity) == BURST and set(per_opportunity.values()) == {1}
    runs = EventDelivery.filter(subscriber="automation.run")
    assert await runs.count() == BURST
    assert await runs.filter(state=DeliveryState.DONE).count() == BURST
