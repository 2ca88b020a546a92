"""The rules of interactions: what a recorded touch point may hold."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from strawberry.types.unset import UNSET

from crm_graphql.api import validation
from crm_graphql.api.filters import strawberry_name
from crm_graphql.api.mutations.inputs import given
from crm_graphql.api.mutations.problems import UserErrorCode
from crm_graphql.api.mutations.writes import Change
from crm_graphql.db.values import column_values
from crm_graphql.domains.sales.models import Opportunity

#: Longest body kept: a long e-mail thread or call transcript, not a file store.
MAX_BODY_LENGTH = 100_000


async def new_interaction(change: Change) -> dict[str, Any]:
    """A new interaction: with a customer (not deleted), recorded by its author (the
    caller by default), now unless it says when."""
    data, problems = change.input, change.problems
    customer_id = await problems.existing_id(change.at("customer"), data.customer, "Customer")
    author_id = (
        await problems.existing_id(change.at("author"), data.author, "User")
        if data.author is not None
        else change.caller_id
    )
    values = {"customer_id": customer_id, "author_id": author_id}
    values.update(await _fields(change, customer_id, creating=True))
    return values


async def interaction_fields(change: Change, customer_id: int | None) -> dict[str, Any]:
    """The validated fields of a new interaction with customer ``customer_id`` (the
    customer and author resolved by the caller, as a CSV import does for a batch)."""
    return await _fields(change, customer_id, creating=True)


async def interaction_changes(change: Change) -> dict[str, Any]:
    """The changes of an update: only the fields given; customer and author stay."""
    return await _fields(change, change.row.customer_id, creating=False)


async def _fields(change: Change, customer_id: int | None, *, creating: bool) -> dict[str, Any]:
    """Validated column values for the fields given (all problems at once).

    ``customer_id`` is the interaction's customer (None when that is itself invalid): an
    opportunity must belong to it.
    """
    data, problems = change.input, change.problems
    out: dict[str, Any] = {}
    for name in ("channel", "direction", "occurred_at"):
        value = getattr(data, name)
        if given(value):
            if value is None and name != "occurred_at":
                problems.add(
                    change.at(strawberry_name(name)), "Must not be null.", UserErrorCode.REQUIRED
                )
            out[name] = value
    if out.get("occurred_at", UNSET) is None:
        if not creating:
            problems.add(change.at("occurredAt"), "Must not be null.", UserErrorCode.REQUIRED)
        out["occurred_at"] = datetime.now(UTC)
    if given(data.subject):
        out["subject"] = validation.text(
            problems, change.at("subject"), data.subject, max_length=255, required=True
        )
    if given(data.outcome):
        out["outcome"] = validation.text(
            problems, change.at("outcome"), data.outcome, max_length=120
        )
    if given(data.body):
        # Stored exactly as given: escaping is the job of whoever renders it.
        if data.body is not None and len(data.body) > MAX_BODY_LENGTH:
            problems.add(
                change.at("body"), f"At most {MAX_BODY_LENGTH} characters.", UserErrorCode.TOO_LONG
            )
        out["body"] = data.body
    if given(data.duration_seconds):
        if data.duration_seconds is not None and data.duration_seconds < 0:
            problems.add(
                change.at("durationSeconds"), "Must not be negative.", UserErrorCode.OUT_OF_RANGE
            )
        out["duration_seconds"] = data.duration_seconds
    if given(data.opportunity):
        out["opportunity_id"] = await _opportunity_id(change, data.opportunity, customer_id)
    return out


async def _opportunity_id(
    change: Change, global_id: str | None, customer_id: int | None
) -> int | None:
    if global_id is None:
        return None
    problems, path = change.problems, change.at("opportunity")
    pk = problems.id_of(path, global_id, "Opportunity")
    if pk is None:
        return None
    owner = await column_values(Opportunity.filter(pk=pk), "customer_id")
    if not owner:
        problems.add(path, "No such Opportunity.", UserErrorCode.NOT_FOUND)
    elif customer_id is not None and owner[0] != customer_id:
        problems.add(path, "The opportunity belongs to another customer.", UserErrorCode.INVALID)
    return pk
