"""Mutations of customers: create (one or up to 100), update, soft delete, restore."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types.unset import UNSET

from crm_graphql.api import validation
from crm_graphql.api.context import Info
from crm_graphql.api.filters import strawberry_name
from crm_graphql.api.mutations import (
    Problems,
    UserError,
    UserErrorCode,
    caller_id,
    changed_fields,
    given,
    plain,
    run_mutation,
    update_versioned,
)
from crm_graphql.domains.audit import services as audit
from crm_graphql.domains.audit.services import meta_from
from crm_graphql.domains.customers.custom_fields import check_custom_fields
from crm_graphql.domains.customers.enums import CustomerSource, LifecycleStage
from crm_graphql.domains.customers.models import Company as CompanyModel
from crm_graphql.domains.customers.models import Customer as CustomerModel
from crm_graphql.domains.customers.models import CustomerLifecycleChange
from crm_graphql.domains.customers.types import Customer
from crm_graphql.domains.orders.models import Order, OrderStatus
from crm_graphql.domains.users.models import User as UserModel

#: Orders that keep a customer from being deleted: not yet finished.
OPEN_ORDER_STATUSES = (OrderStatus.DRAFT, OrderStatus.PLACED, OrderStatus.PAID)
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
        default=False, description="Agreed to receive marketing."
    )
    tags: list[str] | None = strawberry.field(default=None, description="Labels.")
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
        default=UNSET, description="Consent to marketing."
    )
    tags: list[str] | None = strawberry.field(default=UNSET, description="Replaces the tags.")
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


async def _clean(
    problems: Problems,
    data: CreateCustomerInput | UpdateCustomerInput,
    path: list[str | int],
) -> dict[str, Any]:
    """Validated column values for the fields given in ``data`` (all problems at once)."""
    region = problems.info.context.settings.phone_region
    out: dict[str, Any] = {}
    for name, limit in (("first_name", 100), ("last_name", 100), ("job_title", 120)):
        value = getattr(data, name)
        if given(value):
            must = name != "job_title"  # names cannot be cleared
            out[name] = validation.text(
                problems, [*path, strawberry_name(name)], value, max_length=limit, required=must
            )
    if given(data.email):
        out["email"] = validation.email(problems, [*path, "email"], data.email)
    if given(data.phone):
        out["phone"] = validation.phone(problems, [*path, "phone"], data.phone, region)
    if given(data.birth_date):
        out["birth_date"] = validation.past_date(problems, [*path, "birthDate"], data.birth_date)
    if given(data.tags):
        out["tags"] = validation.tags(problems, [*path, "tags"], data.tags) or []
    if given(data.custom_fields):
        out["custom_fields"] = await check_custom_fields(
            problems, [*path, "customFields"], data.custom_fields
        )
    for name in ("lifecycle_stage", "source", "marketing_consent"):
        value = getattr(data, name)
        if given(value):
            if value is None:
                problems.add(
                    [*path, strawberry_name(name)], "Must not be null.", UserErrorCode.REQUIRED
                )
            out[name] = value
    if given(data.address):
        out.update(_address(problems, [*path, "address"], data.address))
    for name, model, type_name in (
        ("company", CompanyModel, "Company"),
        ("owner", UserModel, "User"),
    ):
        value = getattr(data, name)
        if not given(value):
            continue
        if value is None:
            out[f"{name}_id"] = None
            continue
        pk = problems.id_of([*path, name], value, type_name)
        if pk is not None and not await model.filter(pk=pk).exists():
            problems.add([*path, name], f"No such {type_name}.", UserErrorCode.NOT_FOUND)
        out[f"{name}_id"] = pk
    return out


def _address(problems: Problems, path: list[str | int], value: AddressInput | None) -> dict:
    value = value or AddressInput()
    limits = {"line1": 200, "line2": 200, "city": 100, "region": 100, "postal_code": 20}
    out = {
        f"address_{name}" if name.startswith("line") else name: validation.text(
            problems, [*path, strawberry_name(name)], getattr(value, name), max_length=limit
        )
        for name, limit in limits.items()
    }
    out["country"] = validation.country(problems, [*path, "country"], value.country)
    return out


async def _record_stage(customer_id: int, stage: Any, user_id: int | None) -> None:
    await CustomerLifecycleChange.create(
        customer_id=customer_id, stage=stage, changed_at=datetime.now(UTC), changed_by_id=user_id
    )


async def _create(
    problems: Problems, data: CreateCustomerInput, path: list[str | int]
) -> CustomerModel | None:
    values = await _clean(problems, data, path)
    caller = caller_id(problems)
    if values.get("owner_id") is None:
        values["owner_id"] = caller
    problems.require_change(
        "Customer",
        [*changed_fields(data), "firstName", "lastName"],
        is_owner=problems.owns(values["owner_id"]),
        path=path,
    )
    if problems.errors:
        return None
    customer = await CustomerModel.create(**values)
    await _record_stage(customer.pk, customer.lifecycle_stage, caller)
    await audit.record(
        "customer.create",
        meta_from(problems.info.context),
        entity_type="Customer",
        entity_id=customer.pk,
        changes={k: plain(v) for k, v in values.items()},
    )
    return customer


async def _customer(
    problems: Problems, global_id: str, *, include_deleted: bool = False
) -> CustomerModel:
    customer = await problems.record_of(CustomerModel, global_id, "Customer")
    if customer.deleted_at is not None and not include_deleted:
        problems.fail(["id"], "No such Customer.", UserErrorCode.NOT_FOUND)
    return customer


IdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID of the customer.")]


@strawberry.type
class CustomerMutations:
    @strawberry.mutation(description="Create a customer.")
    async def create_customer(
        self,
        info: Info,
        input: Annotated[CreateCustomerInput, strawberry.argument(description="The customer.")],
    ) -> CustomerPayload:
        async def work(problems: Problems) -> CustomerModel | None:
            customer = await _create(problems, input, ["input"])
            problems.check()
            return customer

        outcome = await run_mutation(info, "createCustomer", work)
        return CustomerPayload(customer=outcome.first, user_errors=outcome.errors)

    @strawberry.mutation(description=f"Create up to {MAX_BULK} customers at once: all or none.")
    async def create_customers(
        self,
        info: Info,
        inputs: Annotated[
            list[CreateCustomerInput],
            strawberry.argument(description=f"The customers, at most {MAX_BULK}."),
        ],
    ) -> CustomersPayload:
        async def work(problems: Problems) -> list[CustomerModel]:
            if len(inputs) > MAX_BULK:
                problems.fail(["inputs"], f"At most {MAX_BULK} at once.", UserErrorCode.TOO_MANY)
            created = [
                await _create(problems, data, ["inputs", i]) for i, data in enumerate(inputs)
            ]
            problems.check()
            return [customer for customer in created if customer is not None]

        outcome = await run_mutation(info, "createCustomers", work)
        return CustomersPayload(customers=outcome.rows, user_errors=outcome.errors)

    @strawberry.mutation(description="Change a customer: only the fields given change.")
    async def update_customer(
        self,
        info: Info,
        id: IdArg,
        input: Annotated[UpdateCustomerInput, strawberry.argument(description="The changes.")],
    ) -> CustomerPayload:
        async def work(problems: Problems) -> CustomerModel:
            customer = await _customer(problems, id)
            caller = caller_id(problems)
            problems.require_change(
                "Customer",
                changed_fields(input),
                is_owner=problems.owns(customer.owner_id),
                path=["input"],
            )
            values = await _clean(problems, input, ["input"])
            problems.check()
            await update_versioned(problems, CustomerModel, customer.pk, input.version, values)
            stage = values.get("lifecycle_stage")
            if stage is not None and stage != customer.lifecycle_stage:
                await _record_stage(customer.pk, stage, caller)
            await audit.record(
                "customer.update",
                meta_from(info.context),
                entity_type="Customer",
                entity_id=customer.pk,
                changes={k: plain(v) for k, v in values.items()},
            )
            return await CustomerModel.get(pk=customer.pk)

        outcome = await run_mutation(info, "updateCustomer", work)
        return CustomerPayload(customer=outcome.first, user_errors=outcome.errors)

    @strawberry.mutation(
        description="Delete a customer (soft: restorable by `restoreCustomer`). Refused with "
        "HAS_OPEN_ORDERS while the customer has DRAFT, PLACED or PAID orders."
    )
    async def delete_customer(self, info: Info, id: IdArg) -> CustomerPayload:
        return await _set_deleted(info, id, deleted=True)

    @strawberry.mutation(description="Bring back a deleted customer.")
    async def restore_customer(self, info: Info, id: IdArg) -> CustomerPayload:
        return await _set_deleted(info, id, deleted=False)


async def _set_deleted(info: Info, global_id: str, *, deleted: bool) -> CustomerPayload:
    async def work(problems: Problems) -> CustomerModel:
        customer = await _customer(problems, global_id, include_deleted=not deleted)
        problems.require_change(
            "Customer",
            ["deletedAt"],
            is_owner=problems.owns(customer.owner_id),
            path=["id"],
        )
        has_open_orders = await Order.filter(
            customer_id=customer.pk, status__in=OPEN_ORDER_STATUSES
        ).exists()
        if deleted and customer.deleted_at is None and has_open_orders:
            problems.fail(["id"], "The customer has open orders.", UserErrorCode.HAS_OPEN_ORDERS)
        value = datetime.now(UTC) if deleted else None
        await update_versioned(
            problems, CustomerModel, customer.pk, customer.version, {"deleted_at": value}
        )
        await audit.record(
            "customer.delete" if deleted else "customer.restore",
            meta_from(info.context),
            entity_type="Customer",
            entity_id=customer.pk,
        )
        return await CustomerModel.get(pk=customer.pk)

    outcome = await run_mutation(info, "deleteCustomer" if deleted else "restoreCustomer", work)
    return CustomerPayload(customer=outcome.first, user_errors=outcome.errors)
