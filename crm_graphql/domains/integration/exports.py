"""CSV export of the CRM's lists: ``GET /exports/{entity}.csv``.

The query parameters are the list's own arguments: ``filter`` and ``orderBy`` as JSON
(the same input types as the GraphQL list, coerced and validated by the same code), and
``search`` and ``includeDeleted`` where the list has them. The rows are the ones the list
shows the caller (soft-deleted rows left out, the row-level read rule applied); the
columns are the record type's plain fields and references (as global IDs), minus the
fields the caller's role may not read, which the ``X-Omitted-Columns`` header names.
The body is streamed in keyset pages, so memory stays flat however many rows there are.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import strawberry
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions.field_extension import FieldExtension
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField
from tortoise.expressions import Q
from tortoise.fields.relational import ForeignKeyFieldInstance

from crm_graphql.api.auth import Principal, authenticating, credentials_from
from crm_graphql.api.dynamic_types import list_of, optional
from crm_graphql.api.entities import entity_of, readable_q
from crm_graphql.api.errors import CrmError
from crm_graphql.api.filters import search_q
from crm_graphql.api.ids import to_global_id
from crm_graphql.api.json import plain
from crm_graphql.api.pagination.cursors import SortKey, strictly_after
from crm_graphql.api.pagination.listing import ListSpec
from crm_graphql.api.permissions import Requires
from crm_graphql.api.roles import FINANCIAL, PERSONAL, SUPPORT_READERS, Role
from crm_graphql.domains.auth.services import authenticate
from crm_graphql.domains.billing.filters import INVOICE_LIST
from crm_graphql.domains.customers.filters import (
    COMPANY_LIST,
    COMPANY_SEARCH,
    CUSTOMER_LIST,
    CUSTOMER_SEARCH,
    CUSTOMER_SEARCH_WITHOUT_EMAIL,
)
from crm_graphql.domains.interactions.filters import INTERACTION_LIST
from crm_graphql.domains.leads.filters import LEAD_LIST
from crm_graphql.domains.orders.filters import ORDER_LIST
from crm_graphql.domains.sales.filters import OPPORTUNITY_LIST
from crm_graphql.domains.support.filters import TICKET_LIST
from crm_graphql.settings import Settings

#: Rows read per statement while streaming.
PAGE_ROWS = 5000
OMITTED_HEADER = "X-Omitted-Columns"

SearchColumns = Callable[[Role], tuple[str, ...]]


@dataclass(frozen=True)
class ExportSpec:
    """One exportable list."""

    name: str
    spec: ListSpec
    #: The search columns for a role; None: the list has no ``search``.
    search: SearchColumns | None = None
    #: Only these roles may read the list at all (None: every signed-in role).
    readers: frozenset[Role] | None = None
    #: The list takes ``includeDeleted`` (ADMIN only).
    include_deleted: bool = False


EXPORTS: Mapping[str, ExportSpec] = {
    spec.name: spec
    for spec in (
        ExportSpec(
            "customers",
            CUSTOMER_LIST,
            search=lambda role: (
                CUSTOMER_SEARCH if role in PERSONAL else CUSTOMER_SEARCH_WITHOUT_EMAIL
            ),
            include_deleted=True,
        ),
        ExportSpec("companies", COMPANY_LIST, search=lambda role: COMPANY_SEARCH),
        ExportSpec("interactions", INTERACTION_LIST),
        ExportSpec("orders", ORDER_LIST),
        ExportSpec("opportunities", OPPORTUNITY_LIST),
        ExportSpec("tickets", TICKET_LIST, readers=SUPPORT_READERS),
        ExportSpec("leads", LEAD_LIST),
        ExportSpec("invoices", INVOICE_LIST, readers=FINANCIAL),
    )
}


class ExportRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"error": {"code": self.code, "message": self.message}}, status_code=self.status
        )


@dataclass(frozen=True)
class Column:
    """One CSV column: its header (the GraphQL field name), the ORM column read, and
    the record type of a reference (its values become global IDs)."""

    header: str
    source: str
    reference: str | None
    readers: frozenset[Role] | None


_COLUMNS: dict[int, tuple[Column, ...]] = {}
_ARGUMENTS: dict[int, Arguments] = {}


def columns_of(spec: ListSpec) -> tuple[Column, ...]:
    """The exportable fields of a list's record type, in declaration order."""
    found = _COLUMNS.get(id(spec))
    if found is None:
        found = _COLUMNS[id(spec)] = _columns_of(spec)
    return found


