"""The general aggregate API: ``<records>Aggregate(filter:, groupBy:)`` for any list.

Each kind of record declares an :class:`AggregateSpec`: the fields it may be grouped by
(enums, references, date buckets) and its numeric fields. From that come the GraphQL
types (``<Type>GroupBy``, ``<Type>Numbers``, ``<Type>Averages``, ``<Type>Group``,
``<Type>Aggregate``) and one resolver, :func:`resolve_aggregate`, which runs one
statement through the aggregation core. Sums, averages, minimums and maximums are
computed only for the numeric fields the client selected and its role may read: a
money field is guarded like the field itself (``@requires``), and no SQL runs for it
when the role may not read it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

import strawberry
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions.field_extension import FieldExtension
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.field import StrawberryField
from strawberry.types.unset import UNSET
from tortoise.expressions import Q
from tortoise.models import Model

from crm_graphql.api.aggregation.arguments import (
    GROUPS_FIRST_DESCRIPTION,
    TIME_ZONE_DESCRIPTION,
    filter_bounds,
    group_limit,
    role_of,
)
from crm_graphql.api.aggregation.cache import cached_view
from crm_graphql.api.aggregation.core import Dimension, Function, Measure, aggregate
from crm_graphql.api.aggregation.periods import (
    Granularity,
    local_midnight,
    offset_shifts,
    time_zone,
)
from crm_graphql.api.context import Info
from crm_graphql.api.dynamic_types import enum_of, list_of
from crm_graphql.api.entities import entity_of
from crm_graphql.api.enums import graphql_enum
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.filters import FilterInput, filter_q, strawberry_name
from crm_graphql.api.json import plain
from crm_graphql.api.loaders import preload, selected_fields
from crm_graphql.api.pagination.fields import FILTER_DESCRIPTION
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.references import foreign_key
from crm_graphql.api.roles import Role

FUNCTIONS: tuple[Function, ...] = ("sum", "avg", "min", "max")

#: The description of a date key of a group.
PERIOD_KEY = "The local start of the period (grouped by this date with a granularity)."


def group_field_enum(type_name: str, values: dict[str, str]) -> type:
    """``<Type>GroupField``: the fields records of ``type_name`` can be grouped by."""
    enum = enum_of(f"{type_name}GroupField", values)
    return graphql_enum(enum, f"Fields {type_name} records can be grouped by.", values)


def group_by_argument() -> Any:
    """The ``groupBy:`` argument of an aggregate."""
    return strawberry.argument(
        name="groupBy", description="Group by these keys; none: one group of all records."
    )


@dataclass(frozen=True)
class NumericField:
    """A field that may be summed, averaged, and compared (min, max)."""

    name: str
    column: str
    description: str
    money: bool = False
    #: The roles that may read the field (None: every role).
    readable_by: frozenset[Role] | None = None


@dataclass(frozen=True)
class GroupField:
    """A field records may be grouped by: a value, or the local period of a date."""

    key: str  # attribute of the key type
    column: str
    kind: Literal["value", "datetime", "date"] = "value"
    #: Turns the stored value into the key's value (an enum member, a bool).
    convert: Callable[[Any], Any] | None = None
    #: For a reference key: the name of the model's foreign key (``owner``); the key
    #: type holds its value in ``_owner_id`` and has a field ``owner``
    #: (:func:`crm_graphql.api.references.key_reference`).
    reference: str | None = None


def by_reference(name: str) -> GroupField:
    """Grouping by the foreign key ``name`` of the aggregated model."""
    return GroupField(f"_{name}_id", f"{name}_id", reference=name)


@dataclass(frozen=True)
class AggregateSpec:
    """How one kind of record is aggregated."""

    view: str
    model: type[Model]
    fields: Mapping[str, GroupField]  # group-field enum name -> field
    numeric: tuple[NumericField, ...]
    key_type: type
    #: The filter input of the kind of record (the ``filter:`` argument).
    filter_input: type | None = None

    @property
    def base(self) -> Q:
        """The records every aggregate leaves out: those the entity hides (soft-deleted)."""
        registered = entity_of(self.model)
        return registered.visible_q if registered is not None else Q()


def numbers_type(name: str, fields: tuple[NumericField, ...], *, average: bool) -> type:
    """``<Type>Numbers`` (sums, minimums, maximums) or ``<Type>Averages``."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__annotations__": annotations}
    for field in fields:
        annotations[field.name] = (
            Decimal | None if field.money else (float | None if average else int | None)
        )
        text = f"{field.description} Null for a group without values."
        if field.money:
            text += " In the group's currency."
        if field.readable_by is not None:
            namespace[field.name] = guarded_field(field.readable_by, text, attr=field.name)
        else:
            namespace[field.name] = strawberry.field(description=text)
    what = "Averages" if average else "Values"
    return strawberry.type(type(name, (), namespace), description=f"{what} of numeric fields.")


