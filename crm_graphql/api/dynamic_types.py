"""Types named at run time: the GraphQL types the kernel makes from declarations
(``<Type>OrderField`` enums, ``<Type>OrderBy`` inputs, ``<Type>Connection``, the
aggregate types).

A static type checker cannot follow a type held in a variable (``list[spec.order_input]``
is no type to it), so the few places that build annotations from such types do it
through these helpers. Each returns exactly what the plain expression would.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from types import GenericAlias
from typing import Any, cast


def list_of(item: Any) -> Any:
    """``list[item]``."""
    return GenericAlias(list, (item,))


def optional(annotation: Any) -> Any:
    """``annotation | None``."""
    return annotation | None


def parametrized(generic: Any, argument: Any) -> Any:
    """``generic[argument]``, e.g. ``Connection[node]``."""
    return generic[argument]


def enum_of(name: str, members: Iterable[str]) -> type[Enum]:
    """The Enum class ``name`` whose members' names and values are ``members``."""
    # Enum's functional API: the checker types its call as an Enum member.
    return cast(type[Enum], Enum(name, {member: member for member in members}))
