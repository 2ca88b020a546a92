"""Mutations of interactions: record, correct and delete touch points with customers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.context import Info
from crm_graphql.api.mutations.problems import UserError
from crm_graphql.api.mutations.writes import Writes
from crm_graphql.domains.interactions import services
from crm_graphql.domains.interactions.enums import Channel, Direction
from crm_graphql.domains.interactions.services import MAX_BODY_LENGTH
from crm_graphql.domains.interactions.types import Interaction


@strawberry.input(description="A new interaction with a customer.")
class CreateInteractionInput:
    customer: strawberry.ID = strawberry.field(
        description="The customer it was with (a Customer ID, not deleted)."
    )
    channel: Channel = strawberry.field(description="The medium.")
    direction: Direction = strawberry.field(description="Who started it.")
    subject: str = strawberry.field(description="Subject or one-line summary (1-255 characters).")
    body: str | None = strawberry.field(
        default=None,
        description=f"Full text, stored exactly as given (at most {MAX_BODY_LENGTH} characters).",
    )
    occurred_at: datetime | None = strawberry.field(
        default=None, description="When it happened; now when omitted."
    )
    duration_seconds: int | None = strawberry.field(
        default=None, description="How long it lasted, in seconds (0 or more)."
    )
    outcome: str | None = strawberry.field(
        default=None, description="What came of it (at most 120 characters)."
    )
    opportunity: strawberry.ID | None = strawberry.field(
        default=None, description="The opportunity it belongs to: one of the same customer."
    )
    author: strawberry.ID | None = strawberry.field(
        default=None, description="Who recorded it (User ID); the caller when omitted."
    )


@strawberry.input(
    description="Changes to an interaction: only the fields given change. The customer and "
    "the author stay as recorded."
)
class UpdateInteractionInput:
    version: int = strawberry.field(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    )
    channel: Channel | None = strawberry.field(default=UNSET, description="The medium.")
    direction: Direction | None = strawberry.field(default=UNSET, description="Who started it.")
    subject: str | None = strawberry.field(default=UNSET, description="Subject (1-255).")
    body: str | None = strawberry.field(default=UNSET, description="Full text; null clears.")
    occurred_at: datetime | None = strawberry.field(default=UNSET, description="When.")
    duration_seconds: int | None = strawberry.field(
        default=UNSET, description="Duration in seconds; null clears."
    )
    outcome: str | None = strawberry.field(default=UNSET, description="Outcome; null clears.")
    opportunity: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Opportunity of the same customer; null clears."
    )


@strawberry.type(description="The result of an interaction mutation.")
class InteractionPayload:
    interaction: Interaction | None = strawberry.field(
        description="The interaction as saved (as it was, for a deletion); null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


INTERACTION = Writes(Interaction, InteractionPayload, field="interaction")

IdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID of the interaction.")]


@strawberry.type
class InteractionMutations:
    @strawberry.mutation(description="Record an interaction with a customer.")
    async def create_interaction(
        self,
        info: Info,
        input: Annotated[
            CreateInteractionInput, strawberry.argument(description="The interaction.")
        ],
    ) -> InteractionPayload:
        return await INTERACTION.create(info, input, services.new_interaction)

    @strawberry.mutation(description="Change an interaction: only the fields given change.")
    async def update_interaction(
        self,
        info: Info,
        id: IdArg,
        input: Annotated[UpdateInteractionInput, strawberry.argument(description="The changes.")],
    ) -> InteractionPayload:
        return await INTERACTION.update(info, id, input, services.interaction_changes)

    @strawberry.mutation(
        description="Delete an interaction for good (interactions are not soft-deleted)."
    )
    async def delete_interaction(self, info: Info, id: IdArg) -> InteractionPayload:
        return await INTERACTION.delete(info, id)
