"""Saved customer filters: stored as the JSON a client sends for ``customers(filter:)``,
validated on save with the list's own rules, and turned back into the same condition
when the segment is read.

A stored filter is checked against the schema as it is now (``problems``): a field
that was renamed or removed since the segment was saved is reported on the segment,
and its lists refuse to run, instead of failing deep inside a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from graphql import GraphQLError, GraphQLInputType
from graphql.utilities import coerce_input_value, validate_input_value
from strawberry.types.arguments import convert_argument
from strawberry.types.base import has_object_definition
from strawberry.types.unset import UNSET
from tortoise.expressions import Q, Subquery

from crm_graphql.api.context import Info
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.filters import FilterInput, IDFilter
from crm_graphql.api.ids import decode_id
from crm_graphql.api.references import referenced_type_name
from crm_graphql.api.roles import PERSONAL, Role
from crm_graphql.domains.customers.filters import (
    CUSTOMER_SEARCH,
    CUSTOMER_SEARCH_WITHOUT_EMAIL,
    CustomerFilter,
)
from crm_graphql.domains.customers.models import Company
from crm_graphql.domains.marketing.models import Segment

#: The GraphQL name of the saved input type.
FILTER_TYPE = "CustomerFilter"


@dataclass(frozen=True)
class FilterProblem:
    """Why a stored filter does not validate: where inside the filter, and what."""

    path: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class ParsedFilter:
    """A stored filter read back: the input value, or the problems that prevent it."""

    value: CustomerFilter | None
    problems: tuple[FilterProblem, ...]


def filter_to_json(value: Any, info: Info) -> Any:
    """A filter input value as the JSON a client would send (GraphQL field names)."""
    if value is None:
        return None
    if isinstance(value, list):
        return [filter_to_json(item, info) for item in value]
    if has_object_definition(value):
        converter = info.schema.config.name_converter
        out: dict[str, Any] = {}
        for field in value.__strawberry_definition__.fields:
            item = getattr(value, field.python_name, UNSET)
            if item is UNSET:
                continue
            out[converter.get_graphql_name(field)] = filter_to_json(item, info)
        return out
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def parse_filter(data: Any, info: Info) -> ParsedFilter:
    """Validate stored JSON against today's ``CustomerFilter`` and build the input value."""
    schema = info.schema
    graphql_type = schema._schema.get_type(FILTER_TYPE)
    assert graphql_type is not None
    found: list[FilterProblem] = []

    def on_error(error: GraphQLError, path: Any = None, *_: Any) -> None:
        found.append(
            FilterProblem(tuple(str(part) for part in (path or ())), _sentence(error.message))
        )

    input_type: GraphQLInputType = graphql_type  # type: ignore[assignment]
    validate_input_value(data, input_type, on_error)
    if found:
        return ParsedFilter(None, tuple(found))
    coerced = coerce_input_value(data, input_type)
    value = convert_argument(
        coerced, CustomerFilter, schema.schema_converter.scalar_registry, schema.config
    )
    assert isinstance(value, CustomerFilter)
    # The list's own rules beyond the types (IDs of the right kind), as the most
    # privileged reader: what a role may filter on is checked when a caller reads.
    found = [FilterProblem(path, message) for path, message in walk(value, info, None)]
    if not found:
        try:
            value.to_q(Role.ADMIN)
        except CrmError as error:
            found.append(FilterProblem(_argument_path(error), error.message))
    return ParsedFilter(None if found else value, tuple(found))


