"""Mutations of segments: create, update, delete."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.context import Info
from crm_graphql.api.mutations.problems import UserError
from crm_graphql.api.mutations.writes import Writes
from crm_graphql.domains.customers.filters import CustomerFilter
from crm_graphql.domains.marketing import services
from crm_graphql.domains.marketing.types import Segment


@strawberry.input(description="A new segment.")
class CreateSegmentInput:
    name: str = strawberry.field(description="Name (1-200 characters).")
    filter: CustomerFilter | None = strawberry.field(
        default=None,
        description="The customers it selects: the `filter` of `customers`, validated as "
        "that list validates it (userErrors point inside it). Omitted: every customer.",
    )
    search: str | None = strawberry.field(
        default=None, description="Free text, as `customers(search:)`."
    )
    description: str | None = strawberry.field(default=None, description="What it is for.")


@strawberry.input(description="Changes to a segment: only the fields given change.")
class UpdateSegmentInput:
    version: int = strawberry.field(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    )
    name: str | None = strawberry.field(default=UNSET, description="Name.")
    filter: CustomerFilter | None = strawberry.field(
        default=UNSET, description="The new filter (replaces the saved one); null: every customer."
    )
    search: str | None = strawberry.field(default=UNSET, description="Free text; null clears.")
    description: str | None = strawberry.field(default=UNSET, description="What it is for.")


@strawberry.type(description="The result of a segment mutation.")
class SegmentPayload:
    segment: Segment | None = strawberry.field(
        description="The segment as saved (as it was, for a deletion); null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


SEGMENT = Writes(Segment, SegmentPayload, field="segment")

IdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID of the segment.")]


@strawberry.type
class SegmentMutations:
    @strawberry.mutation(description="Save a customer filter as a segment.")
    async def create_segment(
        self,
        info: Info,
        input: Annotated[CreateSegmentInput, strawberry.argument(description="The segment.")],
    ) -> SegmentPayload:
        return await SEGMENT.create(info, input, services.new_segment)

    @strawberry.mutation(description="Change a segment: only the fields given change.")
    async def update_segment(
        self,
        info: Info,
        id: IdArg,
        input: Annotated[UpdateSegmentInput, strawberry.argument(description="The changes.")],
    ) -> SegmentPayload:
        return await SEGMENT.update(info, id, input, services.segment_changes)

    @strawberry.mutation(description="Delete a segment (campaigns keep the members it added).")
    async def delete_segment(self, info: Info, id: IdArg) -> SegmentPayload:
        return await SEGMENT.delete(info, id)
