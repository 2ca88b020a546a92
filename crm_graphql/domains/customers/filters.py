"""Filters, search and sort orders of customer and company lists."""

from __future__ import annotations

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.filters import (
    BooleanFilter,
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
from crm_graphql.api.roles import PERSONAL
from crm_graphql.domains.customers.enums import CustomerSource, LifecycleStage, SizeBand
from crm_graphql.domains.customers.models import Company, Customer


@strawberry.input(description="Conditions on a LifecycleStage value.")
class LifecycleStageFilter(EnumFilter[LifecycleStage]):
    pass


@strawberry.input(description="Conditions on a CustomerSource value.")
class CustomerSourceFilter(EnumFilter[CustomerSource]):
    pass


@strawberry.input(description="Conditions on a SizeBand value.")
class SizeBandFilter(EnumFilter[SizeBand]):
    pass


#: Columns matched by ``customers(search:)``: every word must match one of them. The
#: e-mail address only for roles that may read it.
CUSTOMER_SEARCH = ("first_name", "last_name", "email", "company__name")
CUSTOMER_SEARCH_WITHOUT_EMAIL = ("first_name", "last_name", "company__name")
#: Columns matched by ``companies(search:)``.
COMPANY_SEARCH = ("name", "domain")


@filter_input("customers")
class CustomerFilter(FilterInput):
    model = Customer
    guarded = {"email": PERSONAL, "country": PERSONAL, "birth_date": PERSONAL}

    first_name: StringFilter | None = strawberry.field(default=UNSET, description="First name.")
    last_name: StringFilter | None = strawberry.field(default=UNSET, description="Last name.")
    email: StringFilter | None = strawberry.field(default=UNSET, description="E-mail address.")
    job_title: StringFilter | None = strawberry.field(default=UNSET, description="Job title.")
    country: StringFilter | None = strawberry.field(
        default=UNSET, description="Country of the address (ISO 3166-1 alpha-2)."
    )
    lifecycle_stage: LifecycleStageFilter | None = strawberry.field(
        default=UNSET, description="Lifecycle stage."
    )
    source: CustomerSourceFilter | None = strawberry.field(default=UNSET, description="Source.")
    marketing_consent: BooleanFilter | None = strawberry.field(
        default=UNSET, description="Consent to marketing."
    )
    birth_date: DateFilter | None = strawberry.field(default=UNSET, description="Birth date.")
    created_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When the customer was created."
    )
    updated_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When the customer last changed."
    )
    company: IDFilter | None = strawberry.field(default=UNSET, description="The company.")
    owner: IDFilter | None = strawberry.field(default=UNSET, description="The owner.")


@filter_input("companies")
class CompanyFilter(FilterInput):
    model = Company

    name: StringFilter | None = strawberry.field(default=UNSET, description="Name.")
    domain: StringFilter | None = strawberry.field(default=UNSET, description="Web domain.")
    industry: StringFilter | None = strawberry.field(default=UNSET, description="Industry.")
    country: StringFilter | None = strawberry.field(
        default=UNSET, description="Country of the address (ISO 3166-1 alpha-2)."
    )
    size_band: SizeBandFilter | None = strawberry.field(default=UNSET, description="Size band.")
    created_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When the company was created."
    )
    owner: IDFilter | None = strawberry.field(default=UNSET, description="The owner.")


CUSTOMER_LIST = sortable(
    "Customer",
    Customer,
    {
        "CREATED_AT": ("created_at", "Creation time."),
        "UPDATED_AT": ("updated_at", "Time of the last change."),
        "LAST_NAME": ("last_name", "Last name."),
        "FIRST_NAME": ("first_name", "First name."),
        "EMAIL": ("email", "E-mail address."),
        "LIFECYCLE_STAGE": ("lifecycle_stage", "Lifecycle stage name."),
    },
    default=(SortKey("created_at", True),),
    filter=CustomerFilter,
    guarded={"EMAIL": PERSONAL},
)

COMPANY_LIST = sortable(
    "Company",
    Company,
    {
        "NAME": ("name", "Name."),
        "CREATED_AT": ("created_at", "Creation time."),
        "UPDATED_AT": ("updated_at", "Time of the last change."),
    },
    default=(SortKey("name", False),),
    filter=CompanyFilter,
)
