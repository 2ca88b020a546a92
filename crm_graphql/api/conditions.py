"""ORM conditions on columns named at run time."""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q


def lookup_q(lookup: str, value: Any) -> Q:
    """``Q(<lookup>=value)`` for a lookup built at run time (``"customer_id__in"``).

    ``Q(**{lookup: value})`` written inline does not type-check for a non-string value:
    the checker cannot tell that the key is not ``Q``'s own ``join_type`` argument.
    """
    return Q(**{lookup: value})
