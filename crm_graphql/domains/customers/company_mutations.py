"""Mutations of companies: create, update, delete (hard: their people stay, companyless)."""

from __future__ import annotations

import re
from typing import Annotated, Any

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api import validation
from crm_graphql.api.context import Info
from crm_graphql.api.mutations import (
    Problems,
    UserError,
    UserErrorCode,
    caller_id,
    changed_fields,
    given,
    input_field_names,
    plain,
    run_mutation,
    update_versioned,
)
from crm_graphql.domains.audit import services as audit
from crm_graphql.domains.audit.services import meta_from
from crm_graphql.domains.customers.enums import SizeBand
from crm_graphql.domains.customers.models import Company as CompanyModel
from crm_graphql.domains.customers.models import Customer as CustomerModel
from crm_graphql.domains.customers.mutations import AddressInput, _address
from crm_graphql.domains.customers.types import Company
from crm_graphql.domains.sales.models import Opportunity as OpportunityModel
from crm_graphql.domains.users.models import User as UserModel

#: A host name: dot-separated labels of letters, digits and inner hyphens.
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


@strawberry.input(description="A new company.")
class CreateCompanyInput:
    name: str = strawberry.field(description="Name (1-200 characters).")
    domain: str | None = strawberry.field(
        default=None, description="Web domain, e.g. example.com; stored in lower case."
    )
    industry: str | None = strawberry.field(default=None, description="Industry (at most 100).")
    size_band: SizeBand | None = strawberry.field(default=None, description="Head-count band.")
    phone: str | None = strawberry.field(
        default=None, description="Main phone number; stored in E.164 (+14155550100)."
    )
    address: AddressInput | None = strawberry.field(default=None, description="Address.")
    owner: strawberry.ID | None = strawberry.field(
        default=None, description="Owner (User ID); the caller when omitted."
    )


@strawberry.input(description="Changes to a company: only the fields given change.")
class UpdateCompanyInput:
    version: int = strawberry.field(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    )
    name: str | None = strawberry.field(default=UNSET, description="Name.")
    domain: str | None = strawberry.field(default=UNSET, description="Web domain; null clears.")
    industry: str | None = strawberry.field(default=UNSET, description="Industry; null clears.")
    size_band: SizeBand | None = strawberry.field(
        default=UNSET, description="Head-count band; null clears."
    )
    phone: str | None = strawberry.field(default=UNSET, description="Phone; null clears.")
    address: AddressInput | None = strawberry.field(
        default=UNSET, description="The whole address; null clears it."
    )
    owner: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Owner (User ID); null clears."
    )


@strawberry.type(description="The result of a company mutation.")
class CompanyPayload:
    company: Company | None = strawberry.field(
        description="The company as saved (as it was, for a deletion); null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


#: Deleting a company changes every one of its fields.
ALL_FIELDS = input_field_names(CreateCompanyInput)


def _domain(problems: Problems, value: str | None) -> str | None:
    cleaned = validation.text(problems, ["input", "domain"], value, max_length=253)
    if cleaned is None:
        return None
    cleaned = cleaned.lower()
    if not _DOMAIN.match(cleaned):
        problems.add(["input", "domain"], "Not a domain name.", UserErrorCode.INVALID)
        return None
    return cleaned


async def _clean(problems: Problems, data: CreateCompanyInput | UpdateCompanyInput) -> dict:
    """Validated column values for the fields given in ``data`` (all problems at once)."""
    region = problems.info.context.settings.phone_region
    out: dict[str, Any] = {}
    if given(data.name):
        out["name"] = validation.text(
            problems, ["input", "name"], data.name, max_length=200, required=True
        )
    if given(data.domain):
        out["domain"] = _domain(problems, data.domain)
    if given(data.industry):
        out["industry"] = validation.text(
            problems, ["input", "industry"], data.industry, max_length=100
        )
    if given(data.size_band):
        out["size_band"] = data.size_band
    if given(data.phone):
        out["phone"] = validation.phone(problems, ["input", "phone"], data.phone, region)
    if given(data.address):
        out.update(_address(problems, ["input", "address"], data.address))
    if given(data.owner):
        pk = None
        if data.owner is not None:
            pk = problems.id_of(["input", "owner"], data.owner, "User")
            if pk is not None and not await UserModel.filter(pk=pk).exists():
                problems.add(["input", "owner"], "No such User.", UserErrorCode.NOT_FOUND)
        out["owner_id"] = pk
    return out


async def _company(problems: Problems, global_id: str) -> CompanyModel:
    return await problems.record_of(CompanyModel, global_id, "Company")


IdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID of the company.")]


@strawberry.type
class CompanyMutations:
    @strawberry.mutation(description="Create a company.")
    async def create_company(
        self,
        info: Info,
        input: Annotated[CreateCompanyInput, strawberry.argument(description="The company.")],
    ) -> CompanyPayload:
        async def work(problems: Problems) -> CompanyModel:
            caller = caller_id(problems)
            problems.require_change(
                "Company", changed_fields(input), is_owner=False, path=["input"]
            )
            values = await _clean(problems, input)
            if values.get("owner_id") is None:
                values["owner_id"] = caller
            problems.check()
            company = await CompanyModel.create(**values)
            await audit.record(
                "company.create",
                meta_from(info.context),
                entity_type="Company",
                entity_id=company.pk,
                changes={k: plain(v) for k, v in values.items()},
            )
            return company

        outcome = await run_mutation(info, "createCompany", work)
        return _payload(outcome.rows, outcome.errors)

    @strawberry.mutation(description="Change a company: only the fields given change.")
    async def update_company(
        self,
        info: Info,
        id: IdArg,
        input: Annotated[UpdateCompanyInput, strawberry.argument(description="The changes.")],
    ) -> CompanyPayload:
        async def work(problems: Problems) -> CompanyModel:
            company = await _company(problems, id)
            problems.require_change(
                "Company",
                changed_fields(input),
                is_owner=problems.owns(company.owner_id),
                path=["input"],
            )
            values = await _clean(problems, input)
            problems.check()
            await update_versioned(problems, CompanyModel, company.pk, input.version, values)
            await audit.record(
                "company.update",
                meta_from(info.context),
                entity_type="Company",
                entity_id=company.pk,
                changes={k: plain(v) for k, v in values.items()},
            )
            return await CompanyModel.get(pk=company.pk)

        outcome = await run_mutation(info, "updateCompany", work)
        return _payload(outcome.rows, outcome.errors)

    @strawberry.mutation(
        description="Delete a company for good. Its people and opportunities stay, without "
        "a company."
    )
    async def delete_company(self, info: Info, id: IdArg) -> CompanyPayload:
        async def work(problems: Problems) -> CompanyModel:
            company = await _company(problems, id)
            problems.require_change(
                "Company",
                ALL_FIELDS,
                is_owner=problems.owns(company.owner_id),
                path=["id"],
            )
            # The foreign keys are ON DELETE SET NULL too; done explicitly so that people
            # and deals keep existing, companyless, even without foreign-key checks.
            await CustomerModel.filter(company_id=company.pk).update(company_id=None)
            await OpportunityModel.filter(company_id=company.pk).update(company_id=None)
            await company.delete()
            await audit.record(
                "company.delete",
                meta_from(info.context),
                entity_type="Company",
                entity_id=company.pk,
            )
            return company

        outcome = await run_mutation(info, "deleteCompany", work)
        return _payload(outcome.rows, outcome.errors)


def _payload(rows: list[Any], errors: list[UserError]) -> CompanyPayload:
    return CompanyPayload(company=rows[0] if rows else None, user_errors=errors)
