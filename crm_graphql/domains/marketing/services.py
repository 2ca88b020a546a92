"""The rules of the marketing domain: what a segment or campaign may hold, the campaign
status machine, members, responses and consent. Used by the GraphQL mutations (and the
public unsubscribe page), each returning the column values to write or doing the bulk
writes in the caller's transaction."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from strawberry.types.unset import UNSET

from crm_graphql.api import validation
from crm_graphql.api.mutations.inputs import given
from crm_graphql.api.mutations.problems import UserErrorCode
from crm_graphql.api.mutations.writes import Change, Prepare
from crm_graphql.domains.leads.models import Lead, LeadForm
from crm_graphql.domains.marketing import consent, segments
from crm_graphql.domains.marketing.models import Campaign, CampaignStatus, CampaignType
from crm_graphql.domains.sales.models import Opportunity


def _segment_filter(change: Change, value: Any) -> dict[str, Any]:
    """The filter to store: the input as JSON, validated as the list validates it (and
    refused when it filters on a field the caller may not read)."""
    problems, info = change.problems, change.info
    data = segments.filter_to_json(value, info) if value not in (None, UNSET) else {}
    parsed = segments.parse_filter(data, info)
    for problem in parsed.problems:
        problems.add(change.at("filter", *problem.path), problem.message, UserErrorCode.INVALID)
    if parsed.value is not None:
        principal = info.context.principal
        role = principal.role if principal is not None else None
        for path, message in segments.walk(parsed.value, info, role):
            problems.add(change.at("filter", *path), message, UserErrorCode.FORBIDDEN)
    return data


async def new_segment(change: Change) -> dict[str, Any]:
    """A new segment: name, description, filter, search; owned by the caller."""
    data, problems = change.input, change.problems
    return {
        "name": validation.text(
            problems, change.at("name"), data.name, max_length=200, required=True
        ),
        "description": validation.text(
            problems, change.at("description"), data.description, max_length=10_000
        ),
        "customer_filter": _segment_filter(change, data.filter),
        "search": validation.text(problems, change.at("search"), data.search, max_length=200),
        "owner_id": change.caller_id,
    }


async def segment_changes(change: Change) -> dict[str, Any]:
    """The fields of a segment given in the input."""
    data, problems = change.input, change.problems
    values: dict[str, Any] = {}
    if given(data.name):
        values["name"] = validation.text(
            problems, change.at("name"), data.name, max_length=200, required=True
        )
    if given(data.description):
        values["description"] = validation.text(
            problems, change.at("description"), data.description, max_length=10_000
        )
    if given(data.filter):
        values["customer_filter"] = _segment_filter(change, data.filter)
    if given(data.search):
        values["search"] = validation.text(
            problems, change.at("search"), data.search, max_length=200
        )
    return values


# --------------------------------------------------------------------------- campaigns

#: The campaign status machine: where each status may go.
CAMPAIGN_TRANSITIONS: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    CampaignStatus.PLANNED: frozenset({CampaignStatus.ACTIVE, CampaignStatus.ABORTED}),
    CampaignStatus.ACTIVE: frozenset({CampaignStatus.COMPLETED, CampaignStatus.ABORTED}),
    CampaignStatus.COMPLETED: frozenset(),
    CampaignStatus.ABORTED: frozenset(),
}


def _percent(change: Change, name: str, value: int | None) -> int | None:
    if value is not None and not 0 <= value <= 100:
        change.problems.add(change.at(name), "From 0 to 100.", UserErrorCode.OUT_OF_RANGE)
        return None
    return value


def _optional_money(change: Change, name: str, value: Decimal | None) -> Decimal | None:
    return None if value is None else validation.money(change.problems, change.at(name), value)


def _dates(change: Change, starts_on: date | None, ends_on: date | None) -> None:
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        change.problems.add(
            change.at("endsOn"), "Must not be before the start.", UserErrorCode.OUT_OF_RANGE
        )


TRACKING_CODE = re.compile(r"[A-Za-z0-9._-]{1,100}")


async def _tracking_code(change: Change, value: str | None) -> str | None:
    """A campaign's ``utm_campaign`` value: a short token, unique among campaigns."""
    if value is None or not value.strip():
        return None
    code = value.strip()
    if not TRACKING_CODE.fullmatch(code):
        change.problems.add(
            change.at("trackingCode"),
            "1-100 letters, digits, dots, underscores or hyphens.",
            UserErrorCode.INVALID,
        )
        return None
    others = Campaign.filter(tracking_code=code)
    if change.row is not None:
        others = others.exclude(pk=change.row.pk)
    if await others.exists():
        change.problems.add(
            change.at("trackingCode"),
            "Another campaign has this tracking code.",
            UserErrorCode.DUPLICATE,
        )
    return code


