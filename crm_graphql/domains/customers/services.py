"""The rules of customers and companies: what a new or changed record may hold, the
lifecycle history, and what deleting one means."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from strawberry.types.unset import UNSET

from crm_graphql.api import validation
from crm_graphql.api.filters import strawberry_name
from crm_graphql.api.mutations.inputs import given
from crm_graphql.api.mutations.problems import Path, Problems, UserErrorCode
from crm_graphql.api.mutations.writes import Change
from crm_graphql.domains.customers.custom_fields import check_custom_fields
from crm_graphql.domains.customers.models import Customer, CustomerLifecycleChange
from crm_graphql.domains.orders.models import Order, OrderStatus
from crm_graphql.domains.sales.models import Opportunity

#: Orders that keep a customer from being deleted: not yet finished.
OPEN_ORDER_STATUSES = (OrderStatus.DRAFT, OrderStatus.PLACED, OrderStatus.PAID)
#: A host name: dot-separated labels of letters, digits and inner hyphens.
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
#: Lengths of the address columns.
_ADDRESS_LIMITS = {"line1": 200, "line2": 200, "city": 100, "region": 100, "postal_code": 20}


def address(problems: Problems, path: Path, value: Any) -> dict[str, Any]:
    """The address columns of an ``AddressInput`` (None clears every part)."""
    out: dict[str, Any] = {}
    for name, limit in _ADDRESS_LIMITS.items():
        column = f"address_{name}" if name.startswith("line") else name
        part = getattr(value, name, None) if value is not None else None
        out[column] = validation.text(
            problems, [*path, strawberry_name(name)], part, max_length=limit
        )
    country = value.country if value is not None else None
    out["country"] = validation.country(problems, [*path, "country"], country)
    return out


# --------------------------------------------------------------------------- customers


async def customer_fields(change: Change) -> dict[str, Any]:
    """Validated column values for the fields given (every problem at once)."""
    data, problems = change.input, change.problems
    region = change.settings.phone_region
    out: dict[str, Any] = {}
    for name, limit in (
        ("first_name", 100),
        ("last_name", 100),
        ("job_title", 120),
        ("external_id", 100),
    ):
        value = getattr(data, name, UNSET)
        if given(value):
            must = name in ("first_name", "last_name")  # names cannot be cleared
            out[name] = validation.text(
                problems, change.at(strawberry_name(name)), value, max_length=limit, required=must
            )
    if given(data.email):
        out["email"] = validation.email(problems, change.at("email"), data.email)
    if given(data.phone):
        out["phone"] = validation.phone(problems, change.at("phone"), data.phone, region)
    if given(data.birth_date):
        out["birth_date"] = validation.past_date(problems, change.at("birthDate"), data.birth_date)
    if given(data.tags):
        out["tags"] = validation.tags(problems, change.at("tags"), data.tags) or []
    if given(data.custom_fields):
        out["custom_fields"] = await check_custom_fields(
            problems, change.at("customFields"), data.custom_fields
        )
    for name in ("lifecycle_stage", "source", "marketing_consent"):
        value = getattr(data, name)
        if given(value):
            if value is None:
                problems.add(
                    change.at(strawberry_name(name)), "Must not be null.", UserErrorCode.REQUIRED
                )
            out[name] = value
    if given(data.address):
        out.update(address(problems, change.at("address"), data.address))
    for name, type_name in (("company", "Company"), ("owner", "User")):
        value = getattr(data, name)
        if given(value):
            out[f"{name}_id"] = await problems.existing_id(change.at(name), value, type_name)
    return out


async def new_customer(change: Change) -> dict[str, Any]:
    """A new customer: owned by the caller unless an owner is given."""
    values = await customer_fields(change)
    if values.get("owner_id") is None:
        values["owner_id"] = change.caller_id
    return values


async def record_new_stage(change: Change, row: Customer, values: dict[str, Any]) -> None:
    """Record the lifecycle stage a customer starts in or moves to."""
    stage = values.get("lifecycle_stage", row.lifecycle_stage if change.row is None else None)
    if stage is None or (change.row is not None and stage == change.row.lifecycle_stage):
        return
    await CustomerLifecycleChange.create(
        customer_id=row.pk,
        stage=stage,
        changed_at=datetime.now(UTC),
        changed_by_id=change.caller_id,
    )


async def may_delete_customer(change: Change) -> None:
    """A customer with orders that are not finished stays."""
    if await Order.filter(customer_id=change.row.pk, status__in=OPEN_ORDER_STATUSES).exists():
        change.problems.fail(
            change.path, "The customer has open orders.", UserErrorCode.HAS_OPEN_ORDERS
        )


# --------------------------------------------------------------------------- companies


def _domain(problems: Problems, path: Path, value: str | None) -> str | None:
    cleaned = validation.text(problems, path, value, max_length=253)
    if cleaned is None:
        return None
    cleaned = cleaned.lower()
    if not _DOMAIN.match(cleaned):
        problems.add(path, "Not a domain name.", UserErrorCode.INVALID)
        return None
    return cleaned


async def company_fields(change: Change) -> dict[str, Any]:
    """Validated column values for the fields given (every problem at once)."""
    data, problems = change.input, change.problems
    out: dict[str, Any] = {}
    if given(data.name):
        out["name"] = validation.text(
            problems, change.at("name"), data.name, max_length=200, required=True
        )
    if given(data.domain):
        out["domain"] = _domain(problems, change.at("domain"), data.domain)
    if given(data.industry):
        out["industry"] = validation.text(
            problems, change.at("industry"), data.industry, max_length=100
        )
    if given(data.size_band):
        out["size_band"] = data.size_band
    if given(data.phone):
        region = change.settings.phone_region
        out["phone"] = validation.phone(problems, change.at("phone"), data.phone, region)
    if given(data.address):
        out.update(address(problems, change.at("address"), data.address))
    if given(data.owner):
        out["owner_id"] = await problems.existing_id(change.at("owner"), data.owner, "User")
    return out


async def new_company(change: Change) -> dict[str, Any]:
    """A new company: owned by the caller unless an owner is given."""
    values = await company_fields(change)
    if values.get("owner_id") is None:
        values["owner_id"] = change.caller_id
    return values


async def detach_company(change: Change) -> None:
    """Before a company is deleted: its people and deals stay, without a company.

    The foreign keys are ON DELETE SET NULL too; done explicitly so that this holds
    even on a connection without foreign-key checks.
    """
    await Customer.filter(company_id=change.row.pk).update(company_id=None)
    await Opportunity.filter(company_id=change.row.pk).update(company_id=None)
