"""Mutations of customers: create (one or up to 100), update, soft delete, restore."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types.unset import UNSET

from crm_graphql.api.context import Info
from crm_graphql.api.mutations.problems import UserError
from crm_graphql.api.mutations.writes import Writes
from crm_graphql.domains.customers import services
from crm_graphql.domains.customers.enums import CustomerSource, LifecycleStage
from crm_graphql.domains.customers.types import Customer

#: At most this many customers in one ``createCustomers``.
MAX_BULK = 100


@strawberry.input(description="A postal address; omitted parts are empty.")
class AddressInput:
    line1: str | None = strawberry.field(default=None, description="Street and number.")
    line2: str | None = strawberry.field(default=None, description="Apartment, floor.")
    city: str | None = strawberry.field(default=None, description="City or town.")
    region: str | None = strawberry.field(default=None, description="State or province.")
    postal_code: str | None = strawberry.field(default=None, description="Postal code.")
    country: str | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 country code."
    )


@strawberry.input(description="A new customer.")
class CreateCustomerInput:
    first_name: str = strawberry.field(description="Given name (1-100 characters).")
    last_name: str = strawberry.field(description="Family name (1-100 characters).")
    email: str | None = strawberry.field(default=None, description="E-mail address.")
    phone: str | None = strawberry.field(
        default=None, description="Phone number; stored in E.164 (+14155550100)."
    )
    job_title: str | None = strawberry.field(default=None, description="Role at the company.")
    company: strawberry.ID | None = strawberry.field(default=None, description="Company ID.")
    owner: strawberry.ID | None = strawberry.field(
        default=None, description="Owner (User ID); the caller when omitted."
    )
    lifecycle_stage: LifecycleStage = strawberry.field(
        default=LifecycleStage.LEAD, description="Lifecycle stage."
    )
    source: CustomerSource = strawberry.field(
        default=CustomerSource.OTHER, description="How the person reached the CRM."
    )
    address: AddressInput | None = strawberry.field(default=None, description="Address.")
    birth_date: date | None = strawberry.field(default=None, description="Not in the future.")
    marketing_consent: bool = strawberry.field(
        default=False,
        description="Agreed to receive marketing e-mail (true grants EMAIL consent too).",
    )
    tags: list[str] | None = strawberry.field(default=None, description="Labels.")
    external_id: str | None = strawberry.field(
        default=None, description="The ID in another system (at most 100 characters)."
    )
    custom_fields: JSON | None = strawberry.field(
        default=None,
        description="Extra fields: a JSON object whose keys are defined custom fields "
        "(`customFieldDefinitions`) and whose values have the defined types.",
    )


@strawberry.input(description="Changes to a customer: only the fields given change.")
class UpdateCustomerInput:
    version: int = strawberry.field(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    )
    first_name: str | None = strawberry.field(default=UNSET, description="Given name.")
    last_name: str | None = strawberry.field(default=UNSET, description="Family name.")
    email: str | None = strawberry.field(default=UNSET, description="E-mail; null clears.")
    phone: str | None = strawberry.field(default=UNSET, description="Phone; null clears.")
    job_title: str | None = strawberry.field(default=UNSET, description="Job title.")
    company: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Company ID; null clears."
    )
    owner: strawberry.ID | None = strawberry.field(default=UNSET, description="Owner ID.")
    lifecycle_stage: LifecycleStage | None = strawberry.field(
        default=UNSET, description="Lifecycle stage; each change is recorded."
    )
    source: CustomerSource | None = strawberry.field(default=UNSET, description="Source.")
    address: AddressInput | None = strawberry.field(
        default=UNSET, description="The whole address; null clears it."
    )
    birth_date: date | None = strawberry.field(default=UNSET, description="Birth date.")
    marketing_consent: bool | None = strawberry.field(
        default=UNSET,
        description="Consent to marketing e-mail: grants or withdraws EMAIL consent too.",
    )
    tags: list[str] | None = strawberry.field(default=UNSET, description="Replaces the tags.")
    external_id: str | None = strawberry.field(
        default=UNSET, description="The ID in another system; null clears."
    )
    custom_fields: JSON | None = strawberry.field(
        default=UNSET, description="Replaces the extra fields."
    )


@strawberry.type(description="The result of a customer mutation.")
class CustomerPayload:
    customer: Customer | None = strawberry.field(
        description="The customer as saved; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


@strawberry.type(description="The result of `createCustomers`.")
class CustomersPayload:
    customers: list[Customer] = strawberry.field(
        description="The customers created, in input order; empty when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused (paths start with the element's index)."
    )


CUSTOMER = Writes(Customer, CustomerPayload, field="customer")
#: Fields a new customer always has, given or not.
NAMES = ("firstName", "lastName")

IdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID of the customer.")]


@strawberry.type
class CustomerMutations:
    @strawberry.mutation(description="Create a customer.")
    async def create_customer(
        self,
        info: Info,
        input: Annotated[CreateCustomerInput, strawberry.argument(description="The customer.")],
    ) -> CustomerPayload:
        return await CUSTOMER.create(
            info, input, services.new_customer, after=services.record_new_stage, fields=NAMES
        )

    @strawberry.mutation(description=f"Create up to {MAX_BULK} customers at once: all or none.")
    async def create_customers(
        self,
        info: Info,
        inputs: Annotated[
            list[CreateCustomerInput],
            strawberry.argument(description=f"The customers, at most {MAX_BULK}."),
        ],
    ) -> CustomersPayload:
        outcome = await CUSTOMER.create_many(
            info,
            inputs,
            services.new_customer,
            limit=MAX_BULK,
            after=services.record_new_stage,
            fields=NAMES,
        )
        return CustomersPayload(customers=outcome.rows, user_errors=outcome.errors)

    @strawberry.mutation(description="Change a customer: only the fields given change.")
    async def update_customer(
        self,
        info: Info,
        id: IdArg,
        input: Annotated[UpdateCustomerInput, strawberry.argument(description="The changes.")],
    ) -> CustomerPayload:
        return await CUSTOMER.update(
            info, id, input, services.customer_fields, after=services.record_new_stage
        )

    @strawberry.mutation(
        description="Delete a customer (soft: restorable by `restoreCustomer`). Refused with "
        "HAS_OPEN_ORDERS while the customer has DRAFT, PLACED or PAID orders."
    )
    async def delete_customer(self, info: Info, id: IdArg) -> CustomerPayload:
        return await CUSTOMER.delete(info, id, before=services.may_delete_customer)

    @strawberry.mutation(description="Bring back a deleted customer.")
    async def restore_customer(self, info: Info, id: IdArg) -> CustomerPayload:
        return await CUSTOMER.restore(info, id)
