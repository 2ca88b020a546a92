"""The rules of the marketing domain: what a segment or campaign may hold, the campaign
status machine, members, responses and consent. Used by the GraphQL mutations (and the
public unsubscribe page), each returning the column values to write or doing the bulk
writes in the caller's transaction."""

from __future__ import annotations

from typing import Any

from strawberry.types.unset import UNSET

from crm_graphql.api import validation
from crm_graphql.api.mutations.inputs import given
from crm_graphql.api.mutations.problems import UserErrorCode
from crm_graphql.api.mutations.writes import Change
from crm_graphql.domains.marketing import segments


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
