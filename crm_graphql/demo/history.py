"""How much history each customer gets, and the report of a seeding run."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from crm_graphql.demo.reference import (
    CAPS,
    INTERACTIONS_PER_CUSTOMER,
    OPPORTUNITIES_PER_CUSTOMER,
    ORDERS_PER_CUSTOMER,
)
from crm_graphql.demo.tables import CUSTOMERS

# --------------------------------------------------------------------------------------------
# How much history each customer gets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    """Mean number of interactions, orders and opportunities per customer.

    Each customer's counts are drawn around these means from skewed distributions (most
    customers quiet, a few very busy), so the totals come out near ``customers * mean``.
    """

    interactions: float = INTERACTIONS_PER_CUSTOMER
    orders: float = ORDERS_PER_CUSTOMER
    opportunities: float = OPPORTUNITIES_PER_CUSTOMER

    def __post_init__(self) -> None:
        for name in ("interactions", "orders", "opportunities"):
            value = getattr(self, name)
            if not (value >= 0 and math.isfinite(value)):
                raise ValueError(f"{name} per customer must be a number of at least 0")

    def caps(self) -> dict[str, int]:
        """Most interactions, orders and opportunities one customer may get.

        The caps keep one outlier from dominating a small data set. They grow with a larger
        mean (so that the mean is still reached) but never shrink below the default ones.
        """
        default = History()
        return {
            name: max(cap, round(cap * getattr(self, name) / getattr(default, name)))
            for name, cap in CAPS.items()
        }


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


@dataclass
class SeedReport:
    """What a seeding run wrote: rows per table (in insertion order) and the time it took."""

    rows: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    #: Of ``elapsed``, the seconds spent counting the dashboards' rollups from the rows.
    rollups_elapsed: float = 0.0

    @property
    def customers(self) -> int:
        """Customers created."""
        return self.rows.get(CUSTOMERS.name, 0)

    @property
    def total_rows(self) -> int:
        """Rows written over all tables."""
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        """Write throughput over the whole run."""
        return self.total_rows / self.elapsed if self.elapsed > 0 else 0.0

    def summary(self) -> str:
        """One line for people: customers, total rows, time and throughput."""
        return (
            f"seeded {self.customers:,} customers, {self.total_rows:,} rows in total, "
            f"in {self.elapsed:.1f} s ({self.rows_per_second:,.0f} rows/s; "
            f"rollups counted in {self.rollups_elapsed:.1f} s of it)"
        )
