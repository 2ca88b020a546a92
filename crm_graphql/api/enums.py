"""Expose the models' Python enums as documented GraphQL enums."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

import strawberry
from strawberry.types.enum import has_enum_definition

E = TypeVar("E", bound=Enum)


def graphql_enum(py_enum: type[E], description: str, values: dict[str, str]) -> type[E]:
    """Register ``py_enum`` as a GraphQL enum with a description on every value.

    ``values`` must describe each member; a missing one is a programming error. The
    enum is registered in place (and returned), so a module declares it with a call.
    """
    missing = {member.name for member in py_enum} - values.keys()
    if missing:
        raise ValueError(f"{py_enum.__name__}: no description for {sorted(missing)}")
    decorated = strawberry.enum(py_enum, description=description)
    if has_enum_definition(decorated):
        for value in decorated.__strawberry_definition__.values:
            value.description = values[value.name]
    return decorated


@strawberry.enum(description="Sort direction.")
class SortDirection(Enum):
    """Sort direction of an ``orderBy`` entry."""

    ASC = strawberry.enum_value("ASC", description="Smallest first; nulls first.")
    DESC = strawberry.enum_value("DESC", description="Largest first; nulls last.")
