"""GraphQL types of segments, campaigns, campaign members and consent."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.scalars import JSON

from crm_graphql.api.columns import reads
from crm_graphql.api.context import Info
from crm_graphql.api.entities import ANY_ROW, OWN_ROWS, entity
from crm_graphql.api.node import Node
from crm_graphql.api.pagination.fields import ListCondition, connection
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.references import reference
from crm_graphql.api.roles import CAMPAIGN_PLANNERS, Role
from crm_graphql.domains.customers.filters import CUSTOMER_LIST
from crm_graphql.domains.marketing import counts, segments, unsubscribe
from crm_graphql.domains.marketing.enums import (
    CampaignStatus,
    CampaignType,
    ConsentChannel,
    MemberStatus,
)
from crm_graphql.domains.marketing.filters import CAMPAIGN_MEMBER_LIST
from crm_graphql.domains.marketing.models import Campaign as CampaignModel
from crm_graphql.domains.marketing.models import CampaignMember as CampaignMemberModel
from crm_graphql.domains.marketing.models import Segment as SegmentModel
from crm_graphql.domains.marketing.results import CampaignResults, load_results


@strawberry.type(description="Why a segment's saved filter does not validate any more.")
class SegmentProblem:
    path: list[str] = strawberry.field(
        description='Where inside the filter, e.g. ["or", "0", "lifecycleStage", "eq"].'
    )
    message: str = strawberry.field(description="What is wrong, for people.")


@strawberry.type(
    description="A saved customer filter (the `CustomerFilter` of `customers`, plus an "
    "optional search text): its customers are evaluated when read, with the reader's "
    "field rules."
)
@entity(
    SegmentModel,
    owner="owner_id",
    writers={
        Role.MANAGER: ANY_ROW,
        Role.MARKETING: ANY_ROW,
        Role.SALES: OWN_ROWS,
    },
)
class Segment(Node):
    name: str = strawberry.field(description="Name.")
    description: str | None = strawberry.field(description="What the segment is for.")
    search: str | None = strawberry.field(
        description="Free text every customer must match, as `customers(search:)`."
    )
    created_at: datetime = strawberry.field(description="When the segment was created.")
    updated_at: datetime = strawberry.field(description="When the segment last changed.")
    version: int = strawberry.field(
        description="Incremented by every change; send it back with updates."
    )
    owner = reference("The staff member who keeps the segment.")

    @strawberry.field(
        description="The saved filter, as JSON in the shape of the `CustomerFilter` input.",
        graphql_type=JSON,
    )
    def filter(self, root: SegmentModel) -> dict[str, Any]:
        return root.customer_filter

    @strawberry.field(
        description="Why the saved filter no longer validates against the schema (e.g. a "
        "field was removed since it was saved); empty when it is valid. A segment with "
        "problems lists no customers until its filter is saved again."
    )
    def problems(self, root: SegmentModel, info: Info) -> list[SegmentProblem]:
        return [
            SegmentProblem(path=list(problem.path), message=problem.message)
            for problem in segments.problems_of(info, root)
        ]

    @connection(
        CUSTOMER_LIST,
        description="The customers matching the segment now, in the order and with the "
        "cursors of `customers`; `filter` narrows them further. Filtering on a field the "
        "caller may not read (through the segment too) is FORBIDDEN; a segment with "
        "`problems` is BAD_USER_INPUT.",
    )
    @reads("customer_filter", "search", "version")
    def customers(self, root: SegmentModel, info: Info) -> ListCondition:
        return ListCondition(segments.segment_q(info, root, "customers"))

    @strawberry.field(
        description="How many customers match the segment now (one statement for every "
        "segment of the response); null when the filter has `problems`, or (with a "
        "FORBIDDEN error) when it filters on a field the caller may not read."
    )
    async def count(self, root: SegmentModel, info: Info) -> int | None:
        return await counts.segment_count(info, root)


@strawberry.type(
    description="A marketing campaign: its type, status, dates, budget and cost, and the "
    "customers it targets."
)
@entity(
    CampaignModel,
    owner="owner_id",
    writers={Role.MANAGER: ANY_ROW, Role.MARKETING: ANY_ROW},
)
class Campaign(Node):
    name: str = strawberry.field(description="Name.")
    type: CampaignType = strawberry.field(description="How it reaches people.")
    status: CampaignStatus = strawberry.field(description="Where it stands.")
    starts_on: date | None = strawberry.field(description="First day.")
    ends_on: date | None = strawberry.field(description="Last day.")
    budget: Decimal | None = guarded_field(
        CAMPAIGN_PLANNERS, "Planned spending, in `currency`.", attr="budget"
    )
    actual_cost: Decimal | None = guarded_field(
        CAMPAIGN_PLANNERS, "Spent so far, in `currency`.", attr="actual_cost"
    )
    currency: str = strawberry.field(description="ISO 4217 currency of budget and cost.")
    expected_response: int | None = strawberry.field(
        description="Expected response, in percent of the members."
    )
    description: str | None = strawberry.field(description="What the campaign is about.")
    tracking_code: str | None = strawberry.field(
        description="The `utm_campaign` value of its links: web-form leads that carry it "
        "(or come through a form bound to the campaign) are attributed to it."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    version: int = strawberry.field(
        description="Incremented by every change; send it back with updates."
    )
    owner = reference("The staff member running it.")

    members = connection(
        CAMPAIGN_MEMBER_LIST,
        parent="campaign",
        description="The customers it targets, in the order they were added by default.",
    )

    @strawberry.field(
        description="What it achieved so far (the same two statements for every campaign "
        "of the response: the list view is `campaigns { nodes { results { ... } } }`).",
        graphql_type=CampaignResults,
    )
    async def results(self, root: CampaignModel, info: Info) -> CampaignResults:
        found = await load_results(info, root.pk)
        assert found is not None
        return found


@strawberry.type(description="One customer targeted by a campaign, and how far they went.")
@entity(CampaignMemberModel, writers={Role.MANAGER: ANY_ROW, Role.MARKETING: ANY_ROW})
class CampaignMember(Node):
    status: MemberStatus = strawberry.field(description="How far the member went.")
    status_at: datetime | None = strawberry.field(description="When the status was reached.")
    created_at: datetime = strawberry.field(description="When the member was added.")
    campaign = reference("The campaign.")
    customer = reference("The customer.")

    @guarded_field(
        CAMPAIGN_PLANNERS,
        "Path of the member's signed unsubscribe link (`/unsubscribe/<token>`, valid for "
        "a year), for the e-mails of the campaign: prefix it with the server's public "
        "address.",
    )
    def unsubscribe_path(self, root: CampaignMemberModel, info: Info) -> str | None:
        return unsubscribe.path_of(info.context.settings, root)


@strawberry.type(description="A customer's consent to be contacted on one channel.")
class CustomerConsent:
    channel: ConsentChannel = strawberry.field(description="The channel.")
    granted: bool = strawberry.field(description="true: granted; false: withdrawn.")
    changed_at: datetime = strawberry.field(description="When it was granted or withdrawn.")
    source: str = strawberry.field(
        description="Where the answer came from (a form, an unsubscribe link, a call, ...)."
    )
