"""Mutations of companies: create, update, delete (hard: their people stay, companyless)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.context import Info
from crm_graphql.api.mutations.problems import UserError
from crm_graphql.api.mutations.writes import Writes
from crm_graphql.domains.customers import services
from crm_graphql.domains.customers.enums import SizeBand
from crm_graphql.domains.customers.mutations.customers import AddressInput
from crm_graphql.domains.customers.types import Company


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


COMPANY = Writes(Company, CompanyPayload, field="company")

IdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID of the company.")]


@strawberry.type
class CompanyMutations:
    @strawberry.mutation(description="Create a company.")
    async def create_company(
        self,
        info: Info,
        input: Annotated[CreateCompanyInput, strawberry.argument(description="The company.")],
    ) -> CompanyPayload:
        return await COMPANY.create(info, input, services.new_company)

    @strawberry.mutation(description="Change a company: only the fields given change.")
    async def update_company(
        self,
        info: Info,
        id: IdArg,
        input: Annotated[UpdateCompanyInput, strawberry.argument(description="The changes.")],
    ) -> CompanyPayload:
        return await COMPANY.update(info, id, input, services.company_fields)

    @strawberry.mutation(
        description="Delete a company for good. Its people and opportunities stay, without "
        "a company."
    )
    async def delete_company(self, info: Info, id: IdArg) -> CompanyPayload:
        # For good: the deleted flag of companies marks the ones merged into another.
        return await COMPANY.delete(info, id, before=services.detach_company, soft=False)