async def new_campaign(change: Change) -> dict[str, Any]:
    """A new campaign: PLANNED, owned by the given owner or the caller."""
    data, problems = change.input, change.problems
    owner_id = await problems.existing_id(change.at("owner"), data.owner, "User")
    _dates(change, data.starts_on, data.ends_on)
    return {
        "name": validation.text(
            problems, change.at("name"), data.name, max_length=200, required=True
        ),
        "type": CampaignType(data.type.value),
        "status": CampaignStatus.PLANNED,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "budget": _optional_money(change, "budget", data.budget),
        "actual_cost": _optional_money(change, "actualCost", data.actual_cost),
        "currency": validation.currency(problems, change.at("currency"), data.currency),
        "expected_response": _percent(change, "expectedResponse", data.expected_response),
        "description": validation.text(
            problems, change.at("description"), data.description, max_length=10_000
        ),
        "tracking_code": await _tracking_code(change, data.tracking_code),
        "owner_id": owner_id if data.owner is not None else change.caller_id,
    }


async def campaign_changes(change: Change) -> dict[str, Any]:
    """The fields of a campaign given in the input (the status changes through
    :func:`campaign_move`; the type is fixed once members were added)."""
    data, problems, row = change.input, change.problems, change.row
    values: dict[str, Any] = {}
    if given(data.name):
        values["name"] = validation.text(
            problems, change.at("name"), data.name, max_length=200, required=True
        )
    if given(data.description):
        values["description"] = validation.text(
            problems, change.at("description"), data.description, max_length=10_000
        )
    for name, attr in (("budget", "budget"), ("actualCost", "actual_cost")):
        if given(getattr(data, attr)):
            values[attr] = _optional_money(change, name, getattr(data, attr))
    if given(data.currency):
        values["currency"] = validation.currency(problems, change.at("currency"), data.currency)
    if given(data.expected_response):
        values["expected_response"] = _percent(change, "expectedResponse", data.expected_response)
    if given(data.tracking_code):
        values["tracking_code"] = await _tracking_code(change, data.tracking_code)
    for attr in ("starts_on", "ends_on"):
        if given(getattr(data, attr)):
            values[attr] = getattr(data, attr)
    _dates(change, values.get("starts_on", row.starts_on), values.get("ends_on", row.ends_on))
    if given(data.owner):
        values["owner_id"] = await problems.existing_id(change.at("owner"), data.owner, "User")
    return values


def campaign_move(target: CampaignStatus) -> Prepare:
    """Move a campaign along its status machine; anything else is INVALID_TRANSITION."""

    async def move(change: Change) -> dict[str, Any]:
        current = CampaignStatus(change.row.status)
        if target not in CAMPAIGN_TRANSITIONS[current]:
            change.problems.add(
                change.path,
                f"A {current.value} campaign cannot become {target.value}.",
                UserErrorCode.INVALID_TRANSITION,
            )
        change.audit["from"] = current.value
        return {"status": target}

    return move


# --------------------------------------------------------------------------- consent


async def record_marketing_flags(flags: dict[int, bool]) -> None:
    """Customers' ``marketing_consent`` written in bulk (customer ID -> flag, e.g. by an
    import): their EMAIL consent follows in the same transaction (see :mod:`.consent`)."""
    await consent.record_flags(flags)


async def detach_campaign(change: Change) -> None:
    """Before a campaign is deleted: the leads, lead forms and opportunities it brought
    stay, without a campaign.

    Done explicitly: the columns added to existing tables carry no foreign key on MySQL
    (and a connection may run without foreign-key checks), and a lead must not keep the
    number of a campaign that is gone.
    """
    campaign_id = change.row.pk
    await Lead.filter(campaign_id=campaign_id).update(campaign_id=None)
    await LeadForm.filter(campaign_id=campaign_id).update(campaign_id=None)
    await Opportunity.filter(campaign_id=campaign_id).update(campaign_id=None)
