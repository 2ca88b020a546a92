"""Mutations of leads: create, update, change status, convert.

The status moves only through ``changeLeadStatus`` (the status machine in
``services.TRANSITIONS``) and ``convertLead`` (the only way to CONVERTED).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api import validation
from crm_graphql.api.context import Info
from crm_graphql.api.mutations.problems import Problems, UserError, UserErrorCode
from crm_graphql.api.mutations.transaction import run_mutation, update_versioned
from crm_graphql.api.mutations.writes import Writes
from crm_graphql.domains.customers.types import Company, Customer
from crm_graphql.domains.leads import services
from crm_graphql.domains.leads.enums import LeadSource, LeadStatus
from crm_graphql.domains.leads.models import Lead as LeadModel
from crm_graphql.domains.leads.types import Lead
from crm_graphql.domains.sales.enums import OpportunityStage
from crm_graphql.domains.sales.models import OPEN_STAGES
from crm_graphql.domains.sales.types import Opportunity


@strawberry.input(description="A new lead; it starts NEW.")
class CreateLeadInput:
    last_name: str = strawberry.field(
        description="Family name, or the whole name when only one is known (1-100)."
    )
    first_name: str | None = strawberry.field(default=None, description="Given name.")
    email: str | None = strawberry.field(default=None, description="E-mail address.")
    phone: str | None = strawberry.field(
        default=None, description="Phone number (E.164, or national in CRM_PHONE_REGION)."
    )
    company_name: str | None = strawberry.field(default=None, description="Company name.")
    job_title: str | None = strawberry.field(default=None, description="Role at the company.")
    country: str | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 country (territory assignment uses it)."
    )
    region: str | None = strawberry.field(default=None, description="Region or state.")
    source: LeadSource = strawberry.field(
        default=LeadSource.MANUAL, description="How the lead reached the CRM."
    )
    score: int | None = strawberry.field(default=None, description="0-100; 0 when omitted.")
    notes: str | None = strawberry.field(default=None, description="Notes of staff.")
    marketing_consent: bool = strawberry.field(
        default=False, description="The person agreed to receive marketing."
    )
    contact_consent: bool = strawberry.field(
        default=False, description="The person asked to be contacted."
    )
    owner: strawberry.ID | None = strawberry.field(
        default=None,
        description="Owner (User ID); when omitted, the assignment rules choose one (or none).",
    )
    campaign: strawberry.ID | None = strawberry.field(
        default=None, description="The campaign it came from (Campaign ID), if any."
    )


@strawberry.input(
    description="Changes to a lead: only the fields given change. The status changes "
    "through `changeLeadStatus` and `convertLead`."
)
class UpdateLeadInput:
    version: int = strawberry.field(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    )
    last_name: str | None = strawberry.field(default=UNSET, description="Family name.")
    first_name: str | None = strawberry.field(default=UNSET, description="Given name.")
    email: str | None = strawberry.field(default=UNSET, description="E-mail address.")
    phone: str | None = strawberry.field(default=UNSET, description="Phone number.")
    company_name: str | None = strawberry.field(default=UNSET, description="Company name.")
    job_title: str | None = strawberry.field(default=UNSET, description="Role at the company.")
    country: str | None = strawberry.field(default=UNSET, description="ISO 3166-1 country.")
    region: str | None = strawberry.field(default=UNSET, description="Region or state.")
    source: LeadSource | None = strawberry.field(default=UNSET, description="Source.")
    score: int | None = strawberry.field(default=UNSET, description="0-100.")
    notes: str | None = strawberry.field(default=UNSET, description="Notes of staff.")
    marketing_consent: bool | None = strawberry.field(
        default=UNSET, description="Agreed to receive marketing."
    )
    contact_consent: bool | None = strawberry.field(
        default=UNSET, description="Asked to be contacted."
    )
    owner: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Owner (User ID); null: unassigned."
    )
    campaign: strawberry.ID | None = strawberry.field(
        default=UNSET, description="The campaign it came from (Campaign ID); null clears."
    )


@strawberry.input(description="The opportunity a conversion creates.")
class ConversionOpportunityInput:
    name: str = strawberry.field(description="Short name of the deal (1-200 characters).")
    amount: Decimal = strawberry.field(description="Expected value: not negative.")
    currency: str = strawberry.field(description="ISO 4217 currency code.")
    stage: OpportunityStage = strawberry.field(
        default=OpportunityStage.QUALIFICATION, description="An open pipeline stage."
    )
    expected_close_date: date | None = strawberry.field(
        default=None, description="When the deal is expected to close."
    )


@strawberry.input(description="How to convert a lead.")
class ConvertLeadInput:
    create_opportunity: ConversionOpportunityInput | None = strawberry.field(
        default=None, description="An opportunity to create for the customer; null: none."
    )
    company_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The company of the customer; null: found by the e-mail's domain, or "
        "created from the lead's company name.",
    )


@strawberry.type(description="The result of a lead mutation.")
class LeadPayload:
    lead: Lead | None = strawberry.field(description="The lead as saved; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


@strawberry.type(description="The result of `convertLead`.")
class ConvertLeadPayload:
    lead: Lead | None = strawberry.field(description="The CONVERTED lead; null when refused.")
    customer: Customer | None = strawberry.field(
        description="The customer it became (new, or the one with its e-mail)."
    )
    company: Company | None = strawberry.field(description="The customer's company, if any.")
    opportunity: Opportunity | None = strawberry.field(
        description="The opportunity created; null when none was asked for."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the conversion was refused (nothing was written); empty on success."
    )


LEAD = Writes(Lead, LeadPayload, field="lead", load=services.locked_lead)
#: The audit events of the records a conversion creates.
CUSTOMER = Writes(Customer, object, field="customer")
COMPANY = Writes(Company, object, field="company")
OPPORTUNITY = Writes(Opportunity, object, field="opportunity")

IdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID of the lead.")]


def _opportunity(problems: Problems, data: ConversionOpportunityInput | None) -> Any:
    if data is None:
        return None
    path = ["input", "createOpportunity"]
    stage = OpportunityStage(data.stage)
    if stage not in OPEN_STAGES:
        problems.add([*path, "stage"], "An open pipeline stage.", UserErrorCode.INVALID)
    return services.NewOpportunity(
        name=validation.text(problems, [*path, "name"], data.name, max_length=200, required=True)
        or "",
        amount=validation.money(problems, [*path, "amount"], data.amount) or Decimal(0),
        currency=validation.currency(problems, [*path, "currency"], data.currency) or "",
        stage=stage,
        expected_close_date=data.expected_close_date,
    )


@strawberry.type
class LeadMutations:
    @strawberry.mutation(description="Create a lead (NEW).")
    async def create_lead(
        self,
        info: Info,
        input: Annotated[CreateLeadInput, strawberry.argument(description="The lead.")],
    ) -> LeadPayload:
        return await LEAD.create(info, input, services.new_lead)

    @strawberry.mutation(description="Change a lead: only the fields given change.")
    async def update_lead(
        self,
        info: Info,
        id: IdArg,
        input: Annotated[UpdateLeadInput, strawberry.argument(description="The changes.")],
    ) -> LeadPayload:
        return await LEAD.update(info, id, input, services.lead_changes)

    @strawberry.mutation(
        description="Move a lead along its status machine: NEW -> CONTACTED, QUALIFIED or "
        "UNQUALIFIED; CONTACTED -> QUALIFIED or UNQUALIFIED; QUALIFIED and UNQUALIFIED -> "
        "each other or CONTACTED. CONVERTED only through `convertLead`, and final. "
        "Anything else is INVALID_TRANSITION."
    )
    async def change_lead_status(
        self,
        info: Info,
        id: IdArg,
        status: Annotated[LeadStatus, strawberry.argument(description="The new status.")],
        version: Annotated[
            int,
            strawberry.argument(description="The `version` read; a stale one answers CONFLICT."),
        ],
    ) -> LeadPayload:
        return await LEAD.act(
            info,
            id,
            "status",
            ["status"],
            services.status_move(LeadStatus(status.value)),
            version=version,
            path=["status"],
        )

    @strawberry.mutation(
        description="Convert a lead (NEW, CONTACTED or QUALIFIED) in one transaction: the "
        "customer with the lead's e-mail (or a new one, PROSPECT), the company given or "
        "found by the e-mail's domain (or created from the company name), the opportunity "
        "asked for, the lead's open tasks moved to the customer; the lead becomes "
        "CONVERTED with links to them. The opportunity comes from the lead's campaign "
        "(its `campaign`). One audit event per record; all or nothing."
    )
    async def convert_lead(
        self,
        info: Info,
        id: IdArg,
        input: Annotated[
            ConvertLeadInput | None, strawberry.argument(description="What to create.")
        ] = None,
    ) -> ConvertLeadPayload:
        data = input or ConvertLeadInput()
        done: list[services.Conversion] = []

        async def work(problems: Problems) -> Any:
            lead = await LEAD.find(problems, id)
            await LEAD.require(problems, lead, ["status"], ["id"])
            company_id = await problems.existing_id(
                ["input", "companyId"], data.company_id, "Company"
            )
            opportunity = _opportunity(problems, data.create_opportunity)
            problems.check()
            conversion = await services.convert(
                problems,
                lead,
                company_id=company_id,
                opportunity=opportunity,
                caller_id=problems.caller_id,
            )
            mine = conversion.customer.owner_id
            problems.require_change(
                "Customer",
                ["*"],
                is_owner=problems.owns(mine),
                is_unowned=mine is None,
                path=["id"],
            )
            values = services.conversion_values(conversion)
            await update_versioned(problems, LeadModel, lead.pk, lead.version, values)
            saved = await LEAD.reload(lead.pk)
            if conversion.company is not None and conversion.company_created:
                await COMPANY.record(
                    problems,
                    "create",
                    conversion.company.pk,
                    {
                        "name": conversion.company.name,
                        "domain": conversion.company.domain,
                        "lead_id": lead.pk,
                    },
                    after=conversion.company,
                )
            if conversion.customer_created:
                await CUSTOMER.record(
                    problems,
                    "create",
                    conversion.customer.pk,
                    {"lead_id": lead.pk, "company_id": conversion.customer.company_id},
                    after=conversion.customer,
                )
            if conversion.opportunity is not None:
                await OPPORTUNITY.record(
                    problems,
                    "create",
                    conversion.opportunity.pk,
                    {
                        "lead_id": lead.pk,
                        "name": conversion.opportunity.name,
                        "stage": conversion.opportunity.stage,
                        "campaign_id": conversion.opportunity.campaign_id,
                    },
                    after=conversion.opportunity,
                )
            await LEAD.record(
                problems,
                "convert",
                lead.pk,
                {
                    **values,
                    "customer_created": conversion.customer_created,
                    "tasks_moved": conversion.tasks_moved,
                },
                before=lead,
                after=saved,
            )
            done.append(conversion)
            return saved

        outcome = await run_mutation(info, info.field_name, work)
        conversion = done[0] if outcome.first is not None and done else None
        return ConvertLeadPayload(
            lead=outcome.first,
            customer=conversion.customer if conversion else None,  # type: ignore[arg-type]
            company=conversion.company if conversion else None,  # type: ignore[arg-type]
            opportunity=conversion.opportunity if conversion else None,  # type: ignore[arg-type]
            user_errors=outcome.errors,
        )
