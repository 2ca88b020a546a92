"""Lead records in groups: ``leadsAggregate``."""

from __future__ import annotations

from datetime import datetime

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
from crm_graphql.domains.leads.enums import LeadSource, LeadStatus
from crm_graphql.domains.leads.filters import LeadFilter
from crm_graphql.domains.leads.models import Lead as LeadModel

LeadGroupField = group_field_enum(
    "Lead",
    {
        "STATUS": "Status.",
        "SOURCE": "Source.",
        "COUNTRY": "Country.",
        "OWNER": "Owner.",
        "CAMPAIGN": "The campaign it came from.",
        "CREATED_AT": "Creation time (with a granularity).",
        "CONVERTED_AT": "Conversion time (with a granularity).",
    },
)
LeadGroupBy = group_by_input("LeadGroupBy", LeadGroupField)


@strawberry.type(description="What the leads of a group share; keys not grouped by are null.")
class LeadGroupKey:
    status: LeadStatus | None = strawberry.field(default=None, description="Status.")
    source: LeadSource | None = strawberry.field(default=None, description="Source.")
    country: str | None = strawberry.field(default=None, description="Country.")
    created_at: datetime | None = strawberry.field(default=None, description=PERIOD_KEY)
    converted_at: datetime | None = strawberry.field(default=None, description=PERIOD_KEY)
    _owner_id: strawberry.Private[int | None] = None
    _campaign_id: strawberry.Private[int | None] = None

    owner = key_reference(LeadModel, "owner", "The owner.")
    campaign = key_reference(LeadModel, "campaign", "The campaign they came from.")


LEADS = AggregateSpec(
    view="leadsAggregate",
    model=LeadModel,
    fields={
        "STATUS": GroupField("status", "status", convert=LeadStatus),
        "SOURCE": GroupField("source", "source", convert=LeadSource),
        "COUNTRY": GroupField("country", "country"),
        "OWNER": by_reference("owner"),
        "CAMPAIGN": by_reference("campaign"),
        "CREATED_AT": GroupField("created_at", "created_at", "datetime"),
        "CONVERTED_AT": GroupField("converted_at", "converted_at", "datetime"),
    },
    numeric=(NumericField("score", "score", "Score."),),
    key_type=LeadGroupKey,
    filter_input=LeadFilter,
)
LEAD_TYPES = group_types("Lead", LeadGroupKey, LEADS.numeric)


@strawberry.type
class LeadAggregateQueries:
    leads_aggregate = aggregate_field(
        LEADS,
        LEAD_TYPES,
        LeadGroupBy,
        description="Leads in groups: counts, sums, averages, extremes of the score.",
    )
