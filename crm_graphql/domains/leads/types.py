"""GraphQL types of leads and lead forms."""

from __future__ import annotations

from datetime import datetime

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.entities import ANY_ROW, OWN_OR_UNOWNED_ROWS, entity
from crm_graphql.api.node import Node
from crm_graphql.api.pagination.fields import connection
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.references import reference, visible_row
from crm_graphql.api.roles import CONVERSATION, PERSONAL, Role
from crm_graphql.domains.customers.models import Customer as CustomerModel
from crm_graphql.domains.customers.types import Customer
from crm_graphql.domains.leads.enums import LeadSource, LeadStatus
from crm_graphql.domains.leads.models import Lead as LeadModel
from crm_graphql.domains.leads.models import LeadForm as LeadFormModel
from crm_graphql.domains.sales.models import Opportunity as OpportunityModel
from crm_graphql.domains.sales.types import Opportunity
from crm_graphql.domains.tasks.filters import TASK_LIST


@strawberry.type(description="What a converted lead became.")
class LeadConversion:
    _customer_id: strawberry.Private[int | None]
    _opportunity_id: strawberry.Private[int | None]

    @strawberry.field(description="The customer it became (or was attached to).")
    def customer(self, info: Info) -> Customer | None:
        return visible_row(info, CustomerModel, self._customer_id)

    @strawberry.field(description="The opportunity created with it; null when none was.")
    def opportunity(self, info: Info) -> Opportunity | None:
        return visible_row(info, OpportunityModel, self._opportunity_id)


@strawberry.type(
    description="A web form that public websites post leads to (`POST /forms/{key}/leads`), "
    "without a secret."
)
@entity(LeadFormModel, writers={})
class LeadForm(Node):
    name: str = strawberry.field(description="Name, for staff.")
    key: str = strawberry.field(description="The key in the form's address; not a secret.")
    allowed_origins: list[str] = strawberry.field(
        description="Origins (scheme://host[:port]) whose pages may post to it; empty: any."
    )
    redirect_url: str | None = strawberry.field(
        description="Where a browser goes after a form-encoded submission; null: a JSON answer."
    )
    active: bool = strawberry.field(description="Whether it accepts submissions.")
    submissions: int = strawberry.field(description="Submissions accepted so far.")
    created_at: datetime = strawberry.field(description="When it was created.")
    campaign = reference(
        "The campaign its leads come from, unless a submission carries the tracking code "
        "(`utm_campaign`) of another; null: none."
    )


@strawberry.type(
    description="A person who may become a customer: captured, contacted, qualified and "
    "converted (or disqualified)."
)
@entity(
    LeadModel,
    owner="owner_id",
    writers={
        Role.MANAGER: ANY_ROW,
        Role.SALES: OWN_OR_UNOWNED_ROWS,
        Role.MARKETING: OWN_OR_UNOWNED_ROWS,
    },
)
class Lead(Node):
    first_name: str | None = strawberry.field(description="Given name.")
    last_name: str = strawberry.field(description="Family name (or the whole name given).")
    email: str | None = guarded_field(PERSONAL, "E-mail address.", attr="email")
    phone: str | None = guarded_field(PERSONAL, "Phone number.", attr="phone")
    company_name: str | None = strawberry.field(description="Company name as given.")
    job_title: str | None = strawberry.field(description="Role at the company.")
    country: str | None = strawberry.field(description="ISO 3166-1 alpha-2 country.")
    region: str | None = strawberry.field(description="Region or state.")
    source: LeadSource = strawberry.field(description="How the lead reached the CRM.")
    status: LeadStatus = strawberry.field(description="Where it stands.")
    score: int = strawberry.field(description="How promising it is, 0-100.")
    notes: str | None = guarded_field(CONVERSATION, "Notes of staff.", attr="notes")
    marketing_consent: bool = strawberry.field(
        description="True when the person agreed to receive marketing."
    )
    contact_consent: bool = strawberry.field(
        description="True when the person asked to be contacted."
    )
    submissions: int = strawberry.field(
        description="How many times the person submitted a form (repeats attach here)."
    )
    converted_at: datetime | None = strawberry.field(description="When it was converted.")
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    version: int = strawberry.field(
        description="Incremented by every change; send it back with updates."
    )
    owner = reference("The staff member working it; null: unassigned.")
    form = reference("The web form it came through, if any.")
    campaign = reference(
        "The campaign it came from (its primary campaign source), if any; a conversion "
        "passes it on to the opportunity it creates."
    )
    tasks = connection(
        TASK_LIST, parent="lead", description="Tasks about the lead, soonest due first by default."
    )

    @strawberry.field(description="What it became; null until converted.")
    def converted_to(self, root: LeadModel) -> LeadConversion | None:
        if root.converted_at is None:
            return None
        return LeadConversion(
            _customer_id=root.converted_customer_id,
            _opportunity_id=root.converted_opportunity_id,
        )
