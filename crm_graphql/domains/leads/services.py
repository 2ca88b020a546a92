"""The rules of leads: what a new or changed lead may hold, the status machine, and
conversion into a customer, a company and an opportunity.

Plain functions over the models, free of GraphQL; they never commit: callers run them
inside their transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from strawberry.types.unset import UNSET

from crm_graphql.api import validation
from crm_graphql.api.mutations.inputs import given
from crm_graphql.api.mutations.problems import Path, Problems, UserErrorCode
from crm_graphql.api.mutations.writes import Change
from crm_graphql.domains.customers.models import (
    Company,
    Customer,
    CustomerLifecycleChange,
    CustomerSource,
    LifecycleStage,
)
from crm_graphql.domains.leads.models import OPEN_LEAD_STATUSES, Lead, LeadSource, LeadStatus
from crm_graphql.domains.sales.models import (
    STAGE_PROBABILITY,
    Opportunity,
    OpportunityStage,
    OpportunityStageChange,
)
from crm_graphql.domains.tasks.models import Task, TaskStatus

#: The status machine of ``changeLeadStatus``: the statuses each status may move to.
#: CONVERTED is reached through ``convertLead`` only, and is final.
TRANSITIONS: dict[LeadStatus, frozenset[LeadStatus]] = {
    LeadStatus.NEW: frozenset({LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.UNQUALIFIED}),
    LeadStatus.CONTACTED: frozenset({LeadStatus.QUALIFIED, LeadStatus.UNQUALIFIED}),
    LeadStatus.QUALIFIED: frozenset({LeadStatus.CONTACTED, LeadStatus.UNQUALIFIED}),
    LeadStatus.UNQUALIFIED: frozenset({LeadStatus.CONTACTED, LeadStatus.QUALIFIED}),
    LeadStatus.CONVERTED: frozenset(),
}
#: Statuses a lead may be converted from.
CONVERTIBLE = OPEN_LEAD_STATUSES

#: Mail providers whose domain says nothing about the person's company.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "proton.me",
        "protonmail.com",
        "mail.com",
        "yandex.ru",
    }
)

SOURCE_OF_CUSTOMER = {
    LeadSource.WEB_FORM: CustomerSource.WEB_FORM,
    LeadSource.IMPORT: CustomerSource.IMPORT,
    LeadSource.EMAIL: CustomerSource.EMAIL,
    LeadSource.REFERRAL: CustomerSource.REFERRAL,
    LeadSource.EVENT: CustomerSource.EVENT,
}


def now() -> datetime:
    return datetime.now(UTC)


def _score(problems: Problems, path: Path, value: int | None) -> int:
    if value is None:
        return 0
    if not 0 <= value <= 100:
        problems.add(path, "From 0 to 100.", UserErrorCode.OUT_OF_RANGE)
    return value


async def lead_fields(change: Change, *, creating: bool) -> dict[str, Any]:
    """Validated column values of the fields given (every problem at once)."""
    data, problems = change.input, change.problems
    values: dict[str, Any] = {}
    texts = {
        "first_name": ("firstName", 100, False),
        "last_name": ("lastName", 100, True),
        "company_name": ("companyName", 200, False),
        "job_title": ("jobTitle", 120, False),
        "region": ("region", 100, False),
        "notes": ("notes", 20_000, False),
    }
    for column, (name, length, required) in texts.items():
        value = getattr(data, column)
        if given(value):
            values[column] = validation.text(
                problems, change.at(name), value, max_length=length, required=required
            )
    if given(data.email):
        values["email"] = validation.email(problems, change.at("email"), data.email)
    if given(data.phone):
        values["phone"] = validation.phone(
            problems, change.at("phone"), data.phone, change.settings.phone_region
        )
    if given(data.country):
        values["country"] = validation.country(problems, change.at("country"), data.country)
    if given(data.score):
        values["score"] = _score(problems, change.at("score"), data.score)
    for flag in ("marketing_consent", "contact_consent"):
        if given(getattr(data, flag)) and getattr(data, flag) is not None:
            values[flag] = getattr(data, flag)
    if given(data.source) and data.source is not None:
        values["source"] = LeadSource(data.source.value)
    if given(data.owner):
        values["owner_id"] = await problems.existing_id(change.at("owner"), data.owner, "User")
    if given(data.campaign):
        values["campaign_id"] = await problems.existing_id(
            change.at("campaign"), data.campaign, "Campaign"
        )
    return values


async def new_lead(change: Change) -> dict[str, Any]:
    """A new lead: NEW, owned by the owner given (unassigned when none is: assignment
    rules may pick one)."""
    return await lead_fields(change, creating=True)


async def lead_changes(change: Change) -> dict[str, Any]:
    """The changes of an update: only the fields given; the status moves through
    :func:`status_move` and :func:`convert` only."""
    if change.row.status == LeadStatus.CONVERTED:
        change.problems.add(
            change.at(), "A converted lead does not change.", UserErrorCode.INVALID_TRANSITION
        )
    return await lead_fields(change, creating=False)


def status_move(status: LeadStatus) -> Callable[[Change], Awaitable[dict[str, Any]]]:
    """The rules of a move to ``status`` (see :data:`TRANSITIONS`)."""

    async def move(change: Change) -> dict[str, Any]:
        row: Lead = change.row
        if status not in TRANSITIONS[row.status]:
            hint = " (use convertLead)" if status == LeadStatus.CONVERTED else ""
            change.problems.add(
                ["status"],
                f"A {row.status.value} lead cannot become {status.value}{hint}.",
                UserErrorCode.INVALID_TRANSITION,
            )
        change.audit["from"] = row.status.value
        return {"status": status}

    return move


async def locked_lead(pk: int) -> Lead | None:
    """A lead read with a row lock: two conversions of one lead never interleave."""
    return await Lead.filter(pk=pk).select_for_update().first()


# --------------------------------------------------------------------------- conversion


@dataclass
class NewOpportunity:
    """The opportunity a conversion creates."""

    name: str
    amount: Decimal
    currency: str
    stage: OpportunityStage
    expected_close_date: date | None


@dataclass
class Conversion:
    """What a conversion wrote: each record and whether it is new."""

    lead: Lead
    customer: Customer
    customer_created: bool
    company: Company | None
    company_created: bool
    opportunity: Opportunity | None
    tasks_moved: int


def email_domain(email: str | None) -> str | None:
    """The company domain of an e-mail address (None for free mail providers)."""
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].lower()
    return None if domain in FREE_MAIL_DOMAINS else domain


async def _company(
    problems: Problems, lead: Lead, company_id: int | None
) -> tuple[Company | None, bool]:
    if company_id is not None:
        return await Company.get(pk=company_id), False
    domain = email_domain(lead.email)
    if domain is not None:
        # Not a company merged into another (those are soft-deleted).
        found = await Company.filter(domain=domain, deleted_at=None).order_by("id").first()
        if found is not None:
            return found, False
    if lead.company_name is None and domain is None:
        return None, False
    company = await Company.create(
        name=lead.company_name or domain, domain=domain, owner_id=lead.owner_id
    )
    return company, True


async def convert(
    problems: Problems,
    lead: Lead,
    *,
    company_id: int | None,
    opportunity: NewOpportunity | None,
    caller_id: int | None,
) -> Conversion:
    """Convert ``lead``: the customer with its e-mail (or a new one), the company of
    ``company_id`` or of its e-mail's domain (found or created), the opportunity asked
    for, its open tasks moved to the customer; the lead becomes CONVERTED with links
    to what it became. Runs in the caller's transaction: all or nothing."""
    if lead.status not in CONVERTIBLE:
        problems.fail(
            ["id"],
            f"A {lead.status.value} lead cannot be converted.",
            UserErrorCode.INVALID_TRANSITION,
        )
    at = now()
    company, company_created = await _company(problems, lead, company_id)
    customer = None
    if lead.email is not None:
        customer = (
            await Customer.filter(email=lead.email, deleted_at__isnull=True).order_by("id").first()
        )
    customer_created = customer is None
    if customer is None:
        customer = await Customer.create(
            first_name=lead.first_name or "",
            last_name=lead.last_name,
            email=lead.email,
            phone=lead.phone,
            job_title=lead.job_title,
            company_id=company.pk if company else None,
            country=lead.country,
            region=lead.region,
            owner_id=lead.owner_id or caller_id,
            source=SOURCE_OF_CUSTOMER.get(lead.source, CustomerSource.OTHER),
            lifecycle_stage=LifecycleStage.PROSPECT,
            marketing_consent=lead.marketing_consent,
        )
        await CustomerLifecycleChange.create(
            customer_id=customer.pk,
            stage=LifecycleStage.PROSPECT,
            changed_at=at,
            changed_by_id=caller_id,
        )
    elif customer.company_id is None and company is not None:
        customer.company_id = company.pk
        await Customer.filter(pk=customer.pk).update(company_id=company.pk)
    created_opportunity = None
    if opportunity is not None:
        created_opportunity = await Opportunity.create(
            customer_id=customer.pk,
            company_id=customer.company_id,
            owner_id=lead.owner_id or caller_id,
            name=opportunity.name,
            amount=opportunity.amount,
            currency=opportunity.currency,
            stage=opportunity.stage,
            probability=STAGE_PROBABILITY[opportunity.stage],
            expected_close_date=opportunity.expected_close_date,
            # The lead's campaign is the deal's primary campaign source.
            campaign_id=lead.campaign_id,
        )
        await OpportunityStageChange.create(
            opportunity_id=created_opportunity.pk,
            stage=opportunity.stage,
            changed_at=at,
            changed_by_id=caller_id,
        )
    moved = await Task.filter(lead_id=lead.pk, status=TaskStatus.OPEN).update(
        customer_id=customer.pk,
        opportunity_id=created_opportunity.pk if created_opportunity else None,
    )
    return Conversion(
        lead=lead,
        customer=customer,
        customer_created=customer_created,
        company=company,
        company_created=company_created,
        opportunity=created_opportunity,
        tasks_moved=moved,
    )


