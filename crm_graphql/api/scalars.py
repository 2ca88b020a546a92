"""Scalars read in one canonical ASCII form only.

Python's parsers are generous: ``Decimal("1_000")``, ``Decimal("\\u0665")`` (an
Arabic-Indic five), ``Decimal(" -0 ")`` and ``int("+1")`` all succeed. Accepting such forms lets one
value be written many ways, which defeats comparisons, caches and audits done on the
text. Amounts and the numbers inside IDs are accepted here only as plain ASCII digits.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import DecimalDefinition
from strawberry.types.scalar import ScalarDefinition

#: A decimal as written by ``str(Decimal)`` for plain amounts: optional minus, digits
#: without leading zeros, optional fraction; no signs, spaces, exponents or separators.
CANONICAL_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?", re.ASCII)


def canonical_decimal(value: object) -> Decimal | None:
    """The amount written canonically in ``value`` (a string or JSON number), or
    ``None`` for any other form (``1_000``, ``\\u0665``, ``+1``, ``1e3``, ``-0``, ``NaN``)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = value if isinstance(value, str) else str(value)
    if not CANONICAL_DECIMAL.fullmatch(text):
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        return None
    if amount == 0 and text.startswith("-"):
        return None
    return amount


def _parse_decimal(value: object) -> Decimal:
    amount = canonical_decimal(value)
    if amount is None:
        raise StrawberryInputCoercionError(
            f"Decimal cannot represent {value!r}: write it with ASCII digits, an optional "
            "leading minus and an optional fraction, e.g. 1234.50."
        )
    return amount


#: Strawberry's ``Decimal`` scalar, reading only canonical forms.
CanonicalDecimal = ScalarDefinition(
    name=DecimalDefinition.name,
    description=DecimalDefinition.description,
    specified_by_url=None,
    serialize=str,
    parse_value=_parse_decimal,
    parse_literal=None,
    origin=Decimal,
)
