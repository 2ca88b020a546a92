"""emit(): an event commits with its change or not at all; what subscribers receive."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tortoise.transactions import in_transaction

from crm_graphql.domains.customers.models import Company
from crm_graphql.events import (
    InvalidEvent,
    NewEvent,
    NotInTransaction,
    OutboxEvent,
    emit,
    emit_many,
)
from tests.factories import BASE_TIME, make_company
from tests.helpers import count_statements


class Boom(Exception):
    pass


async def test_event_commits_with_the_change(events_db):
    async with in_transaction():
        company = await make_company(name="Acme")
        event_id = await emit(
            "company.created",
            entity="company",
            entity_id=company.pk,
            data={"name": "Acme"},
            actor_id=7,
        )
    event = await OutboxEvent.get(id=event_id)
    assert (event.type, event.entity_type, event.entity_id) == (
        "company.created",
        "company",
        str(company.pk),
    )
    assert event.data == {"name": "Acme"}
    assert event.actor_id == 7
    assert event.relayed_at is None


async def test_rolled_back_change_leaves_no_event(events_db):
    with pytest.raises(Boom):
        async with in_transaction():
            company = await make_company(name="Gone")
            await emit("company.created", entity="company", entity_id=company.pk)
            raise Boom
    assert await Company.filter(name="Gone").count() == 0
    assert await OutboxEvent.all().count() == 0


async def test_failed_event_write_rolls_back_the_change(events_db):
    # The other direction: no change without its event.
    with pytest.raises(InvalidEvent):
        async with in_transaction():
            await make_company(name="Half")
            await emit("Not A Type", entity="company", entity_id=1)
    assert await Company.filter(name="Half").count() == 0


async def test_emit_outside_a_transaction_is_refused(events_db):
    with pytest.raises(NotInTransaction):
        await emit("company.created", entity="company", entity_id=1)
    assert await OutboxEvent.all().count() == 0


async def test_event_data_keeps_money_and_times_as_text(events_db):
    async with in_transaction():
        await emit(
            "opportunity.stage_changed",
            entity="opportunity",
            entity_id=3,
            data={"amount": Decimal("1200.50"), "at": BASE_TIME, "stages": ("A", "B")},
        )
    event = await OutboxEvent.get()
    assert event.data == {
        "amount": "1200.50",
        "at": "2026-01-01T09:00:00+00:00",
        "stages": ["A", "B"],
    }


async def test_bulk_emit_writes_every_event_in_the_transaction(events_db):
    async with in_transaction():
        await emit_many(
            [NewEvent("customer.updated", "customer", n, {"n": n}) for n in range(1, 1501)]
        )
    assert await OutboxEvent.all().count() == 1500
    assert {e.data["n"] for e in await OutboxEvent.all()} == set(range(1, 1501))


async def test_emitting_costs_one_statement_whatever_the_number_of_events(events_db):
    async with in_transaction():
        with count_statements() as one:
            await emit("customer.updated", entity="customer", entity_id=1)
        with count_statements() as many:
            await emit_many([NewEvent("customer.updated", "customer", n) for n in range(500)])
    assert len(one) == len(many) == 1
