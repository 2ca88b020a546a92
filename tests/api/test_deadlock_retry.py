"""A mutation whose transaction MySQL rolls back to break a deadlock runs again and
succeeds: the client sees one change, not an INTERNAL_SERVER_ERROR; one that loses on
every attempt answers WRITE_CONFLICT and writes nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from crm_graphql.api.mutations.changes import Changed, forget, on_change
from crm_graphql.api.mutations.transaction import DEADLOCK_ATTEMPTS
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.sales.models import Opportunity, OpportunityStage
from tests.factories import gid, make_customer, make_opportunity
from tests.helpers import mysql_connection

MOVE = """mutation($id: ID!, $version: Int!) {
  moveOpportunityStage(id: $id, stage: NEGOTIATION, version: $version) {
  opportunity { stage version } userErrors { code } } }"""


async def _move_against_rivals(gql, db, deal, crossed_runs: int) -> tuple[dict, list[str]]:
    """Move ``deal``; in each of its first ``crossed_runs`` runs a rival transaction
    that weighs more (it has changed 41 other deals) waits for the deal's row while the
    mutation asks for one of the rival's rows, so MySQL rolls the mutation back."""
    customer = await make_customer()
    other = await make_opportunity(customer, stage=OpportunityStage.PROPOSAL)
    ballast = [await make_opportunity(customer) for _ in range(40)]
    table = Opportunity._meta.db_table
    runs: list[str] = []
    rivals: list[tuple[Any, asyncio.Task[Any]]] = []

    async def cross(event: Changed) -> None:
        if event.pk != deal.pk:
            return
        runs.append(event.verb)
        if len(runs) > crossed_runs:
            return
        rival = await mysql_connection(db.settings.database_url, autocommit=False)
        async with rival.cursor() as cursor:
            for pk in [row.pk for row in ballast] + [other.pk]:  # by key: no other row locked
                await cursor.execute(
                    f"UPDATE {table} SET name = CONCAT(name, '!') WHERE id = %s", (pk,)
                )

        async def wait_for_the_deal() -> None:
            async with rival.cursor() as cursor:
                await cursor.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE", (deal.pk,))
            await rival.commit()

        rivals.append((rival, asyncio.create_task(wait_for_the_deal())))
        await asyncio.sleep(0.3)
        await Opportunity._meta.db.execute_query(
            f"SELECT id FROM {table} WHERE id = %s FOR UPDATE", [other.pk]
        )

    on_change(cross)
    try:
        body = await gql.execute(MOVE, {"id": gid(deal), "version": deal.version})
        for _, waiting in rivals:
            await asyncio.wait_for(waiting, 10)
    finally:
        forget(cross)
        for rival, _ in rivals:
            await rival.ensure_closed()
    # Every rival's transaction went through.
    assert (await Opportunity.get(pk=other.pk)).name.endswith("!" * len(rivals))
    return body, runs


async def _move_events(deal: Opportunity) -> int:
    return await AuditEvent.filter(action="opportunity.move_stage", entity_id=str(deal.pk)).count()


async def test_a_mutation_chosen_to_break_a_deadlock_runs_again_and_changes_once(gql, db):
    if not db.is_mysql:
        pytest.skip("SQLite has one writer and no deadlocks")
    deal = await make_opportunity(await make_customer(), stage=OpportunityStage.PROPOSAL)
    body, runs = await _move_against_rivals(gql, db, deal, crossed_runs=1)

    assert "errors" not in body, body
    moved = body["data"]["moveOpportunityStage"]
    assert moved["userErrors"] == []
    assert moved["opportunity"] == {"stage": "NEGOTIATION", "version": deal.version + 1}
    assert runs == ["move_stage", "move_stage"]  # the first run was rolled back
    row = await Opportunity.get(pk=deal.pk)
    assert (row.stage, row.version) == (OpportunityStage.NEGOTIATION, deal.version + 1)
    # One change recorded, not two: nothing of the rolled-back run stayed.
    assert await _move_events(deal) == 1


async def test_a_mutation_that_loses_every_attempt_is_a_write_conflict_and_changes_nothing(gql, db):
    if not db.is_mysql:
        pytest.skip("SQLite has one writer and no deadlocks")
    deal = await make_opportunity(await make_customer(), stage=OpportunityStage.PROPOSAL)
    body, runs = await _move_against_rivals(gql, db, deal, crossed_runs=DEADLOCK_ATTEMPTS)

    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "WRITE_CONFLICT"
    assert error["path"] == ["moveOpportunityStage"]
    assert len(runs) == DEADLOCK_ATTEMPTS
    row = await Opportunity.get(pk=deal.pk)
    assert (row.stage, row.version) == (OpportunityStage.PROPOSAL, deal.version)
    assert await _move_events(deal) == 0
