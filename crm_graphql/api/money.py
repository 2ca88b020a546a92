"""Money values: an exact decimal amount and its ISO 4217 currency."""

from __future__ import annotations

from decimal import Decimal

import strawberry


@strawberry.type(description="An exact amount of money in one currency.")
class MoneyAmount:
    amount: Decimal = strawberry.field(description="The amount, as a decimal string.")
    currency: str = strawberry.field(description="ISO 4217 currency code, e.g. USD.")
