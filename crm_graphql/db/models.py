"""What every model shares: timestamps, a version counter, and the money column type."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tortoise import fields
from tortoise.models import Model


class MoneyField(fields.DecimalField):
    """An exact DECIMAL amount (14 digits, 2 decimals) on every backend.

    Tortoise stores decimals as VARCHAR on SQLite, which sorts "9" after "10" and sums
    through text. A DECIMAL column has NUMERIC affinity there, so ordering, comparisons
    and SUM() are numeric; values come back as floats of at most 14 significant digits,
    which convert back to the exact decimal through their shortest representation.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def to_python_value(self, value: Any) -> Decimal | None:
        if isinstance(value, float):
            value = repr(value)
        return super().to_python_value(value)

    class _db_sqlite:
        SQL_TYPE = "DECIMAL(14,2)"

        def function_cast(self, term: Any) -> Any:
            return term


class TimestampedModel(Model):
    """Base of every CRM record: creation and update times, and a version for updates."""

    created_at = fields.DatetimeField(auto_now_add=True, description="When the row was created.")
    updated_at = fields.DatetimeField(auto_now=True, description="When the row last changed.")
    version = fields.IntField(default=1, description="Incremented by every update.")

    class Meta:
        abstract = True