def walk(
    value: FilterInput, info: Info, role: Role | None, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], str]]:
    """Problems of a filter value, each at its path inside the filter: IDs of the wrong
    kind (always) and, with ``role``, fields that role may not filter on."""
    converter = info.schema.config.name_converter
    found: list[tuple[tuple[str, ...], str]] = []
    for field in type(value).__strawberry_definition__.fields:  # type: ignore[attr-defined]
        item = getattr(value, field.python_name, UNSET)
        if item is UNSET or item is None:
            continue
        name = converter.get_graphql_name(field)
        here = (*path, name)
        allowed = value.guarded.get(field.python_name)
        if role is not None and allowed is not None and role not in allowed:
            found.append((here, f"Your role may not filter on {name}."))
        elif isinstance(item, list) and field.python_name in ("and_", "or_"):
            for index, nested in enumerate(item):
                found.extend(walk(nested, info, role, (*here, str(index))))
        elif isinstance(item, FilterInput):
            found.extend(walk(item, info, role, here))
        elif isinstance(item, IDFilter):
            expected = referenced_type_name(value.model, field.python_name)
            ids = [("eq", item.eq)] if item.eq not in (UNSET, None) else []
            if item.in_ not in (UNSET, None):
                ids.extend((str(i), one) for i, one in enumerate(item.in_))
            for where, global_id in ids:
                try:
                    decode_id(str(global_id), expected)
                except CrmError:
                    at = (*here, "eq") if where == "eq" else (*here, "in", where)
                    found.append((at, f"Expected the ID of a {expected}."))
    return found


def _sentence(message: str) -> str:
    return message if message.endswith(".") else f"{message}."


def _argument_path(error: CrmError) -> tuple[str, ...]:
    """The path inside the filter of a list error about ``filter.<field>``."""
    argument = str((error.extensions or {}).get("argument") or "")
    parts = argument.split(".")
    return tuple(parts[1:]) if parts and parts[0] == "filter" else ()


def problems_of(info: Info, row: Segment) -> tuple[FilterProblem, ...]:
    """The problems of a segment's stored filter (memoised per request)."""
    return _parsed(info, row).problems


def _parsed(info: Info, row: Segment) -> ParsedFilter:
    key = ("segment-filter", row.pk, row.version)
    memo = info.context.memo
    found = memo.get(key)
    if found is None:
        found = memo[key] = parse_filter(row.customer_filter, info)
    return found


def search_columns(role: Role | None) -> tuple[str, ...]:
    """The columns ``customers(search:)`` matches for a role (the e-mail address only for
    roles that may read it)."""
    return CUSTOMER_SEARCH if role in PERSONAL else CUSTOMER_SEARCH_WITHOUT_EMAIL


def segment_q(info: Info, row: Segment, argument: str) -> Q:
    """The condition of a segment's customers for the caller: the stored filter and
    search, with the list's rules for the caller's role (a segment cannot filter on a
    field the caller may not read). ``argument`` names what the error points at."""
    parsed = _parsed(info, row)
    if parsed.value is None:
        raise CrmError(
            "The segment's saved filter no longer validates; see Segment.problems.",
            ErrorCode.BAD_USER_INPUT,
            argument=argument,
        )
    principal = info.context.principal
    role = principal.role if principal is not None else None
    try:
        where = parsed.value.to_q(role)
    except CrmError as error:
        raise CrmError(
            f"The segment's filter: {error.message}", error.code, argument=argument
        ) from None
    return where & _search_q(row.search, search_columns(role))


def _search_q(text: str | None, columns: tuple[str, ...]) -> Q:
    """``search_q`` of the customers list, with the company name matched through a
    subquery instead of a join: the same rows, and a condition that also works inside
    the per-segment ``COUNT(...)`` of :mod:`.counts`."""
    if not text:
        return Q()
    own = tuple(column for column in columns if not column.startswith("company__"))
    words = text.split()[:8]
    parts = []
    for word in words:
        matches = [Q(**{f"{column}__icontains": word}) for column in own]
        if "company__name" in columns:
            companies = Company.filter(name__icontains=word).values("id")
            matches.append(Q(company_id__in=Subquery(companies)))
        parts.append(Q(*matches, join_type="OR"))
    return Q(*parts)


async def segment_argument_q(info: Info, global_id: str, argument: str = "segment") -> Q:
    """The condition of ``customers(segment:)``: the customers of the segment with this
    global ID, for the caller (``INVALID_ID`` / ``NOT_FOUND`` for a wrong ID)."""
    pk = decode_id(global_id, "Segment", argument)
    row = await Segment.get_or_none(pk=pk)
    if row is None:
        raise CrmError("No such segment.", ErrorCode.NOT_FOUND, argument=argument)
    return segment_q(info, row, argument)
