"""Root query fields of the marketing domain."""

from __future__ import annotations

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.ids import IdArg
from crm_graphql.api.node import resolve_node
from crm_graphql.api.pagination.fields import connection
from crm_graphql.domains.marketing.filters import CAMPAIGN_LIST, SEGMENT_LIST
from crm_graphql.domains.marketing.results import CampaignResults, load_results
from crm_graphql.domains.marketing.types import Campaign, Segment


@strawberry.type
class MarketingQueries:
    @strawberry.field(description="One segment by global ID; null when there is none.")
    async def segment(self, info: Info, id: IdArg) -> Segment | None:
        return await resolve_node(info, id, "Segment")

    segments = connection(SEGMENT_LIST, description="Saved segments, by name by default.")

    @strawberry.field(description="One campaign by global ID; null when there is none.")
    async def campaign(self, info: Info, id: IdArg) -> Campaign | None:
        return await resolve_node(info, id, "Campaign")

    campaigns = connection(CAMPAIGN_LIST, description="Campaigns, newest first by default.")

    @strawberry.field(
        description="What one campaign achieved: members by status, rates, attributed "
        "opportunities and amounts, cost per lead, ROI; null when there is no such campaign."
    )
    async def campaign_results(self, info: Info, id: IdArg) -> CampaignResults | None:
        campaign = await resolve_node(info, id, "Campaign")
        if campaign is None:
            return None
        return await load_results(info, campaign.pk)
