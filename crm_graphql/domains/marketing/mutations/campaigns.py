"""Mutations of campaigns: create, update, move along the status machine, delete; add
members from a segment or by ID, remove one, record responses in bulk."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.types.unset import UNSET
from tortoise.models import Model

from crm_graphql.api.context import Info
from crm_graphql.api.mutations.problems import Problems, UserError, UserErrorCode
from crm_graphql.api.mutations.transaction import run_mutation
from crm_graphql.api.mutations.writes import Writes
from crm_graphql.domains.marketing import campaign_members, services
from crm_graphql.domains.marketing.enums import CampaignStatus, CampaignType, MemberStatus
from crm_graphql.domains.marketing.types import Campaign

#: Most customers ``addCampaignMembers`` takes at once.
MAX_MEMBER_IDS = 1000
#: Most responses ``recordCampaignResponses`` takes at once.
MAX_RESPONSES = 5000


@strawberry.input(description="A new campaign; it starts PLANNED.")
class CreateCampaignInput:
    name: str = strawberry.field(description="Name (1-200 characters).")
    type: CampaignType = strawberry.field(description="How it reaches people.")
    currency: str = strawberry.field(description="ISO 4217 currency of budget and cost.")
    starts_on: date | None = strawberry.field(default=None, description="First day.")
    ends_on: date | None = strawberry.field(
        default=None, description="Last day; not before the first."
    )
    budget: Decimal | None = strawberry.field(
        default=None, description="Planned spending: not negative, at most two decimals."
    )
    actual_cost: Decimal | None = strawberry.field(
        default=None, description="Spent so far: not negative, at most two decimals."
    )
    expected_response: int | None = strawberry.field(
        default=None, description="Expected response in percent of the members (0-100)."
    )
    description: str | None = strawberry.field(default=None, description="What it is about.")
    tracking_code: str | None = strawberry.field(
        default=None,
        description="The `utm_campaign` value of its links (1-100 letters, digits, `.`, "
        "`_`, `-`; unique): web-form leads that carry it come from the campaign.",
    )
    owner: strawberry.ID | None = strawberry.field(
        default=None, description="Owner (User ID); the caller when omitted."
    )


@strawberry.input(
    description="Changes to a campaign: only the fields given change. The status changes "
    "through `changeCampaignStatus`."
)
class UpdateCampaignInput:
    version: int = strawberry.field(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    )
    name: str | None = strawberry.field(default=UNSET, description="Name.")
    currency: str | None = strawberry.field(default=UNSET, description="ISO 4217 currency.")
    starts_on: date | None = strawberry.field(default=UNSET, description="First day.")
    ends_on: date | None = strawberry.field(default=UNSET, description="Last day.")
    budget: Decimal | None = strawberry.field(default=UNSET, description="Planned spending.")
    actual_cost: Decimal | None = strawberry.field(default=UNSET, description="Spent so far.")
    expected_response: int | None = strawberry.field(
        default=UNSET, description="Expected response in percent (0-100)."
    )
    description: str | None = strawberry.field(default=UNSET, description="What it is about.")
    tracking_code: str | None = strawberry.field(
        default=UNSET, description="The `utm_campaign` value of its links (unique); null clears."
    )
    owner: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Owner (User ID); null clears."
    )


@strawberry.type(description="The result of a campaign mutation.")
class CampaignPayload:
    campaign: Campaign | None = strawberry.field(
        description="The campaign as saved (as it was, for a deletion); null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


@strawberry.type(description="The result of adding or removing campaign members.")
class CampaignMembersPayload:
    campaign: Campaign | None = strawberry.field(description="The campaign; null when refused.")
    added: int = strawberry.field(
        description="Members added (customers already in the campaign, and for EMAIL "
        "campaigns customers without e-mail consent, are skipped without an error)."
    )
    removed: int = strawberry.field(description="Members removed.")
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused (nothing changed); empty on success."
    )


@strawberry.input(
    description="One response reported for a campaign member: the customer by ID or by "
    "e-mail address (exactly one of them)."
)
class CampaignResponseInput:
    customer: strawberry.ID | None = strawberry.field(
        default=None, description="The customer (Customer ID)."
    )
    email: str | None = strawberry.field(
        default=None, description="The customer's e-mail address as stored."
    )
    status: MemberStatus = strawberry.field(description="How far the member went (not TARGETED).")
    at: datetime = strawberry.field(description="When it happened.")


@strawberry.type(description="The result of `recordCampaignResponses`.")
class CampaignResponsesPayload:
    campaign: Campaign | None = strawberry.field(
        description="The campaign; null when the whole batch was refused."
    )
    applied: int = strawberry.field(
        description="Members whose status moved forward (a repeated batch applies 0)."
    )
    user_errors: list[UserError] = strawberry.field(
        description='Responses that were not applied, each at its place (["responses", '
        "i, ...]); the others were applied."
    )


CAMPAIGN = Writes(Campaign, CampaignPayload, field="campaign")

IdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID of the campaign.")]


@strawberry.type
class CampaignMutations:
    @strawberry.mutation(description="Plan a campaign; it starts PLANNED.")
    async def create_campaign(
        self,
        info: Info,
        input: Annotated[CreateCampaignInput, strawberry.argument(description="The campaign.")],
    ) -> CampaignPayload:
        return await CAMPAIGN.create(info, input, services.new_campaign)

    @strawberry.mutation(description="Change a campaign: only the fields given change.")
    async def update_campaign(
        self,
        info: Info,
        id: IdArg,
        input: Annotated[UpdateCampaignInput, strawberry.argument(description="The changes.")],
    ) -> CampaignPayload:
        return await CAMPAIGN.update(info, id, input, services.campaign_changes)

    @strawberry.mutation(
        description="Move a campaign along its status machine: PLANNED -> ACTIVE or "
        "ABORTED; ACTIVE -> COMPLETED or ABORTED; COMPLETED and ABORTED are final. "
        "Anything else (ending a campaign twice) is INVALID_TRANSITION."
    )
    async def change_campaign_status(
        self,
        info: Info,
        id: IdArg,
        status: Annotated[CampaignStatus, strawberry.argument(description="The new status.")],
        version: Annotated[
            int,
            strawberry.argument(
                description="The `version` read; a stale one answers CONFLICT and changes nothing."
            ),
        ],
    ) -> CampaignPayload:
        return await CAMPAIGN.act(
            info,
            id,
            "status",
            ["status"],
            services.campaign_move(CampaignStatus(status.value)),
            version=version,
            path=["status"],
            id_path=["id"],
        )

    @strawberry.mutation(
        description="Delete a campaign with its members; the leads, lead forms and "
        "opportunities it brought keep their data without the campaign."
    )
    async def delete_campaign(self, info: Info, id: IdArg) -> CampaignPayload:
        return await CAMPAIGN.delete(info, id, before=services.detach_campaign)

    @strawberry.mutation(
        description="Snapshot a segment's customers into a campaign in one statement: "
        "customers already in it are skipped, and an EMAIL campaign takes only customers "
        "with an e-mail address and e-mail consent. Only PLANNED and ACTIVE campaigns take "
        "members."
    )
    async def add_campaign_members_from_segment(
        self,
        info: Info,
        campaign_id: IdArg,
        segment_id: Annotated[
            strawberry.ID, strawberry.argument(description="Global ID of the segment.")
        ],
    ) -> CampaignMembersPayload:
        async def work(problems: Problems) -> Model:
            campaign, added = await campaign_members.from_segment(
                CAMPAIGN, problems, campaign_id, segment_id
            )
            counts["added"] = added
            return campaign

        counts = {"added": 0}
        outcome = await run_mutation(info, info.field_name, work)
        return CampaignMembersPayload(
            campaign=outcome.first, added=counts["added"], removed=0, user_errors=outcome.errors
        )

    @strawberry.mutation(
        description=f"Add customers to a campaign (at most {MAX_MEMBER_IDS}); those already "
        "in it are skipped, and an EMAIL campaign takes only customers with an e-mail "
        "address and e-mail consent. Unknown IDs refuse the whole batch."
    )
    async def add_campaign_members(
        self,
        info: Info,
        campaign_id: IdArg,
        customer_ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="Customer IDs.")
        ],
    ) -> CampaignMembersPayload:
        counts = {"added": 0}

        async def work(problems: Problems) -> Model:
            if len(customer_ids) > MAX_MEMBER_IDS:
                problems.fail(
                    ["customerIds"], f"At most {MAX_MEMBER_IDS} at once.", UserErrorCode.TOO_MANY
                )
            campaign, added = await campaign_members.by_ids(
                CAMPAIGN, problems, campaign_id, customer_ids
            )
            counts["added"] = added
            return campaign

        outcome = await run_mutation(info, info.field_name, work)
        return CampaignMembersPayload(
            campaign=outcome.first, added=counts["added"], removed=0, user_errors=outcome.errors
        )

    @strawberry.mutation(description="Remove one member from its campaign.")
    async def remove_campaign_member(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="Global ID of the campaign member.")
        ],
    ) -> CampaignMembersPayload:
        async def work(problems: Problems) -> Model:
            return await campaign_members.remove(CAMPAIGN, problems, id)

        outcome = await run_mutation(info, info.field_name, work)
        return CampaignMembersPayload(
            campaign=outcome.first,
            added=0,
            removed=1 if outcome.first is not None else 0,
            user_errors=outcome.errors,
        )

    @strawberry.mutation(
        description=f"Record members' responses in bulk (at most {MAX_RESPONSES}), as an "
        "e-mail tool reports them: each moves its member forward (never back), so a batch "
        "sent twice changes nothing the second time. Responses for customers who are not "
        "members, or unknown, are reported per element and the rest are applied. "
        "UNSUBSCRIBED also withdraws the customer's e-mail consent."
    )
    async def record_campaign_responses(
        self,
        info: Info,
        campaign_id: IdArg,
        responses: Annotated[
            list[CampaignResponseInput], strawberry.argument(description="The responses.")
        ],
    ) -> CampaignResponsesPayload:
        result: dict[str, object] = {"applied": 0, "errors": []}

        async def work(problems: Problems) -> Model:
            if len(responses) > MAX_RESPONSES:
                problems.fail(
                    ["responses"], f"At most {MAX_RESPONSES} at once.", UserErrorCode.TOO_MANY
                )
            campaign, applied, errors = await campaign_members.record_responses(
                CAMPAIGN, problems, campaign_id, responses
            )
            result.update(applied=applied, errors=errors)
            return campaign

        outcome = await run_mutation(info, info.field_name, work)
        element_errors = result["errors"] if outcome.first is not None else []
        assert isinstance(element_errors, list)
        return CampaignResponsesPayload(
            campaign=outcome.first,
            applied=int(str(result["applied"])) if outcome.first is not None else 0,
            user_errors=[*outcome.errors, *element_errors],
        )