def _columns_of(spec: ListSpec) -> tuple[Column, ...]:
    registered = entity_of(spec.model)
    assert registered is not None
    definition = get_object_definition(registered.node, strict=True)
    meta = spec.model._meta
    foreign = {
        name: field
        for name, field in meta.fields_map.items()
        if isinstance(field, ForeignKeyFieldInstance)
    }
    found = []
    for field in definition.fields:
        readers = next(
            (frozenset(d.roles) for d in field.directives if isinstance(d, Requires)), None
        )
        name = field.python_name
        header = field.graphql_name or strawberry_camel(name)
        if name == "id":
            found.append(Column("id", meta.pk_attr, registered.name, None))
        elif name in foreign:
            target = entity_of(foreign[name].related_model)
            source = foreign[name].source_field
            if target is not None and source is not None:
                found.append(Column(header, source, target.name, readers))
        elif name in meta.db_fields and field.base_resolver is None:
            found.append(Column(header, name, None, readers))
    return tuple(found)


def strawberry_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class _Capture(FieldExtension):
    """Gives a field the list's arguments and hands their converted values over."""

    def __init__(self, arguments: list[StrawberryArgument]) -> None:
        self.arguments = arguments

    def apply(self, field: StrawberryField) -> None:
        field.arguments = list(self.arguments)

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        info.context["arguments"] = kwargs
        return True


def _no_arguments() -> bool:
    return True


@dataclass(frozen=True)
class Arguments:
    """The list arguments of one export, converted like the GraphQL list's."""

    schema: strawberry.Schema
    document: str


def _arguments_of(spec: ListSpec) -> Arguments:
    found = _ARGUMENTS.get(id(spec))
    if found is None:
        found = _ARGUMENTS[id(spec)] = _arguments_schema(spec)
    return found


def _arguments_schema(spec: ListSpec) -> Arguments:
    """A schema with one field taking the list's ``filter`` and ``orderBy``: the query
    parameters are coerced and validated by the same code as the GraphQL list's."""
    annotations: dict[str, Any] = {"order_by": optional(list_of(spec.order_input))}
    if spec.filter_input is not None:
        annotations["filter"] = optional(spec.filter_input)
    arguments = [
        StrawberryArgument(
            python_name=name,
            graphql_name=None,
            type_annotation=StrawberryAnnotation(annotation),
            description=name,
            default=None,
        )
        for name, annotation in annotations.items()
    ]
    field = strawberry.field(
        resolver=_no_arguments, description="probe", extensions=[_Capture(arguments)]
    )
    query = strawberry.type(
        type("ExportArguments", (), {"__annotations__": {"probe": bool}, "probe": field}),
        description="The arguments of an export.",
    )
    schema = strawberry.Schema(query=query)
    gfield = schema._schema.query_type.fields["probe"]  # type: ignore[union-attr]
    variables = ", ".join(f"${name}: {arg.type}" for name, arg in gfield.args.items())
    passed = ", ".join(f"{name}: ${name}" for name in gfield.args)
    return Arguments(schema, f"query({variables}) {{ probe({passed}) }}")


def parse_arguments(spec: ListSpec, params: Mapping[str, str]) -> dict[str, Any]:
    """``filter`` and ``orderBy`` from the query parameters (JSON), converted to the
    list's input types; :class:`ExportRefused` (400) with the GraphQL message."""
    variables: dict[str, Any] = {}
    for name in ("filter", "orderBy"):
        if name in params:
            if name == "filter" and spec.filter_input is None:
                raise ExportRefused(400, "BAD_USER_INPUT", "This list has no filter.")
            try:
                variables[name] = json.loads(params[name])
            except ValueError as exc:
                raise ExportRefused(400, "BAD_USER_INPUT", f"{name} is not JSON: {exc}") from None
    arguments = _arguments_of(spec)
    context: dict[str, Any] = {}
    result = arguments.schema.execute_sync(
        arguments.document, variable_values=variables, context_value=context
    )
    if result.errors:
        raise ExportRefused(400, "BAD_USER_INPUT", result.errors[0].message)
    return dict(context.get("arguments", {}))


async def principal_of(request: Request, settings: Settings) -> Principal:
    """The signed-in caller (a bearer access token or an API key); 401 otherwise."""
    credentials = credentials_from(request)
    token = authenticating.set(True)
    try:
        principal = await authenticate(settings, credentials) if credentials else None
    finally:
        authenticating.reset(token)
    if principal is None:
        raise ExportRefused(401, "UNAUTHENTICATED", "Authentication required.")
    return principal


