"""Filters and sort orders of segment, campaign and campaign-member lists."""

from __future__ import annotations

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.filters import (
    DateFilter,
    DateTimeFilter,
    EnumFilter,
    FilterInput,
    IDFilter,
    StringFilter,
    filter_input,
)
from crm_graphql.api.pagination.cursors import SortKey
from crm_graphql.api.pagination.listing import sortable
from crm_graphql.domains.marketing.enums import CampaignStatus, CampaignType, MemberStatus
from crm_graphql.domains.marketing.models import Campaign, CampaignMember, Segment


@strawberry.input(description="Conditions on a CampaignType value.")
class CampaignTypeFilter(EnumFilter[CampaignType]):
    pass


@strawberry.input(description="Conditions on a CampaignStatus value.")
class CampaignStatusFilter(EnumFilter[CampaignStatus]):
    pass


@strawberry.input(description="Conditions on a MemberStatus value.")
class MemberStatusFilter(EnumFilter[MemberStatus]):
    pass


@filter_input("segments")
class SegmentFilter(FilterInput):
    model = Segment

    name: StringFilter | None = strawberry.field(default=UNSET, description="Name.")
    owner: IDFilter | None = strawberry.field(default=UNSET, description="The owner.")
    created_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When the segment was created."
    )


@filter_input("campaigns")
class CampaignFilter(FilterInput):
    model = Campaign

    name: StringFilter | None = strawberry.field(default=UNSET, description="Name.")
    type: CampaignTypeFilter | None = strawberry.field(default=UNSET, description="Type.")
    status: CampaignStatusFilter | None = strawberry.field(default=UNSET, description="Status.")
    currency: StringFilter | None = strawberry.field(
        default=UNSET, description="Currency of budget and cost."
    )
    starts_on: DateFilter | None = strawberry.field(default=UNSET, description="Start date.")
    ends_on: DateFilter | None = strawberry.field(default=UNSET, description="End date.")
    tracking_code: StringFilter | None = strawberry.field(
        default=UNSET, description="The `utm_campaign` value of its links."
    )
    created_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When the campaign was created."
    )
    owner: IDFilter | None = strawberry.field(default=UNSET, description="The owner.")


@filter_input("campaign members")
class CampaignMemberFilter(FilterInput):
    model = CampaignMember

    status: MemberStatusFilter | None = strawberry.field(default=UNSET, description="Status.")
    customer: IDFilter | None = strawberry.field(default=UNSET, description="The customer.")
    status_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When the status was reached."
    )


SEGMENT_LIST = sortable(
    "Segment",
    Segment,
    {
        "NAME": ("name", "Name."),
        "CREATED_AT": ("created_at", "Creation time."),
    },
    default=(SortKey("name", False),),
    filter=SegmentFilter,
)

CAMPAIGN_LIST = sortable(
    "Campaign",
    Campaign,
    {
        "NAME": ("name", "Name."),
        "CREATED_AT": ("created_at", "Creation time."),
        "STARTS_ON": ("starts_on", "Start date."),
        "STATUS": ("status", "Status name."),
    },
    default=(SortKey("created_at", True),),
    filter=CampaignFilter,
)

CAMPAIGN_MEMBER_LIST = sortable(
    "CampaignMember",
    CampaignMember,
    {
        "CREATED_AT": ("created_at", "When the member was added."),
        "STATUS_AT": ("status_at", "When the status was reached."),
        "STATUS": ("status", "Status name."),
    },
    default=(SortKey("created_at", False),),
    filter=CampaignMemberFilter,
)