def conversion_values(conversion: Conversion) -> dict[str, Any]:
    """The lead's columns after a conversion."""
    return {
        "status": LeadStatus.CONVERTED,
        "converted_at": now(),
        "converted_customer_id": conversion.customer.pk,
        "converted_opportunity_id": conversion.opportunity.pk
        if conversion.opportunity is not None
        else None,
    }


# --------------------------------------------------------------------------- web forms

ORIGIN_LENGTH = 200


def _origins(problems: Problems, path: Path, values: list[str] | None) -> list[str]:
    """Origins as ``scheme://host[:port]``, lower-case, without a path."""
    checked: list[str] = []
    for i, value in enumerate(values or []):
        parts = urlsplit(value.strip().lower())
        if (
            parts.scheme not in ("http", "https")
            or not parts.netloc
            or parts.path not in ("", "/")
            or parts.query
            or len(value) > ORIGIN_LENGTH
        ):
            problems.add([*path, i], "An origin: https://host[:port].", UserErrorCode.INVALID)
            continue
        checked.append(f"{parts.scheme}://{parts.netloc}")
    if len(checked) > 20:
        problems.add(path, "At most 20 origins.", UserErrorCode.TOO_MANY)
    return checked


def _redirect(problems: Problems, path: Path, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > 500:
        problems.add(path, "An absolute http(s) address.", UserErrorCode.INVALID)
        return None
    return value.strip()


async def lead_form_fields(change: Change) -> dict[str, Any]:
    """Validated columns of a lead form's fields given."""
    data, problems = change.input, change.problems
    values: dict[str, Any] = {}
    if given(data.name):
        values["name"] = validation.text(
            problems, change.at("name"), data.name, max_length=120, required=True
        )
    if given(data.allowed_origins):
        values["allowed_origins"] = _origins(
            problems, change.at("allowedOrigins"), data.allowed_origins
        )
    if given(data.redirect_url):
        values["redirect_url"] = _redirect(problems, change.at("redirectUrl"), data.redirect_url)
    if given(getattr(data, "active", UNSET)) and data.active is not None:
        values["active"] = data.active
    if given(data.campaign):
        values["campaign_id"] = await problems.existing_id(
            change.at("campaign"), data.campaign, "Campaign"
        )
    return values


async def new_lead_form(change: Change) -> dict[str, Any]:
    """A new form, with a random key (not a secret: it is in the website's HTML)."""
    return {**await lead_form_fields(change), "key": secrets.token_urlsafe(15)}
