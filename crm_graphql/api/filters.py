"""Typed filter inputs and the one builder that turns them into ORM conditions."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import strawberry
from strawberry.types.unset import UNSET
from tortoise.expressions import Q
from tortoise.models import Model

from crm_graphql.api.conditions import lookup_q
from crm_graphql.api.context import Info
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.ids import decode_id
from crm_graphql.api.input_limits import (
    MAX_FILTER_CONDITIONS,
    MAX_FILTER_NESTING,
    MAX_SEARCH_LENGTH,
    MAX_TEXT_CONDITION_LENGTH,
    check_date,
    check_text,
    too_deep,
    too_many_conditions,
)
from crm_graphql.api.references import foreign_key, referenced_type_name
from crm_graphql.api.roles import Role

#: Filter operator (Python attribute name) -> Tortoise lookup suffix.
_LOOKUPS = {
    "eq": "",
    "in_": "__in",
    "contains": "__icontains",
    "starts_with": "__istartswith",
    "gt": "__gt",
    "gte": "__gte",
    "lt": "__lt",
    "lte": "__lte",
    "is_null": "__isnull",
}

F = TypeVar("F", bound="FilterInput")
T = TypeVar("T")
E = TypeVar("E", bound=Enum)

_NOTHING = Q(pk__in=[0])  # no row has primary key 0: an always-false condition


class LeafFilter:
    """Conditions on one column; every condition given must hold."""

    def to_q(self, column: str) -> Q:
        parts = []
        for name, suffix in _LOOKUPS.items():
            value = getattr(self, name, UNSET)
            if value is UNSET or value is None:
                continue
            if name == "in_" and not value:
                parts.append(_NOTHING)
                continue
            parts.append(lookup_q(f"{column}{suffix}", self.convert(value)))
        return Q(*parts) if parts else Q()

    def convert(self, value: Any) -> Any:
        return value


_IS_NULL = strawberry.field(
    default=UNSET, name="isNull", description="true: the value is absent; false: present."
)


@strawberry.input(description="Conditions on a text field. All conditions given must hold.")
class StringFilter(LeafFilter):
    def convert(self, value: Any) -> Any:
        texts = value if isinstance(value, list) else [value]
        for text in texts:
            if isinstance(text, str):  # not isNull's true/false
                check_text(text, "filter", MAX_TEXT_CONDITION_LENGTH)
        return value

    eq: str | None = strawberry.field(default=UNSET, description="Exactly equal.")
    in_: list[str] | None = strawberry.field(
        default=UNSET, name="in", description="Equal to one of these."
    )
    contains: str | None = strawberry.field(
        default=UNSET, description="Contains this text, ignoring case."
    )
    starts_with: str | None = strawberry.field(
        default=UNSET, description="Starts with this text, ignoring case."
    )
    is_null: bool | None = _IS_NULL


@strawberry.input(description="Conditions on a value. All given must hold.")
class ComparableFilter(LeafFilter, Generic[T]):
    """eq/gt/gte/lt/lte/isNull over one scalar type: subclassed once per type."""

    eq: T | None = strawberry.field(default=UNSET, description="Equal.")
    gt: T | None = strawberry.field(default=UNSET, description="Greater than (later than).")
    gte: T | None = strawberry.field(default=UNSET, description="Greater than or equal.")
    lt: T | None = strawberry.field(default=UNSET, description="Less than (earlier than).")
    lte: T | None = strawberry.field(default=UNSET, description="Less than or equal.")
    is_null: bool | None = _IS_NULL

    def convert(self, value: Any) -> Any:
        if isinstance(value, date):  # datetimes too: outside the range SQL fails
            check_date(value, "filter")
        return value


@strawberry.input(description="Conditions on a whole number. All given must hold.")
class IntFilter(ComparableFilter[int]):
    pass


@strawberry.input(description="Conditions on a decimal amount. All given must hold.")
class DecimalFilter(ComparableFilter[Decimal]):
    pass


@strawberry.input(description="Conditions on a point in time. All given must hold.")
class DateTimeFilter(ComparableFilter[datetime]):
    pass


@strawberry.input(description="Conditions on a calendar date. All given must hold.")
class DateFilter(ComparableFilter[date]):
    pass


@strawberry.input(description="Condition on a true/false field.")
class BooleanFilter(LeafFilter):
    eq: bool | None = strawberry.field(default=UNSET, description="Equal.")


@strawberry.input(description="Conditions on a reference to another record, by its global ID.")
class IDFilter(LeafFilter):
    eq: strawberry.ID | None = strawberry.field(default=UNSET, description="Equal.")
    in_: list[strawberry.ID] | None = strawberry.field(
        default=UNSET, name="in", description="One of these."
    )
    is_null: bool | None = _IS_NULL


@strawberry.input(description="Conditions on an enum value.")
class EnumFilter(LeafFilter, Generic[E]):
    """eq / in over one GraphQL enum: each enum's ``<Enum>Filter`` input subclasses
    ``EnumFilter[<Enum>]`` (a class, so that filter inputs can name it in annotations)."""

    eq: E | None = strawberry.field(default=UNSET, description="Equal.")
    in_: list[E] | None = strawberry.field(default=UNSET, name="in", description="One of these.")


class FilterInput:
    """Base of the per-type filter inputs (``CustomerFilter``, ...).

    ``model`` is the ORM model filtered. An :class:`IDFilter` field compares the
    model's foreign key of the same name with global IDs of the record it points to;
    ``columns`` maps other input fields to their ORM column when the names differ.
    The ``and_``/``or_``/``not_`` fields of the subclass combine nested filters of the
    same type.
    """

    model: ClassVar[type[Model]]
    columns: ClassVar[Mapping[str, str]] = {}
    #: Input fields over guarded data -> the roles that may filter on them (the same
    #: roles that may read the field: a filter must not reveal what a role cannot read).
    guarded: ClassVar[Mapping[str, frozenset[Role]]] = {}

    if TYPE_CHECKING:
        # Every subclass is a Strawberry input, hence a dataclass.
        __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def to_q(self, role: Role | None) -> Q:
        """The whole filter as one ORM condition, for a caller with ``role``."""
        parts: list[Q] = []
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is UNSET or value is None:
                continue
            allowed = self.guarded.get(field.name)
            if allowed is not None and role not in allowed:
                name = strawberry_name(field.name)
                raise CrmError(
                    f"Your role may not filter on {name}.",
                    ErrorCode.FORBIDDEN,
                    argument=f"filter.{name}",
                )
            if field.name == "and_":
                parts.extend(item.to_q(role) for item in value)
            elif field.name == "or_":
                parts.append(
                    Q(*(item.to_q(role) for item in value), join_type="OR") if value else _NOTHING
                )
            elif field.name == "not_":
                parts.append(~value.to_q(role))
            elif isinstance(value, IDFilter):
                parts.append(_reference_q(value, self.model, field.name))
            else:
                parts.append(value.to_q(self.columns.get(field.name, field.name)))
        return Q(*parts) if parts else Q()


def filter_input(what: str) -> Callable[[type[F]], type[F]]:
    """Class decorator of a ``FilterInput``: a GraphQL input "Conditions on ``what``",
    with the ``and``/``or``/``not`` fields that combine nested filters of the same type.

    ``@filter_input("opportunities")`` above ``class OpportunityFilter(FilterInput)``.
    """

    def decorate(cls: type[F]) -> type[F]:
        name = cls.__name__
        cls.__annotations__.update(
            {
                "and_": f"list[{name}] | None",
                "or_": f"list[{name}] | None",
                "not_": f"{name} | None",
            }
        )
        cls.and_ = strawberry.field(  # type: ignore[attr-defined]
            default=UNSET, name="and", description="All of these must hold."
        )
        cls.or_ = strawberry.field(  # type: ignore[attr-defined]
            default=UNSET, name="or", description="At least one of these must hold."
        )
        cls.not_ = strawberry.field(  # type: ignore[attr-defined]
            default=UNSET, name="not", description="This must not hold."
        )
        return strawberry.input(
            cls, description=f"Conditions on {what}; all given conditions must hold."
        )

    return decorate


def _reference_q(value: IDFilter, model: type[Model], field_name: str) -> Q:
    """An ``IDFilter`` on the foreign key ``field_name`` of ``model``."""
    column = foreign_key(model, field_name).column
    type_name = referenced_type_name(model, field_name)
    parts = []
    argument = f"filter.{strawberry_name(field_name)}"
    if value.eq not in (UNSET, None):
        parts.append(lookup_q(column, decode_id(value.eq, type_name, argument)))
    if value.in_ not in (UNSET, None):
        ids = [decode_id(item, type_name, argument) for item in value.in_]
        parts.append(lookup_q(f"{column}__in", ids) if ids else _NOTHING)
    if value.is_null not in (UNSET, None):
        parts.append(lookup_q(f"{column}__isnull", value.is_null))
    return Q(*parts) if parts else Q()


@functools.cache
def strawberry_name(python_name: str) -> str:
    """camelCase GraphQL name of a snake_case Python name."""
    head, *rest = python_name.rstrip("_").split("_")
    return head + "".join(part.title() for part in rest)


def check_filter_size(value: FilterInput, argument: str = "filter") -> None:
    """Refuse a filter with too many conditions or too deep a nesting (``or`` with
    thousands of branches), before any condition is built. Walks without recursion."""
    conditions = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_FILTER_NESTING:
            raise too_deep(argument)
        for field in dataclasses.fields(node):
            given = getattr(node, field.name)
            if given is UNSET or given is None:
                continue
            if field.name in ("and_", "or_"):
                conditions += len(given)
                stack.extend((item, depth + 1) for item in given)
            elif field.name == "not_":
                conditions += 1
                stack.append((given, depth + 1))
            else:
                conditions += 1 + len(getattr(given, "in_", None) or ())
            if conditions > MAX_FILTER_CONDITIONS:
                raise too_many_conditions(argument)


def filter_q(value: FilterInput | None, info: Info) -> Q:
    """The condition of an optional ``filter:`` argument, checked against the caller's
    role (``FORBIDDEN`` for a guarded field the role may not read) and its size."""
    if value is None or value is UNSET:
        return Q()
    check_filter_size(value)
    principal = info.context.principal
    return value.to_q(principal.role if principal is not None else None)


def search_q(text: str | None, columns: tuple[str, ...]) -> Q:
    """Free-text search: every word must appear (ignoring case) in one of ``columns``."""
    if not text:
        return Q()
    check_text(text, "search", MAX_SEARCH_LENGTH)
    words = text.split()[:8]
    return Q(*(Q(*(Q(**{f"{c}__icontains": w}) for c in columns), join_type="OR") for w in words))
