"""A mutation whose transaction MySQL rolls back to break a deadlock runs again and
succeeds: the client sees one change, not an INTERNAL_SERVER_ERROR."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlparse

import asyncmy
import pytest

from crm_graphql.api.mutations.changes import Changed, forget, on_change
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.sales.models import Opportunity, OpportunityStage
from tests.factories import gid, make_customer, make_opportunity

MOVE = """mutation($id: ID!, $version: Int!) {
  moveOpportunityStage(id: $id, stage: NEGOTIATION, version: $version) {
  opportunity { stage version } userErrors { code } } }"""


async def _connect(url: str) -> Any:
    parts = urlparse(url)
    return await asyncmy.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
        database=parts.path.lstrip("/"),
        autocommit=False,
    )


async def test_a_mutation_chosen_to_break_a_deadlock_runs_again_and_changes_once(gql, db):
    if not db.is_mysql:
        pytest.skip("SQLite has one writer and no deadlocks")
    customer = await make_customer()
    deal = await make_opportunity(customer, stage=OpportunityStage.PROPOSAL)
    other = await make_opportunity(customer, stage=OpportunityStage.PROPOSAL)
    # Rows the other transaction changes so that it weighs more than the mutation and
    # MySQL rolls the mutation back, not it.
    ballast = [await make_opportunity(customer) for _ in range(40)]
    table = Opportunity._meta.db_table
    rival = await _connect(db.settings.database_url)
    runs: list[str] = []
    waiting: list[asyncio.Task[Any]] = []

    async def rival_waits_for_the_deal() -> None:
        async with rival.cursor() as cursor:
            await cursor.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE", (deal.pk,))
        await rival.commit()

    async def cross(event: Changed) -> None:
        if event.pk != deal.pk:
            return
        runs.append(event.verb)
        if len(runs) > 1:
            return
        # The mutation holds the deal's row. The rival changes the ballast and the other
        # deal, then waits for the deal; the mutation then asks for the other deal.
        async with rival.cursor() as cursor:
            for pk in [row.pk for row in ballast] + [other.pk]:  # by key: no other row locked
                await cursor.execute(
                    f"UPDATE {table} SET name = CONCAT(name, '!') WHERE id = %s", (pk,)
                )
        waiting.append(asyncio.create_task(rival_waits_for_the_deal()))
        await asyncio.sleep(0.3)
        await Opportunity._meta.db.execute_query(
            f"SELECT id FROM {table} WHERE id = %s FOR UPDATE", [other.pk]
        )

    on_change(cross)
    try:
        body = await gql.execute(MOVE, {"id": gid(deal), "version": deal.version})
        await asyncio.wait_for(waiting[0], 10)
    finally:
        forget(cross)
        await rival.ensure_closed()

    assert "errors" not in body, body
    moved = body["data"]["moveOpportunityStage"]
    assert moved["userErrors"] == []
    assert moved["opportunity"] == {"stage": "NEGOTIATION", "version": deal.version + 1}
    assert runs == ["move_stage", "move_stage"]  # the first run was rolled back
    row = await Opportunity.get(pk=deal.pk)
    assert (row.stage, row.version) == (OpportunityStage.NEGOTIATION, deal.version + 1)
    # One change recorded, not two: nothing of the rolled-back run stayed.
    events = await AuditEvent.filter(action="opportunity.move_stage", entity_id=str(deal.pk))
    assert len(events) == 1
    # The rival's transaction went through as well.
    assert (await Opportunity.get(pk=other.pk)).name.endswith("!")
