"""GraphQL types of customers and companies: the customer-360 view."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from crm_graphql.api.columns import reads
from crm_graphql.api.context import Info
from crm_graphql.api.entities import ANY_ROW, OWN_ROWS, entity, only_fields
from crm_graphql.api.loaders import load_by_id
from crm_graphql.api.money import MoneyAmount
from crm_graphql.api.node import Node
from crm_graphql.api.pagination.fields import connection
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.planner import prefetched
from crm_graphql.api.references import reference
from crm_graphql.api.roles import FINANCIAL, PERSONAL, SUPPORT_READERS, Role
from crm_graphql.domains.billing import loaders as billing_loaders
from crm_graphql.domains.billing.filters import INVOICE_LIST, PAYMENT_LIST
from crm_graphql.domains.customers import loaders
from crm_graphql.domains.customers.enums import (
    CustomerSource,
    CustomFieldType,
    LifecycleStage,
    SizeBand,
)
from crm_graphql.domains.customers.filters import CUSTOMER_LIST
from crm_graphql.domains.customers.models import Company as CompanyModel
from crm_graphql.domains.customers.models import Customer as CustomerModel
from crm_graphql.domains.interactions.filters import INTERACTION_LIST
from crm_graphql.domains.leads.loaders import load_converted_from
from crm_graphql.domains.marketing import loaders as marketing_loaders
from crm_graphql.domains.marketing.models import CustomerConsent as CustomerConsentModel
from crm_graphql.domains.marketing.types import CustomerConsent
from crm_graphql.domains.orders.filters import ORDER_LIST
from crm_graphql.domains.sales.filters import OPPORTUNITY_LIST
from crm_graphql.domains.support.filters import TICKET_LIST
from crm_graphql.domains.tasks.filters import TASK_LIST
from crm_graphql.domains.timeline.enums import TimelineKind
from crm_graphql.domains.timeline.loaders import timeline_page
from crm_graphql.domains.users.models import User as UserModel
from crm_graphql.domains.users.types import User

if TYPE_CHECKING:
    from crm_graphql.domains.leads.types import Lead
    from crm_graphql.domains.timeline.types import TimelineConnection


async def _lifetime_values(info: Info, customers: list[Any]) -> list[Decimal | None]:
    """``lifetimeValue`` of every customer of a list, in one batch."""
    base = info.context.settings.base_currency
    found = await loaders.lifetime_values_of(info, customers)
    return [loaders.in_currency(amounts, base) for amounts in found]


@strawberry.type(description="One change of a stage: to what, when, by whom.")
class StageChange:
    stage: LifecycleStage = strawberry.field(description="The stage entered.")
    changed_at: datetime = strawberry.field(description="When.")
    _changed_by_id: strawberry.Private[int | None]

    @strawberry.field(description="The staff member who made the change.", graphql_type=User | None)
    async def changed_by(self, info: Info) -> UserModel | None:
        return await load_by_id(info, UserModel, self._changed_by_id)


@strawberry.type(description="A postal address.")
class Address:
    line1: str | None = strawberry.field(description="Street and number.")
    line2: str | None = strawberry.field(description="Apartment, floor, building.")
    city: str | None = strawberry.field(description="City or town.")
    region: str | None = strawberry.field(description="State, province or county.")
    postal_code: str | None = strawberry.field(description="Postal or ZIP code.")
    country: str | None = strawberry.field(description="ISO 3166-1 alpha-2 country code.")


def address_of(row: Any) -> Address | None:
    """The address stored on a customer or company row, or None when it has none."""
    parts = (
        row.address_line1,
        row.address_line2,
        row.city,
        row.region,
        row.postal_code,
        row.country,
    )
    if not any(parts):
        return None
    return Address(
        line1=parts[0],
        line2=parts[1],
        city=parts[2],
        region=parts[3],
        postal_code=parts[4],
        country=parts[5],
    )


@strawberry.type(description="An organisation that customers belong to.")
@entity(
    CompanyModel,
    owner="owner_id",
    writers={Role.MANAGER: ANY_ROW},
    deleted_flag="deleted_at",
    merged_into="merged_into_id",
)
class Company(Node):
    name: str = strawberry.field(description="Name.")
    domain: str | None = strawberry.field(description="Web domain, e.g. example.com.")
    industry: str | None = strawberry.field(description="Industry.")
    size_band: SizeBand | None = strawberry.field(description="Head-count band.")
    phone: str | None = strawberry.field(description="Main phone number (E.164).")
    created_at: datetime = strawberry.field(description="When the company was created.")
    updated_at: datetime = strawberry.field(description="When the company last changed.")
    version: int = strawberry.field(
        description="Incremented by every change; send it back with `updateCompany`."
    )

    @strawberry.field(description="Postal address; null when none is known.")
    def address(self, root: CompanyModel) -> Address | None:
        return address_of(root)

    owner = reference("The staff member responsible for the account.")
    merged_into = reference(
        "The company this one was merged into (`mergeCompanies`); null unless merged. A "
        "merged company is hidden (soft-deleted): only ADMIN reaches it, through references."
    )
    payment_terms_days: int | None = strawberry.field(
        description="Net days its customers' invoices are due in; null: 30 (see "
        "`setCompanyPaymentTerms`)."
    )
    customers = connection(
        CUSTOMER_LIST,
        parent="company",
        description="People who work at the company, newest first by default.",
    )
    opportunities = connection(
        OPPORTUNITY_LIST,
        parent="company",
        description="Opportunities with the company, newest first by default.",
    )


@strawberry.type(
    description="A person the organisation knows, with the full history of their "
    "interactions, orders and opportunities."
)
@entity(
    CustomerModel,
    owner="owner_id",
    writers={
        Role.MANAGER: ANY_ROW,
        Role.SALES: OWN_ROWS,
        Role.MARKETING: only_fields("marketingConsent", "tags", "consents"),
    },
    deleted_flag="deleted_at",
    merged_into="merged_into_id",
)
class Customer(Node):
    first_name: str = strawberry.field(description="Given name.")
    last_name: str = strawberry.field(description="Family name.")
    email: str | None = guarded_field(PERSONAL, "E-mail address.", attr="email")
    phone: str | None = guarded_field(PERSONAL, "Phone number (E.164).", attr="phone")
    job_title: str | None = strawberry.field(description="Role at the company.")
    lifecycle_stage: LifecycleStage = strawberry.field(description="Lifecycle stage.")
    source: CustomerSource = strawberry.field(description="How the person reached the CRM.")
    birth_date: date | None = guarded_field(PERSONAL, "Date of birth.", attr="birth_date")
    marketing_consent: bool = strawberry.field(
        description="True when the person agreed to receive marketing e-mail: the same as a "
        "granted EMAIL entry of `consents` (changing either changes both)."
    )
    tags: list[str] = strawberry.field(description="Free labels for segmentation.")
    custom_fields: JSON = strawberry.field(description="Organisation-defined extra fields.")
    created_at: datetime = strawberry.field(description="When the customer was created.")
    updated_at: datetime = strawberry.field(description="When the customer last changed.")
    deleted_at: datetime | None = strawberry.field(
        description="When the customer was deleted; null unless deleted (see includeDeleted)."
    )
    version: int = strawberry.field(
        description="Incremented by every change; send it back with `updateCustomer`."
    )

    @strawberry.field(description="Every lifecycle-stage change, oldest first.")
    async def lifecycle_history(self, root: CustomerModel, info: Info) -> list[StageChange]:
        return await loaders.load_lifecycle_history(info, root.id)

    @guarded_field(PERSONAL, "Postal address; null when none is known.")
    def address(self, root: CustomerModel) -> Address | None:
        return address_of(root)

    company = reference("The company the person works for, if known.")
    owner = reference("The staff member responsible for the customer.")
    merged_into = reference(
        "The customer this one was merged into (`mergeCustomers`); null unless merged. A "
        "merged customer is deleted: `node(id:)` of its ID gives the survivor."
    )

    @guarded_field(
        FINANCIAL,
        "Sum of the totals of PAID and SHIPPED orders in the base currency "
        "(CRM_BASE_CURRENCY); other currencies are in `lifetimeValueByCurrency`. What was "
        "ordered, not what was invoiced or paid: see `paidRevenue` and `balance`.",
    )
    @reads("id")
    @prefetched(_lifetime_values)
    async def lifetime_value(self, root: CustomerModel, info: Info) -> Decimal | None:
        amounts = await loaders.load_lifetime_values(info, root.id)
        return loaders.in_currency(amounts, info.context.settings.base_currency)

    @guarded_field(FINANCIAL, "Lifetime value per currency, one entry per currency used.")
    @reads("id")
    @prefetched(loaders.lifetime_values_of)
    async def lifetime_value_by_currency(
        self, root: CustomerModel, info: Info
    ) -> list[MoneyAmount] | None:
        return await loaders.load_lifetime_values(info, root.id)

    @guarded_field(
        FINANCIAL,
        "Sum of the amounts of open opportunities (not won or lost) in the base "
        "currency; other currencies are in `openPipelineByCurrency`.",
    )
    @reads("id")
    async def open_pipeline_amount(self, root: CustomerModel, info: Info) -> Decimal | None:
        amounts = await loaders.load_open_pipeline(info, root.id)
        return loaders.in_currency(amounts, info.context.settings.base_currency)

    @guarded_field(FINANCIAL, "Open pipeline per currency, one entry per currency used.")
    async def open_pipeline_by_currency(
        self, root: CustomerModel, info: Info
    ) -> list[MoneyAmount] | None:
        return await loaders.load_open_pipeline(info, root.id)

    @strawberry.field(description="When the latest interaction happened; null if none.")
    async def last_interaction_at(self, root: CustomerModel, info: Info) -> datetime | None:
        return await loaders.load_last_interaction_at(info, root.id)

    interactions = connection(
        INTERACTION_LIST,
        parent="customer",
        description="The customer's interactions, newest first by default.",
    )
    orders = connection(
        ORDER_LIST, parent="customer", description="The customer's orders, newest first by default."
    )
    opportunities = connection(
        OPPORTUNITY_LIST,
        parent="customer",
        description="The customer's opportunities, newest first by default.",
    )

    @strawberry.field(
        description="Consent to be contacted, one entry per channel with an answer (a "
        "channel without an entry was never asked: no consent).",
        graphql_type=list[CustomerConsent],
    )
    async def consents(self, root: CustomerModel, info: Info) -> list[CustomerConsentModel]:
        return await marketing_loaders.load_consents(info, root.id)

    tickets = connection(
        TICKET_LIST,
        parent="customer",
        readable_by=SUPPORT_READERS,
        description="The customer's support tickets, newest first by default (SALES: only "
        "for customers it owns).",
    )
    external_id: str | None = strawberry.field(
        description="The customer's ID in another system (a shop, an ERP): matched by "
        "CSV imports of customers and interactions."
    )
    payment_terms_days: int | None = strawberry.field(
        description="Net days the customer's invoices are due in; null: the company's, "
        "else 30 (see `setCustomerPaymentTerms`)."
    )

    @guarded_field(
        FINANCIAL,
        "What the customer owes in the base currency (CRM_BASE_CURRENCY): the balances of "
        "issued invoices and credit notes minus unallocated payments (credit); negative when "
        "the customer has credit. Other currencies are in `balanceByCurrency`.",
    )
    async def balance(self, root: CustomerModel, info: Info) -> Decimal | None:
        amounts = await billing_loaders.load_balances(info, root.id)
        return billing_loaders.in_currency(amounts, info.context.settings.base_currency)

    @guarded_field(FINANCIAL, "Balance per currency, one entry per currency used.")
    async def balance_by_currency(
        self, root: CustomerModel, info: Info
    ) -> list[MoneyAmount] | None:
        return await billing_loaders.load_balances(info, root.id)

    @guarded_field(
        FINANCIAL,
        "Payments applied to the customer's invoices (net of refunds on its credit notes) in "
        "the base currency; other currencies are in `paidRevenueByCurrency`.",
    )
    async def paid_revenue(self, root: CustomerModel, info: Info) -> Decimal | None:
        amounts = await billing_loaders.load_paid_revenue(info, root.id)
        return billing_loaders.in_currency(amounts, info.context.settings.base_currency)

    @guarded_field(FINANCIAL, "Paid revenue per currency, one entry per currency used.")
    async def paid_revenue_by_currency(
        self, root: CustomerModel, info: Info
    ) -> list[MoneyAmount] | None:
        return await billing_loaders.load_paid_revenue(info, root.id)

    invoices = connection(
        INVOICE_LIST,
        parent="customer",
        readable_by=FINANCIAL,
        description="The customer's invoices and credit notes, newest first by default.",
    )
    payments = connection(
        PAYMENT_LIST,
        parent="customer",
        readable_by=FINANCIAL,
        description="The customer's payments and refunds, latest first by default.",
    )

    tasks = connection(
        TASK_LIST,
        parent="customer",
        description="Tasks about the customer, soonest due first by default.",
    )

    @strawberry.field(
        description="Everything about the customer as one feed, newest first: interactions, "
        "orders and their status changes, opportunity stage changes, tickets and comments, "
        "tasks, campaign responses, invoices and payments. Each entry carries its record "
        "with the usual field and row rules (entries a role may not read are left out; "
        "asking for such a kind in `types` is FORBIDDEN)."
    )
    @reads("id")
    async def timeline(
        self,
        root: CustomerModel,
        info: Info,
        first: Annotated[
            int | None,
            strawberry.argument(description="Entries per page (default and maximum as lists)."),
        ] = None,
        after: Annotated[
            str | None,
            strawberry.argument(description="Read on after this cursor (`pageInfo.endCursor`)."),
        ] = None,
        types: Annotated[
            list[TimelineKind] | None,
            strawberry.argument(
                description="Only these kinds of entries; all readable ones by default."
            ),
        ] = None,
    ) -> Annotated[TimelineConnection, strawberry.lazy("crm_graphql.domains.timeline.types")]:
        # Imported here: the timeline's entries include tasks, whose subjects include
        # customers (the types import each other).
        from crm_graphql.domains.timeline.types import TimelineConnection

        rows, has_next = await timeline_page(info, root.id, first=first, after=after, kinds=types)
        return TimelineConnection.of(rows, has_next)

    @strawberry.field(description="The lead the customer was converted from; null when none.")
    async def converted_from_lead(
        self, root: CustomerModel, info: Info
    ) -> Annotated[Lead, strawberry.lazy("crm_graphql.domains.leads.types")] | None:
        return await load_converted_from(info, root.id)


@strawberry.type(description="An organisation-defined extra field of customers.")
class CustomFieldDefinition:
    key: str = strawberry.field(description="The key in `customFields`, e.g. `shoe_size`.")
    label: str = strawberry.field(description="The name shown to people.")
    type: CustomFieldType = strawberry.field(description="The type every value must have.")
