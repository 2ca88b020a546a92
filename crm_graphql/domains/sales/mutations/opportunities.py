"""Mutations of opportunities: create, update, delete, and move through pipeline stages.

The stage changes only through ``moveOpportunityStage`` (and creation), so that every
change is recorded in the stage history and ``closedAt``, ``lostReason`` and the
probability follow it in one place (``services.stage_move``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.context import Info
from crm_graphql.api.mutations.problems import UserError
from crm_graphql.api.mutations.writes import Writes
from crm_graphql.domains.sales import services
from crm_graphql.domains.sales.enums import OpportunityStage
from crm_graphql.domains.sales.types import Opportunity


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
    campaign: strawberry.ID | None = strawberry.field(
        default=None, description="The campaign it came from (Campaign ID), if any."
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
    campaign: strawberry.ID | None = strawberry.field(
        default=UNSET, description="The campaign it came from (Campaign ID); null clears."
    )


@strawberry.type(description="The result of an opportunity mutation.")
class OpportunityPayload:
    opportunity: Opportunity | None = strawberry.field(
        description="The opportunity as saved (as it was, for a deletion); null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


OPPORTUNITY = Writes(Opportunity, OpportunityPayload, field="opportunity")

IdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID of the opportunity.")]
VersionArg = Annotated[
    int,
    strawberry.argument(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    ),
]


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
        return await OPPORTUNITY.create(
            info, input, services.new_opportunity, after=services.record_stage
        )

    @strawberry.mutation(description="Change an opportunity: only the fields given change.")
    async def update_opportunity(
        self,
        info: Info,
        id: IdArg,
        input: Annotated[UpdateOpportunityInput, strawberry.argument(description="The changes.")],
    ) -> OpportunityPayload:
        return await OPPORTUNITY.update(info, id, input, services.opportunity_changes)

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
        version: VersionArg,
        lost_reason: Annotated[
            str | None,
            strawberry.argument(description="Why it was lost: required for CLOSED_LOST."),
        ] = None,
    ) -> OpportunityPayload:
        return await OPPORTUNITY.act(
            info,
            id,
            "move_stage",
            ["stage", "probability", "closedAt", "lostReason"],
            services.stage_move(OpportunityStage(stage), lost_reason),
            version=version,
            after=services.record_stage,
        )

    @strawberry.mutation(
        description="Delete an opportunity for good, with its stage history; its "
        "interactions stay, without the opportunity."
    )
    async def delete_opportunity(self, info: Info, id: IdArg) -> OpportunityPayload:
        return await OPPORTUNITY.delete(info, id, before=services.remove_history)
