"""Campaign records in groups: ``campaignsAggregate`` by type, status, owner and month,
with counts and the budget and cost sums (for the roles that plan campaigns)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from crm_graphql.api.aggregation.aggregates import (
    PERIOD_KEY,
    AggregateSpec,
    GroupField,
    NumericField,
    aggregate_field,
    by_reference,
    group_by_input,
    group_field_enum,
    group_types,
)
from crm_graphql.api.references import key_reference
from crm_graphql.api.roles import CAMPAIGN_PLANNERS
from crm_graphql.domains.marketing.enums import CampaignStatus, CampaignType
from crm_graphql.domains.marketing.filters import CampaignFilter
from crm_graphql.domains.marketing.models import Campaign as CampaignModel

CampaignGroupField = group_field_enum(
    "Campaign",
    {
        "TYPE": "Type.",
        "STATUS": "Status.",
        "CURRENCY": "Currency of budget and cost.",
        "OWNER": "Owner.",
        "STARTS_ON": "Start date (with a granularity, e.g. MONTH).",
        "CREATED_AT": "Creation time (with a granularity).",
    },
)
CampaignGroupBy = group_by_input("CampaignGroupBy", CampaignGroupField)


@strawberry.type(description="What the campaigns of a group share; keys not grouped by are null.")
class CampaignGroupKey:
    type: CampaignType | None = strawberry.field(default=None, description="Type.")
    status: CampaignStatus | None = strawberry.field(default=None, description="Status.")
    currency: str | None = strawberry.field(default=None, description="Currency.")
    starts_on: date | None = strawberry.field(
        default=None, description="The first day of the period (with a granularity)."
    )
    created_at: datetime | None = strawberry.field(default=None, description=PERIOD_KEY)
    _owner_id: strawberry.Private[int | None] = None

    owner = key_reference(CampaignModel, "owner", "The owner.")


CAMPAIGNS = AggregateSpec(
    view="campaignsAggregate",
    model=CampaignModel,
    fields={
        "TYPE": GroupField("type", "type", convert=CampaignType),
        "STATUS": GroupField("status", "status", convert=CampaignStatus),
        "CURRENCY": GroupField("currency", "currency"),
        "OWNER": by_reference("owner"),
        "STARTS_ON": GroupField("starts_on", "starts_on", "date"),
        "CREATED_AT": GroupField("created_at", "created_at", "datetime"),
    },
    numeric=(
        NumericField("budget", "budget", "Budget.", money=True, readable_by=CAMPAIGN_PLANNERS),
        NumericField(
            "actual_cost",
            "actual_cost",
            "Actual cost.",
            money=True,
            readable_by=CAMPAIGN_PLANNERS,
        ),
        NumericField("expected_response", "expected_response", "Expected response in percent."),
    ),
    key_type=CampaignGroupKey,
    filter_input=CampaignFilter,
)
CAMPAIGN_TYPES = group_types("Campaign", CampaignGroupKey, CAMPAIGNS.numeric)


@strawberry.type
class CampaignAggregateQueries:
    campaigns_aggregate = aggregate_field(
        CAMPAIGNS,
        CAMPAIGN_TYPES,
        CampaignGroupBy,
        description="Campaigns in groups (by type, status, owner, start month, ...): "
        "counts, and budget and cost sums for the roles that plan campaigns (sum money "
        "within one currency: filter or group by currency).",
    )
