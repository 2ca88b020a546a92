"""Mutations of lead forms (ADMIN): create and change the web forms that capture leads."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.context import Info
from crm_graphql.api.mutations.problems import UserError
from crm_graphql.api.mutations.writes import Writes
from crm_graphql.domains.leads import services
from crm_graphql.domains.leads.types import LeadForm


@strawberry.input(description="A new web form.")
class CreateLeadFormInput:
    name: str = strawberry.field(description="Name, for staff (1-120 characters).")
    allowed_origins: list[str] | None = strawberry.field(
        default=None,
        description="Origins (https://host[:port]) whose pages may post to it; empty: any.",
    )
    redirect_url: str | None = strawberry.field(
        default=None,
        description="Where a browser goes after a form-encoded submission; null: a JSON answer.",
    )
    campaign: strawberry.ID | None = strawberry.field(
        default=None,
        description="The campaign its leads come from (Campaign ID), unless a submission "
        "carries the tracking code of another.",
    )


@strawberry.input(description="Changes to a web form: only the fields given change.")
class UpdateLeadFormInput:
    version: int = strawberry.field(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    )
    name: str | None = strawberry.field(default=UNSET, description="Name.")
    allowed_origins: list[str] | None = strawberry.field(
        default=UNSET, description="Allowed origins; empty: any."
    )
    redirect_url: str | None = strawberry.field(
        default=UNSET, description="Redirect address; null: a JSON answer."
    )
    active: bool | None = strawberry.field(
        default=UNSET, description="false: submissions are refused (404)."
    )
    campaign: strawberry.ID | None = strawberry.field(
        default=UNSET, description="The campaign its leads come from (Campaign ID); null: none."
    )


@strawberry.type(description="The result of a lead-form mutation.")
class LeadFormPayload:
    lead_form: LeadForm | None = strawberry.field(
        description="The form as saved; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


LEAD_FORM = Writes(LeadForm, LeadFormPayload, field="lead_form")


@strawberry.type
class LeadFormMutations:
    @strawberry.mutation(
        description="Create a web form (ADMIN); its key goes into the website's form "
        "action: `POST /forms/{key}/leads`."
    )
    async def create_lead_form(
        self,
        info: Info,
        input: Annotated[CreateLeadFormInput, strawberry.argument(description="The form.")],
    ) -> LeadFormPayload:
        return await LEAD_FORM.create(info, input, services.new_lead_form, fields=["key"])

    @strawberry.mutation(description="Change a web form (ADMIN).")
    async def update_lead_form(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Global ID of the form.")],
        input: Annotated[UpdateLeadFormInput, strawberry.argument(description="The changes.")],
    ) -> LeadFormPayload:
        return await LEAD_FORM.update(info, id, input, services.lead_form_fields)