def group_by_input(name: str, field_enum: type) -> type:
    """``<Type>GroupBy``: one grouping field, with a period length for date fields."""
    namespace: dict[str, Any] = {
        "__annotations__": {"field": field_enum, "granularity": Granularity | None},
        "field": strawberry.field(description="The field to group by."),
        "granularity": strawberry.field(
            default=None,
            description="For a date field (required there): group by this period of it.",
        ),
    }
    return strawberry.input(
        type(name, (), namespace), description="One grouping key; groups combine all keys."
    )


@dataclass(frozen=True)
class AggregateTypes:
    """The GraphQL types of one kind of record's aggregates."""

    result: type
    group: type
    numbers: type | None
    averages: type | None


def group_types(prefix: str, key_type: type, numeric: tuple[NumericField, ...]) -> AggregateTypes:
    """``<prefix>Group``, its list type ``<prefix>Aggregate`` and the numbers types."""
    annotations: dict[str, Any] = {"key": key_type, "count": int}
    namespace: dict[str, Any] = {
        "__annotations__": annotations,
        "key": strawberry.field(description="What the records of the group have in common."),
        "count": strawberry.field(description="Number of records in the group."),
    }
    numbers = averages = None
    if numeric:
        numbers = numbers_type(f"{prefix}Numbers", numeric, average=False)
        averages = numbers_type(f"{prefix}Averages", numeric, average=True)
        for function, kind, text in (
            ("sum", numbers, "Sums"),
            ("avg", averages, "Averages"),
            ("min", numbers, "Smallest values"),
            ("max", numbers, "Largest values"),
        ):
            annotations[function] = kind
            namespace[function] = strawberry.field(description=f"{text} over the group.")
    group = strawberry.type(
        type(f"{prefix}Group", (), namespace), description=f"A group of {prefix} records."
    )
    result = {
        "__annotations__": {"groups": list_of(group), "has_more": bool},
        "groups": strawberry.field(description="The groups, ordered by their keys."),
        "has_more": strawberry.field(description="True when groups were left out (`first`)."),
    }
    aggregate_type = strawberry.type(
        type(f"{prefix}Aggregate", (), result), description=f"{prefix} records in groups."
    )
    return AggregateTypes(aggregate_type, group, numbers, averages)


def _dimensions(
    spec: AggregateSpec, group_by: list[Any], filter: FilterInput | None, zone_name: str
) -> list[Dimension]:
    zone = time_zone(zone_name)
    dimensions: list[Dimension] = []
    for item in group_by:
        field = spec.fields[item.field.name]
        if any(d.alias == field.key for d in dimensions):
            raise CrmError(
                f"groupBy names {item.field.name} twice.",
                ErrorCode.BAD_USER_INPUT,
                argument="groupBy",
            )
        if field.kind == "value":
            if item.granularity is not None:
                raise CrmError(
                    f"{item.field.name} is not a date: it takes no granularity.",
                    ErrorCode.BAD_USER_INPUT,
                    argument="groupBy",
                )
            dimensions.append(Dimension(field.key, field.column))
            continue
        if item.granularity is None:
            raise CrmError(
                f"{item.field.name} is a date: give a granularity.",
                ErrorCode.BAD_USER_INPUT,
                argument="groupBy",
            )
        shifts = (
            tuple(offset_shifts(zone, *filter_bounds(filter, field.column)))
            if field.kind == "datetime"
            else ()
        )
        dimensions.append(Dimension(field.key, field.column, item.granularity, shifts))
    return dimensions


def _measures(info: Info, spec: AggregateSpec) -> list[Measure]:
    """The sums, averages, minimums, maximums the client selected and may read."""
    role = role_of(info)
    measures = []
    for function in FUNCTIONS:
        wanted = selected_fields(info, "groups", function)
        for field in spec.numeric:
            if strawberry_name(field.name) not in wanted:
                continue
            if field.readable_by is not None and role not in field.readable_by:
                continue  # reported FORBIDDEN on the field; no SQL for it
            measures.append(
                Measure(f"{function}_{field.name}", function, field.column, money=field.money)
            )
    return measures


def _one_currency(filter: FilterInput | None) -> bool:
    condition = getattr(filter, "currency", None) if filter is not None else None
    if condition is None or condition is UNSET:
        return False
    listed = condition.in_ if condition.in_ not in (UNSET, None) else []
    return condition.eq not in (UNSET, None) or len(listed) == 1


_UNCONVERTED = object()


def _key_value(field: GroupField, value: Any, zone: ZoneInfo) -> Any:
    if value is None:
        return None
    if field.kind == "datetime":
        return local_midnight(value, zone)
    if field.convert is not None:
        return field.convert(value)
    return value


