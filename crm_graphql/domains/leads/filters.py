"""Filters and sort orders of lead and lead-form lists."""

from __future__ import annotations

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.filters import (
    BooleanFilter,
    DateTimeFilter,
    EnumFilter,
    FilterInput,
    IDFilter,
    IntFilter,
    StringFilter,
    filter_input,
)
from crm_graphql.api.pagination.cursors import SortKey
from crm_graphql.api.pagination.listing import sortable
from crm_graphql.api.roles import PERSONAL
from crm_graphql.domains.leads.enums import LeadSource, LeadStatus
from crm_graphql.domains.leads.models import Lead, LeadForm


@strawberry.input(description="Conditions on a LeadStatus value.")
class LeadStatusFilter(EnumFilter[LeadStatus]):
    pass


@strawberry.input(description="Conditions on a LeadSource value.")
class LeadSourceFilter(EnumFilter[LeadSource]):
    pass


@filter_input("leads")
class LeadFilter(FilterInput):
    model = Lead
    # A filter must not reveal through counts what a role cannot read.
    guarded = {"email": PERSONAL, "phone": PERSONAL}

    last_name: StringFilter | None = strawberry.field(default=UNSET, description="Family name.")
    email: StringFilter | None = strawberry.field(default=UNSET, description="E-mail address.")
    phone: StringFilter | None = strawberry.field(default=UNSET, description="Phone number.")
    company_name: StringFilter | None = strawberry.field(
        default=UNSET, description="Company name as given."
    )
    country: StringFilter | None = strawberry.field(
        default=UNSET, description="ISO 3166-1 alpha-2 country."
    )
    status: LeadStatusFilter | None = strawberry.field(default=UNSET, description="Status.")
    source: LeadSourceFilter | None = strawberry.field(default=UNSET, description="Source.")
    score: IntFilter | None = strawberry.field(default=UNSET, description="Score.")
    marketing_consent: BooleanFilter | None = strawberry.field(
        default=UNSET, description="Agreed to receive marketing."
    )
    created_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When it was created."
    )
    converted_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When it was converted."
    )
    owner: IDFilter | None = strawberry.field(
        default=UNSET, description="The owner (`isNull: true`: unassigned)."
    )
    form: IDFilter | None = strawberry.field(default=UNSET, description="The web form.")
    campaign: IDFilter | None = strawberry.field(
        default=UNSET, description="The campaign it came from (`isNull: true`: none)."
    )


LEAD_LIST = sortable(
    "Lead",
    Lead,
    {
        "CREATED_AT": ("created_at", "Creation time."),
        "UPDATED_AT": ("updated_at", "Last change."),
        "SCORE": ("score", "Score."),
        "STATUS": ("status", "Status name."),
        "LAST_NAME": ("last_name", "Family name."),
    },
    default=(SortKey("created_at", True),),
    filter=LeadFilter,
)

LEAD_FORM_LIST = sortable(
    "LeadForm",
    LeadForm,
    {"NAME": ("name", "Name."), "CREATED_AT": ("created_at", "Creation time.")},
    default=(SortKey("name", False),),
)
