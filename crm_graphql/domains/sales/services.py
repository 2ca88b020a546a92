"""The rules of opportunities: what a new or changed opportunity may hold, and how it
moves through the pipeline. Used by the GraphQL mutations (and anything else that
changes opportunities), each returning the column values to write."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from crm_graphql.api import validation
from crm_graphql.api.mutations.inputs import given
from crm_graphql.api.mutations.problems import Path, Problems, UserErrorCode
from crm_graphql.api.mutations.writes import Change
from crm_graphql.db.values import column_values
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.sales.models import (
    STAGE_PROBABILITY,
    Opportunity,
    OpportunityStage,
    OpportunityStageChange,
)

CLOSED_STAGES = (OpportunityStage.CLOSED_WON, OpportunityStage.CLOSED_LOST)


def _probability(problems: Problems, path: Path, value: int | None) -> int | None:
    if value is None:
        problems.add(path, "Must not be null.", UserErrorCode.REQUIRED)
        return None
    if not 0 <= value <= 100:
        problems.add(path, "From 0 to 100.", UserErrorCode.OUT_OF_RANGE)
    return value


def _close_date(problems: Problems, path: Path, value: date | None, earliest: date) -> date | None:
    if value is not None and value < earliest:
        problems.add(
            path, f"Must not be before {earliest.isoformat()}.", UserErrorCode.OUT_OF_RANGE
        )
    return value


def lost_reason(
    problems: Problems, path: Path, stage: OpportunityStage, value: str | None
) -> str | None:
    """The lost reason a stage needs: required for CLOSED_LOST, refused for the others."""
    if stage == OpportunityStage.CLOSED_LOST:
        return validation.text(problems, path, value, max_length=255, required=True)
    if value is not None:
        problems.add(path, "Only a CLOSED_LOST opportunity has one.", UserErrorCode.INVALID)
    return None


async def new_opportunity(change: Change) -> dict[str, Any]:
    """A new opportunity: its customer (and the customer's company), owner (the caller
    by default), stage with the stage's probability unless given, close date."""
    data, problems = change.input, change.problems
    customer_id = await problems.existing_id(change.at("customer"), data.customer, "Customer")
    owner_id = await problems.existing_id(change.at("owner"), data.owner, "User")
    company = await column_values(Customer.filter(pk=customer_id), "company_id")
    now = datetime.now(UTC)
    stage = OpportunityStage(data.stage)
    return {
        "customer_id": customer_id,
        "company_id": company[0] if company else None,
        "name": validation.text(
            problems, change.at("name"), data.name, max_length=200, required=True
        ),
        "amount": validation.money(problems, change.at("amount"), data.amount),
        "currency": validation.currency(problems, change.at("currency"), data.currency),
        "stage": stage,
        "probability": STAGE_PROBABILITY[stage]
        if data.probability is None
        else _probability(problems, change.at("probability"), data.probability),
        "expected_close_date": _close_date(
            problems, change.at("expectedCloseDate"), data.expected_close_date, now.date()
        ),
        "lost_reason": lost_reason(problems, change.at("lostReason"), stage, data.lost_reason),
        "closed_at": now if stage in CLOSED_STAGES else None,
        "owner_id": owner_id if data.owner is not None else change.caller_id,
        "campaign_id": await problems.existing_id(change.at("campaign"), data.campaign, "Campaign"),
    }


async def opportunity_changes(change: Change) -> dict[str, Any]:
    """The changes of an update: only the fields given; the stage moves by
    :func:`stage_move` only."""
    data, problems, row = change.input, change.problems, change.row
    values: dict[str, Any] = {}
    if given(data.name):
        values["name"] = validation.text(
            problems, change.at("name"), data.name, max_length=200, required=True
        )
    if given(data.amount):
        values["amount"] = validation.money(problems, change.at("amount"), data.amount)
    if given(data.currency):
        values["currency"] = validation.currency(problems, change.at("currency"), data.currency)
    if given(data.probability):
        values["probability"] = _probability(problems, change.at("probability"), data.probability)
    if given(data.expected_close_date):
        values["expected_close_date"] = _close_date(
            problems,
            change.at("expectedCloseDate"),
            data.expected_close_date,
            row.created_at.date(),
        )
    if given(data.owner):
        values["owner_id"] = await problems.existing_id(change.at("owner"), data.owner, "User")
    if given(data.campaign):
        values["campaign_id"] = await problems.existing_id(
            change.at("campaign"), data.campaign, "Campaign"
        )
    return values


def stage_move(
    stage: OpportunityStage, reason: str | None
) -> Any:  # returns the Prepare of a stage move
    """The rules of a move to ``stage``: not to the stage it is in; CLOSED_LOST needs a
    reason; the probability becomes the stage's; closing sets ``closed_at`` (kept when
    moving between won and lost), reopening clears it and the lost reason."""

    async def move(change: Change) -> dict[str, Any]:
        row: Opportunity = change.row
        problems = change.problems
        if stage == row.stage:
            problems.add(
                ["stage"],
                "The opportunity is already in this stage.",
                UserErrorCode.INVALID_TRANSITION,
            )
        checked_reason = lost_reason(problems, ["lostReason"], stage, reason)
        closed = stage in CLOSED_STAGES
        if closed and row.stage in CLOSED_STAGES:
            closed_at = row.closed_at  # won to lost (or back): closed all along
        else:
            closed_at = datetime.now(UTC) if closed else None
        change.audit["from"] = row.stage.value
        return {
            "stage": stage,
            "probability": STAGE_PROBABILITY[stage],
            "closed_at": closed_at,
            "lost_reason": checked_reason,
        }

    return move


async def record_stage(change: Change, row: Opportunity, values: dict[str, Any]) -> None:
    """Record the stage the opportunity entered in its stage history."""
    await OpportunityStageChange.create(
        opportunity_id=row.pk,
        stage=values["stage"],
        changed_at=datetime.now(UTC),
        changed_by_id=change.caller_id,
    )


async def remove_history(change: Change) -> None:
    """Before an opportunity is deleted: its stage history goes with it (explicitly, so
    also on a connection that runs without foreign-key checks)."""
    await OpportunityStageChange.filter(opportunity_id=change.row.pk).delete()
