"""Mutations of interactions: record, correct and delete touch points with customers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api import validation
from crm_graphql.api.context import Info
from crm_graphql.api.filters import strawberry_name
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
from crm_graphql.domains.interactions.enums import Channel, Direction
from crm_graphql.domains.interactions.models import Interaction as InteractionModel
from crm_graphql.domains.interactions.types import Interaction
from crm_graphql.domains.sales.models import Opportunity as OpportunityModel
from crm_graphql.domains.users.models import User as UserModel

#: Longest body kept: a long e-mail thread or call transcript, not a file store.
MAX_BODY_LENGTH = 100_000


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


#: Deleting an interaction changes every one of its fields.
ALL_FIELDS = input_field_names(CreateInteractionInput)


async def _clean(
    problems: Problems,
    data: CreateInteractionInput | UpdateInteractionInput,
    customer_id: int | None,
) -> dict[str, Any]:
    """Validated column values for the fields given in ``data`` (all problems at once).

    ``customer_id`` is the interaction's customer (None when that is itself invalid): an
    opportunity must belong to it.
    """
    out: dict[str, Any] = {}
    for name in ("channel", "direction", "occurred_at"):
        value = getattr(data, name)
        if given(value):
            if value is None and name != "occurred_at":
                problems.add(
                    ["input", strawberry_name(name)], "Must not be null.", UserErrorCode.REQUIRED
                )
            out[name] = value
    if out.get("occurred_at", UNSET) is None:
        if isinstance(data, UpdateInteractionInput):
            problems.add(["input", "occurredAt"], "Must not be null.", UserErrorCode.REQUIRED)
        out["occurred_at"] = datetime.now(UTC)
    if given(data.subject):
        out["subject"] = validation.text(
            problems, ["input", "subject"], data.subject, max_length=255, required=True
        )
    if given(data.outcome):
        out["outcome"] = validation.text(
            problems, ["input", "outcome"], data.outcome, max_length=120
        )
    if given(data.body):
        # Stored exactly as given: escaping is the job of whoever renders it.
        if data.body is not None and len(data.body) > MAX_BODY_LENGTH:
            problems.add(
                ["input", "body"], f"At most {MAX_BODY_LENGTH} characters.", UserErrorCode.TOO_LONG
            )
        out["body"] = data.body
    if given(data.duration_seconds):
        if data.duration_seconds is not None and data.duration_seconds < 0:
            problems.add(
                ["input", "durationSeconds"], "Must not be negative.", UserErrorCode.OUT_OF_RANGE
            )
        out["duration_seconds"] = data.duration_seconds
    if given(data.opportunity):
        out["opportunity_id"] = await _opportunity_id(problems, data.opportunity, customer_id)
    return out


async def _opportunity_id(
    problems: Problems, global_id: str | None, customer_id: int | None
) -> int | None:
    if global_id is None:
        return None
    path = ["input", "opportunity"]
    pk = problems.id_of(path, global_id, "Opportunity")
    if pk is None:
        return None
    owner = await OpportunityModel.filter(pk=pk).values_list("customer_id", flat=True)
    if not owner:
        problems.add(path, "No such Opportunity.", UserErrorCode.NOT_FOUND)
    elif customer_id is not None and owner[0] != customer_id:
        problems.add(path, "The opportunity belongs to another customer.", UserErrorCode.INVALID)
    return pk


async def _customer_id(problems: Problems, global_id: str) -> int | None:
    path = ["input", "customer"]
    pk = problems.id_of(path, global_id, "Customer")
    if pk is None:
        return None
    if not await CustomerModel.filter(pk=pk, deleted_at__isnull=True).exists():
        problems.add(path, "No such Customer.", UserErrorCode.NOT_FOUND)
        return None
    return pk


async def _author_id(problems: Problems, global_id: str | None) -> int | None:
    if global_id is None:
        return caller_id(problems)
    pk = problems.id_of(["input", "author"], global_id, "User")
    if pk is not None and not await UserModel.filter(pk=pk).exists():
        problems.add(["input", "author"], "No such User.", UserErrorCode.NOT_FOUND)
    return pk


async def _interaction(problems: Problems, global_id: str) -> InteractionModel:
    return await problems.record_of(InteractionModel, global_id, "Interaction")


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
        async def work(problems: Problems) -> InteractionModel:
            customer_id = await _customer_id(problems, input.customer)
            author_id = await _author_id(problems, input.author)
            problems.require_change(
                "Interaction",
                changed_fields(input),
                is_owner=problems.owns(author_id),
                path=["input"],
            )
            values = await _clean(problems, input, customer_id)
            problems.check()
            interaction = await InteractionModel.create(
                customer_id=customer_id, author_id=author_id, **values
            )
            await audit.record(
                "interaction.create",
                meta_from(info.context),
                entity_type="Interaction",
                entity_id=interaction.pk,
                changes={
                    "customer_id": customer_id,
                    "author_id": author_id,
                    **{k: plain(v) for k, v in values.items()},
                },
            )
            return interaction

        outcome = await run_mutation(info, "createInteraction", work)
        return _payload(outcome.rows, outcome.errors)

    @strawberry.mutation(description="Change an interaction: only the fields given change.")
    async def update_interaction(
        self,
        info: Info,
        id: IdArg,
        input: Annotated[UpdateInteractionInput, strawberry.argument(description="The changes.")],
    ) -> InteractionPayload:
        async def work(problems: Problems) -> InteractionModel:
            interaction = await _interaction(problems, id)
            problems.require_change(
                "Interaction",
                changed_fields(input),
                is_owner=problems.owns(interaction.author_id),
                path=["input"],
            )
            values = await _clean(problems, input, interaction.customer_id)
            problems.check()
            await update_versioned(
                problems, InteractionModel, interaction.pk, input.version, values
            )
            await audit.record(
                "interaction.update",
                meta_from(info.context),
                entity_type="Interaction",
                entity_id=interaction.pk,
                changes={k: plain(v) for k, v in values.items()},
            )
            return await InteractionModel.get(pk=interaction.pk)

        outcome = await run_mutation(info, "updateInteraction", work)
        return _payload(outcome.rows, outcome.errors)

    @strawberry.mutation(
        description="Delete an interaction for good (interactions are not soft-deleted)."
    )
    async def delete_interaction(self, info: Info, id: IdArg) -> InteractionPayload:
        async def work(problems: Problems) -> InteractionModel:
            interaction = await _interaction(problems, id)
            problems.require_change(
                "Interaction",
                ALL_FIELDS,
                is_owner=problems.owns(interaction.author_id),
                path=["id"],
            )
            await interaction.delete()
            await audit.record(
                "interaction.delete",
                meta_from(info.context),
                entity_type="Interaction",
                entity_id=interaction.pk,
            )
            return interaction

        outcome = await run_mutation(info, "deleteInteraction", work)
        return _payload(outcome.rows, outcome.errors)


def _payload(rows: list[Any], errors: list[UserError]) -> InteractionPayload:
    return InteractionPayload(interaction=rows[0] if rows else None, user_errors=errors)