@dataclass(frozen=True)
class Plan:
    """What one export reads and writes."""

    export: ExportSpec
    where: Q
    keys: tuple[SortKey, ...]
    columns: tuple[Column, ...]
    omitted: tuple[str, ...]


def plan_export(export: ExportSpec, principal: Principal, params: Mapping[str, str]) -> Plan:
    """The rows and columns of an export for ``principal`` (see the module doc)."""
    role = principal.role
    if export.readers is not None and role not in export.readers:
        raise ExportRefused(403, "FORBIDDEN", f"Your role may not read {export.name}.")
    spec = export.spec
    arguments = parse_arguments(spec, params)
    unknown = set(params) - {"filter", "orderBy", "search", "includeDeleted"}
    if unknown:
        raise ExportRefused(400, "BAD_USER_INPUT", f"Unknown parameter {sorted(unknown)[0]}.")
    try:
        where = readable_q(spec.model, principal)
        filter_value = arguments.get("filter")
        if filter_value is not None:
            where &= filter_value.to_q(role)
        keys = spec.sort_keys(arguments.get("order_by"), role)
    except CrmError as exc:
        code = str((exc.extensions or {}).get("code", "BAD_USER_INPUT"))
        raise ExportRefused(403 if code == "FORBIDDEN" else 400, code, exc.message) from None
    search = params.get("search")
    if search:
        if export.search is None:
            raise ExportRefused(400, "BAD_USER_INPUT", f"{export.name} has no search.")
        where &= search_q(search, export.search(role))
    include_deleted = params.get("includeDeleted", "false").lower() in ("1", "true")
    if include_deleted and not (export.include_deleted and role == Role.ADMIN):
        raise ExportRefused(403, "FORBIDDEN", "Only ADMIN may export deleted records.")
    if not include_deleted:
        where = spec.visible_q & where
    readable = []
    omitted = []
    for column in columns_of(spec):
        if column.readers is not None and role not in column.readers:
            omitted.append(column.header)
        else:
            readable.append(column)
    return Plan(export, where, keys, tuple(readable), tuple(omitted))


def _cell(value: Any, column: Column) -> Any:
    if value is None:
        return ""
    if column.reference is not None:
        return to_global_id(column.reference, value)
    value = plain(value)
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"))
    return value


async def stream_rows(plan: Plan, page_rows: int | None = None) -> AsyncIterator[bytes]:
    """The CSV: a header line, then the rows in keyset pages of ``page_rows``."""
    page_rows = page_rows or PAGE_ROWS
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.header for column in plan.columns])
    yield buffer.getvalue().encode()
    model = plan.export.spec.model
    sources = [column.source for column in plan.columns]
    key_columns = [key.column for key in plan.keys]
    fetched = [*sources, *(c for c in key_columns if c not in sources)]
    key_at = [fetched.index(c) for c in key_columns]
    orderings = [key.ordering for key in plan.keys]
    after = Q()
    previous: list[Any] | None = None
    count = len(plan.columns)
    while True:
        rows = (
            await model.filter(plan.where & after)
            .order_by(*orderings)
            .limit(page_rows)
            .values_list(*fetched)
        )
        if not rows:
            return
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([_cell(row[i], plan.columns[i]) for i in range(count)] for row in rows)
        yield buffer.getvalue().encode()
        if len(rows) < page_rows:
            return
        last_key = [rows[-1][i] for i in key_at]
        if last_key == previous:
            # The order did not move on (a column whose stored values do not compare
            # like the values read back): stop rather than repeat the page forever.
            raise RuntimeError(f"export of {plan.export.name} did not advance")
        previous = last_key
        after = strictly_after(plan.keys, last_key)


async def export_csv(request: Request) -> Response:
    """``GET /exports/{entity}.csv``: see the module doc."""
    settings: Settings = request.app.state.settings
    name = request.path_params["entity"]
    export = EXPORTS.get(name)
    if export is None:
        return ExportRefused(
            404, "NOT_FOUND", f"No export {name!r}; one of: {', '.join(EXPORTS)}."
        ).response()
    try:
        principal = await principal_of(request, settings)
        plan = plan_export(export, principal, dict(request.query_params))
    except ExportRefused as refused:
        return refused.response()
    headers = {
        "Content-Disposition": f'attachment; filename="{name}.csv"',
        OMITTED_HEADER: ",".join(plan.omitted),
        "Cache-Control": "no-store",
    }
    return StreamingResponse(
        stream_rows(plan), media_type="text/csv; charset=utf-8", headers=headers
    )


def export_routes() -> list[Route]:
    """The export route (for the app's route list)."""
    return [Route("/exports/{entity}.csv", export_csv, methods=["GET"])]
