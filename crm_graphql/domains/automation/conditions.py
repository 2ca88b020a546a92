"""Rule conditions written with the lists' own filter inputs (``LeadFilter``,
``OpportunityFilter``, ``TaskFilter``): stored as the JSON of the input (GraphQL field
names, enum names, ISO times), turned back into the input to test a record.

No second language: a condition means what the same ``filter:`` means on the list.
"""

from __future__ import annotations

import typing
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from strawberry.types.base import StrawberryList, StrawberryOptional
from strawberry.types.unset import UNSET
from tortoise.models import Model

from crm_graphql.api.filters import FilterInput, strawberry_name
from crm_graphql.api.roles import Role


class InvalidCondition(ValueError):
    """A stored condition that no longer reads as its filter input."""


def _graphql_name(field: Any) -> str:
    return field.graphql_name or strawberry_name(field.python_name)


def condition_json(value: Any) -> Any:
    """The JSON of a filter input value (only the fields given)."""
    if value is None or value is UNSET:
        return None
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return [condition_json(item) for item in value]
    definition = getattr(type(value), "__strawberry_definition__", None)
    if definition is not None:
        out = {}
        for field in definition.fields:
            item = getattr(value, field.python_name, UNSET)
            if item is UNSET or item is None:
                continue
            out[_graphql_name(field)] = condition_json(item)
        return out
    return value


def _type_argument(cls: type) -> Any:
    """``T`` of a concrete subclass of a generic filter (``EnumFilter[LeadStatus]``)."""
    for klass in cls.__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            args = typing.get_args(base)
            if args and not isinstance(args[0], typing.TypeVar):
                return args[0]
    return None


def _scalar(kind: Any, value: Any) -> Any:
    if isinstance(kind, type) and issubclass(kind, Enum):
        try:
            return kind[value]
        except KeyError:
            raise InvalidCondition(f"{value!r} is not a {kind.__name__}") from None
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is Decimal:
        return Decimal(value)
    return value


def _value(kind: Any, value: Any, owner: type) -> Any:
    if value is None:
        return None
    if isinstance(kind, StrawberryOptional):
        return _value(kind.of_type, value, owner)
    if isinstance(kind, StrawberryList):
        if not isinstance(value, list):
            raise InvalidCondition("expected a list")
        return [_value(kind.of_type, item, owner) for item in value]
    if hasattr(kind, "__strawberry_definition__"):
        return condition_filter(kind, value)
    if type(kind).__name__ == "StrawberryTypeVar":
        return _scalar(_type_argument(owner), value)
    return _scalar(kind, value)


def condition_filter(cls: type, data: Any) -> Any:
    """The filter input ``cls`` of a stored condition."""
    if not isinstance(data, dict):
        raise InvalidCondition("expected an object")
    fields = {_graphql_name(f): f for f in cls.__strawberry_definition__.fields}  # type: ignore[attr-defined]
    values = {}
    for name, value in data.items():
        field = fields.get(name)
        if field is None:
            raise InvalidCondition(f"unknown field {name!r}")
        values[field.python_name] = _value(field.type, value, cls)
    return cls(**values)


def condition_q(cls: type[FilterInput], data: dict[str, Any]) -> Any:
    """The ORM condition of a stored condition (as ADMIN: rules see every field)."""
    return condition_filter(cls, data).to_q(Role.ADMIN)


async def holds(model: type[Model], cls: type[FilterInput], data: dict[str, Any], pk: Any) -> bool:
    """Whether the record ``pk`` meets the stored condition (an empty one always holds)."""
    if not data:
        return await model.filter(pk=pk).exists()
    return await model.filter(condition_q(cls, data), pk=pk).exists()


__all__ = ["InvalidCondition", "condition_filter", "condition_json", "condition_q", "holds"]