async def resolve_aggregate(
    info: Info,
    spec: AggregateSpec,
    types: AggregateTypes,
    filter: FilterInput | None,
    group_by: list[Any] | None,
    zone_name: str,
    first: int | None,
) -> Any:
    """Groups of ``spec``'s records matching ``filter``: one statement."""
    dimensions = _dimensions(spec, group_by or [], filter, zone_name)
    measures = _measures(info, spec)
    grouped = {d.field for d in dimensions}
    if any(m.money for m in measures) and "currency" not in grouped and not _one_currency(filter):
        raise CrmError(
            "Amounts in different currencies are not added up: group by CURRENCY or filter "
            "on one currency.",
            ErrorCode.BAD_USER_INPUT,
            argument="groupBy",
        )
    where = spec.base & filter_q(filter, info)
    limit = group_limit(info, first)

    async def compute() -> list[dict[str, Any]]:
        counted = [Measure("count", "count"), *measures]
        return await aggregate(spec.model, where, dimensions, counted, limit=limit + 1)

    arguments = {
        "filter": plain(filter),
        "groupBy": plain(group_by or []),
        "timeZone": zone_name,
        "first": limit,
        "measures": [m.alias for m in measures],
    }
    rows = await cached_view(info, spec.view, arguments, compute)
    zone = time_zone(zone_name)
    by_key = {field.key: field for field in spec.fields.values()}
    # The records behind reference keys: one statement each, so that every group's key
    # resolves them without an await.
    selected = selected_fields(info, "groups", "key")
    for dimension in dimensions:
        name = by_key[dimension.alias].reference
        if name is not None and name in selected:
            target = foreign_key(spec.model, name).model
            await preload(info, target, (row[dimension.alias] for row in rows[:limit]))
    # Only the numbers types asked for are built: a page of groups builds each per group.
    shown = selected_fields(info, "groups")
    functions = [f for f in FUNCTIONS if f in shown] if types.numbers is not None else []
    unshown: dict[str, None] = {f: None for f in FUNCTIONS if f not in functions}
    if types.numbers is None:
        unshown = {}
    # Everything a group needs is decided once per page, not per group: each key's
    # conversion, the numbers types asked for and the result columns they read. A
    # page repeats few periods (a year's twelve months over many agents) and few
    # values of an enum: each is converted once per page.
    keys: list[tuple[str, GroupField, dict[Any, Any] | None]] = []
    for dimension in dimensions:
        field = by_key[dimension.alias]
        converts = field.kind == "datetime" or field.convert is not None
        keys.append((dimension.alias, field, {} if converts else None))
    numbers = [
        (
            function,
            types.averages if function == "avg" else types.numbers,
            [(f.name, f"{function}_{f.name}") for f in spec.numeric],
        )
        for function in functions
    ]
    key_type, group_type = spec.key_type, types.group
    groups = []
    for row in rows[:limit]:
        key_values: dict[str, Any] = {}
        for alias, field, converted in keys:
            value = row[alias]
            if value is None or converted is None:
                key_values[alias] = value
                continue
            found = converted.get(value, _UNCONVERTED)
            if found is _UNCONVERTED:
                found = converted[value] = _key_value(field, value, zone)
            key_values[alias] = found
        values: dict[str, Any] = {"key": key_type(**key_values), "count": row["count"], **unshown}
        for function, kind, columns in numbers:
            assert kind is not None
            values[function] = kind(**{name: row.get(column) for name, column in columns})
        groups.append(group_type(**values))
    return types.result(groups=groups, has_more=len(rows) > limit)


# --------------------------------------------------------------------------- the root field

GROUP_BY_DESCRIPTION = "Group by these keys; none: one group of all records."


class _Aggregate(FieldExtension):
    """Gives an aggregate field its arguments and type, and resolves it."""

    def __init__(self, spec: AggregateSpec, types: AggregateTypes, group_by: type) -> None:
        self.spec = spec
        self.types = types
        self.group_by = group_by

    def apply(self, field: StrawberryField) -> None:
        def argument(name: str, annotation: Any, description: str, default: Any) -> Any:
            return StrawberryArgument(
                python_name=name,
                graphql_name=None,
                type_annotation=StrawberryAnnotation(annotation),
                description=description,
                default=default,
            )

        arguments = []
        if self.spec.filter_input is not None:
            arguments.append(
                argument("filter", self.spec.filter_input | None, FILTER_DESCRIPTION, None)
            )
        arguments += [
            argument("group_by", list[self.group_by] | None, GROUP_BY_DESCRIPTION, None),  # type: ignore[name-defined]
            argument("time_zone", str, TIME_ZONE_DESCRIPTION, "UTC"),
            argument("first", int | None, GROUPS_FIRST_DESCRIPTION, None),
        ]
        field.arguments = arguments
        field.type_annotation = StrawberryAnnotation(self.types.result)

    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        return await resolve_aggregate(
            info,
            self.spec,
            self.types,
            kwargs.get("filter"),
            kwargs.get("group_by"),
            kwargs.get("time_zone", "UTC"),
            kwargs.get("first"),
        )


async def _no_arguments() -> None:
    """The resolver of an aggregate field: the extension reads the groups."""


def aggregate_field(
    spec: AggregateSpec, types: AggregateTypes, group_by: type, *, description: str
) -> Any:
    """The root field ``<records>Aggregate(filter:, groupBy:, timeZone:, first:)`` of a
    kind of record, in one declaration::

        opportunities_aggregate = aggregate_field(
            OPPORTUNITIES, OPPORTUNITY_TYPES, OpportunityGroupBy, description="..."
        )
    """
    return strawberry.field(
        resolver=_no_arguments,
        description=description,
        extensions=[_Aggregate(spec, types, group_by)],
    )
