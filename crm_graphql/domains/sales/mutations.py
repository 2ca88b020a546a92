"""Mutations of opportunities: create, update, delete, and move through pipeline stages.

The stage changes only through ``moveOpportunityStage`` (and creation), so that every
change is recorded in the stage history and ``closedAt``, ``lostReason`` and the
probability follow it in one place.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api import validation
from crm_graphql.api.context import Info
from crm_graphql.api.mutations import (
    Problems,
    UserError,
    UserErrorCode,
    caller_id,
    changed_fields,
    given,
    input_field_names,
    plain,
    run_mutation,
    update_versioned,
)
from crm_graphql.domains.audit import services as audit
from crm_graphql.domains.audit.services import meta_from
from crm_graphql.domains.customers.models import Customer as CustomerModel
from crm_graphql.domains.sales.enums import OpportunityStage
from crm_graphql.domains.sales.models import (
    STAGE_PROBABILITY,
    OpportunityStageChange,
)
from crm_graphql.domains.sales.models import Opportunity as OpportunityModel
from crm_graphql.domains.sales.types import Opportunity
from crm_graphql.domains.users.models import User as UserModel

CLOSED_STAGES = (OpportunityStage.CLOSED_WON, OpportunityStage.CLOSED_LOST)


@strawberry.input(description="A new opportunity.")
class CreateOpportunityInput:
    customer: strawberry.ID = strawberry.field(
        description="The customer the deal is with (its company is copied from the customer)."
    )
    name: str = strawberry.field(description="Short name of the deal (1-200 characters).")
    amount: Decimal = strawberry.field(
        description="Expected value: not negative, at most two decimals."
    )
    currency: str = strawberry.field(description="ISO 4217 currency code of the amount.")
    stage: OpportunityStage = strawberry.field(
        default=OpportunityStage.PROSPECTING, description="First pipeline stage."
    )
    probability: int | None = strawberry.field(
        default=None, description="Chance of winning, 0-100; the stage's default when omitted."
    )
    expected_close_date: date | None = strawberry.field(
        default=None, description="When the deal is expected to close: not before today."
    )
    owner: strawberry.ID | None = strawberry.field(
        default=None, description="Owner (User ID); the caller when omitted."
    )
    lost_reason: str | None = strawberry.field(
        default=None, description="Why it was lost: required when created as CLOSED_LOST."
    )


@strawberry.input(
    description="Changes to an opportunity: only the fields given change. The stage "
    "changes through `moveOpportunityStage`."
)
class UpdateOpportunityInput:
    version: int = strawberry.field(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    )
    name: str | None = strawberry.field(default=UNSET, description="Name of the deal.")
    amount: Decimal | None = strawberry.field(default=UNSET, description="Expected value.")
    currency: str | None = strawberry.field(default=UNSET, description="ISO 4217 currency.")
    probability: int | None = strawberry.field(
        default=UNSET, description="Chance of winning, 0-100."
    )
    expected_close_date: date | None = strawberry.field(
        default=UNSET,
        description="Expected close date, not before the creation date; null clears.",
    )
    owner: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Owner (User ID); null clears."
    )


@strawberry.type(description="The result of an opportunity mutation.")
class OpportunityPayload:
    opportunity: Opportunity | None = strawberry.field(
        description="The opportunity as saved (as it was, for a deletion); null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


#: Deleting an opportunity changes every one of its fields.
ALL_FIELDS = input_field_names(CreateOpportunityInput)


def _probability(problems: Problems, value: int | None, *, required: bool) -> int | None:
    if value is None:
        if required:
            problems.add(["input", "probability"], "Must not be null.", UserErrorCode.REQUIRED)
        return None
    if not 0 <= value <= 100:
        problems.add(["input", "probability"], "From 0 to 100.", UserErrorCode.OUT_OF_RANGE)
    return value


def _close_date(problems: Problems, value: date | None, earliest: date) -> date | None:
    if value is not None and value < earliest:
        problems.add(
            ["input", "expectedCloseDate"],
            f"Must not be before {earliest.isoformat()}.",
            UserErrorCode.OUT_OF_RANGE,
        )
    return value


async def _owner_id(problems: Problems, global_id: str | None) -> int | None:
    if global_id is None:
        return None
    pk = problems.id_of(["input", "owner"], global_id, "User")
    if pk is not None and not await UserModel.filter(pk=pk).exists():
        problems.add(["input", "owner"], "No such User.", UserErrorCode.NOT_FOUND)
    return pk


async def _customer(problems: Problems, global_id: str) -> CustomerModel | None:
    path = ["input", "customer"]
    pk = problems.id_of(path, global_id, "Customer")
    if pk is None:
        return None
    customer = await CustomerModel.get_or_none(pk=pk, deleted_at__isnull=True)
    if customer is None:
        problems.add(path, "No such Customer.", UserErrorCode.NOT_FOUND)
    return customer


async def _opportunity(problems: Problems, global_id: str) -> OpportunityModel:
    return await problems.record_of(OpportunityModel, global_id, "Opportunity")


def _lost_reason(
    problems: Problems, path: list[str], stage: OpportunityStage, value: str | None
) -> str | None:
    """The lost reason a stage needs: required for CLOSED_LOST, refused for the others."""
    if stage == OpportunityStage.CLOSED_LOST:
        return validation.text(problems, path, value, max_length=255, required=True)
    if value is not None:
        problems.add(path, "Only a CLOSED_LOST opportunity has one.", UserErrorCode.INVALID)
    return None


async def _record_stage(opportunity_id: int, stage: Any, user_id: int | None) -> None:
    await OpportunityStageChange.create(
        opportunity_id=opportunity_id,
        stage=stage,
        changed_at=datetime.now(UTC),
        changed_by_id=user_id,
    )


IdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID of the opportunity.")]


@strawberry.type
class OpportunityMutations:
    @strawberry.mutation(description="Create an opportunity; its first stage is recorded.")
    async def create_opportunity(
        self,
        info: Info,
        input: Annotated[
            CreateOpportunityInput, strawberry.argument(description="The opportunity.")
        ],
    ) -> OpportunityPayload:
        async def work(problems: Problems) -> OpportunityModel:
            caller = caller_id(problems)
            customer = await _customer(problems, input.customer)
            owner_id = await _owner_id(problems, input.owner) if input.owner else caller
            problems.require_change(
                "Opportunity",
                changed_fields(input),
                is_owner=problems.owns(owner_id),
                path=["input"],
            )
            now = datetime.now(UTC)
            stage = OpportunityStage(input.stage)
            values: dict[str, Any] = {
                "name": validation.text(
                    problems, ["input", "name"], input.name, max_length=200, required=True
                ),
                "amount": validation.money(problems, ["input", "amount"], input.amount),
                "currency": validation.currency(problems, ["input", "currency"], input.currency),
                "stage": stage,
                "probability": STAGE_PROBABILITY[stage]
                if input.probability is None
                else _probability(problems, input.probability, required=True),
                "expected_close_date": _close_date(problems, input.expected_close_date, now.date()),
                "lost_reason": _lost_reason(
                    problems, ["input", "lostReason"], stage, input.lost_reason
                ),
                "closed_at": now if stage in CLOSED_STAGES else None,
                "owner_id": owner_id,
            }
            problems.check()
            assert customer is not None  # a missing customer is a problem above
            opportunity = await OpportunityModel.create(
                customer_id=customer.pk, company_id=customer.company_id, **values
            )
            await _record_stage(opportunity.pk, stage, caller)
            await audit.record(
                "opportunity.create",
                meta_from(info.context),
                entity_type="Opportunity",
                entity_id=opportunity.pk,
                changes={
                    "customer_id": customer.pk,
                    **{k: plain(v) for k, v in values.items()},
                },
            )
            return opportunity

        outcome = await run_mutation(info, "createOpportunity", work)
        return _payload(outcome.rows, outcome.errors)

    @strawberry.mutation(description="Change an opportunity: only the fields given change.")
    async def update_opportunity(
        self,
        info: Info,
        id: IdArg,
        input: Annotated[UpdateOpportunityInput, strawberry.argument(description="The changes.")],
    ) -> OpportunityPayload:
        async def work(problems: Problems) -> OpportunityModel:
            opportunity = await _opportunity(problems, id)
            problems.require_change(
                "Opportunity",
                changed_fields(input),
                is_owner=problems.owns(opportunity.owner_id),
                path=["input"],
            )
            values: dict[str, Any] = {}
            if given(input.name):
                values["name"] = validation.text(
                    problems, ["input", "name"], input.name, max_length=200, required=True
                )
            if given(input.amount):
                values["amount"] = validation.money(problems, ["input", "amount"], input.amount)
            if given(input.currency):
                values["currency"] = validation.currency(
                    problems, ["input", "currency"], input.currency
                )
            if given(input.probability):
                values["probability"] = _probability(problems, input.probability, required=True)
            if given(input.expected_close_date):
                values["expected_close_date"] = _close_date(
                    problems, input.expected_close_date, opportunity.created_at.date()
                )
            if given(input.owner):
                values["owner_id"] = await _owner_id(problems, input.owner)
            problems.check()
            await update_versioned(
                problems, OpportunityModel, opportunity.pk, input.version, values
            )
            await audit.record(
                "opportunity.update",
                meta_from(info.context),
                entity_type="Opportunity",
                entity_id=opportunity.pk,
                changes={k: plain(v) for k, v in values.items()},
            )
            return await OpportunityModel.get(pk=opportunity.pk)

        outcome = await run_mutation(info, "updateOpportunity", work)
        return _payload(outcome.rows, outcome.errors)

    @strawberry.mutation(
        description="Move an opportunity to another stage; the change is recorded in "
        "`stageHistory`. The probability becomes the stage's default. CLOSED_WON and "
        "CLOSED_LOST set `closedAt`; CLOSED_LOST needs a `lostReason`. Moving a closed "
        "opportunity back to an open stage reopens it: `closedAt` and `lostReason` are "
        "cleared. Moving to the stage it is in is INVALID_TRANSITION."
    )
    async def move_opportunity_stage(
        self,
        info: Info,
        id: IdArg,
        stage: Annotated[OpportunityStage, strawberry.argument(description="The new stage.")],
        version: Annotated[
            int,
            strawberry.argument(
                description="The `version` read; a stale one answers CONFLICT and changes nothing."
            ),
        ],
        lost_reason: Annotated[
            str | None,
            strawberry.argument(description="Why it was lost: required for CLOSED_LOST."),
        ] = None,
    ) -> OpportunityPayload:
        async def work(problems: Problems) -> OpportunityModel:
            opportunity = await _opportunity(problems, id)
            problems.require_change(
                "Opportunity",
                ["stage", "probability", "closedAt", "lostReason"],
                is_owner=problems.owns(opportunity.owner_id),
                path=["id"],
            )
            new_stage = OpportunityStage(stage)
            if new_stage == opportunity.stage:
                problems.add(
                    ["stage"],
                    "The opportunity is already in this stage.",
                    UserErrorCode.INVALID_TRANSITION,
                )
            reason = _lost_reason(problems, ["lostReason"], new_stage, lost_reason)
            problems.check()
            closed = new_stage in CLOSED_STAGES
            if closed and opportunity.stage in CLOSED_STAGES:
                closed_at = opportunity.closed_at  # won to lost (or back): closed all along
            else:
                closed_at = datetime.now(UTC) if closed else None
            values = {
                "stage": new_stage,
                "probability": STAGE_PROBABILITY[new_stage],
                "closed_at": closed_at,
                "lost_reason": reason,
            }
            await update_versioned(problems, OpportunityModel, opportunity.pk, version, values)
            await _record_stage(opportunity.pk, new_stage, caller_id(problems))
            await audit.record(
                "opportunity.move_stage",
                meta_from(info.context),
                entity_type="Opportunity",
                entity_id=opportunity.pk,
                changes={
                    "from": opportunity.stage.value,
                    **{k: plain(v) for k, v in values.items()},
                },
            )
            return await OpportunityModel.get(pk=opportunity.pk)

        outcome = await run_mutation(info, "moveOpportunityStage", work)
        return _payload(outcome.rows, outcome.errors)

    @strawberry.mutation(
        description="Delete an opportunity for good, with its stage history; its "
        "interactions stay, without the opportunity."
    )
    async def delete_opportunity(self, info: Info, id: IdArg) -> OpportunityPayload:
        async def work(problems: Problems) -> OpportunityModel:
            opportunity = await _opportunity(problems, id)
            problems.require_change(
                "Opportunity",
                ALL_FIELDS,
                is_owner=problems.owns(opportunity.owner_id),
                path=["id"],
            )
            # Explicit rather than left to ON DELETE CASCADE alone: the history goes
            # even on a connection that runs without foreign-key checks.
            await OpportunityStageChange.filter(opportunity_id=opportunity.pk).delete()
            await opportunity.delete()
            await audit.record(
                "opportunity.delete",
                meta_from(info.context),
                entity_type="Opportunity",
                entity_id=opportunity.pk,
            )
            return opportunity

        outcome = await run_mutation(info, "deleteOpportunity", work)
        return _payload(outcome.rows, outcome.errors)


def _payload(rows: list[Any], errors: list[UserError]) -> OpportunityPayload:
    return OpportunityPayload(opportunity=rows[0] if rows else None, user_errors=errors)
