"""Demo data of the modules built on the core records: each module adds one step.

The generator makes the core of the demo CRM (staff, products, companies, customers
with their interactions, orders and opportunities). A module whose records hang off
those (leads, tasks, tickets, campaigns, invoices...) adds one :data:`DemoStep` to
:data:`STEPS`; ``seed`` runs the steps in order after the core, each with its own
random generator (same seed, same data) and the customers just made.

A step lives in its domain (``crm_graphql/domains/<d>/demo.py``), reads what it needs
(``run.customer_ids``, ``run.staff``) and writes its rows in bulk, returning how many it
wrote per table.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from crm_graphql.api.roles import Role
from crm_graphql.demo.reference import REFERENCE_NOW
from crm_graphql.domains.automation.demo import seed_automation
from crm_graphql.domains.billing.demo import seed_invoices
from crm_graphql.domains.marketing.demo import attribute_leads, seed_campaigns
from crm_graphql.domains.support.demo import seed_tickets


@dataclass
class DemoRun:
    """What a module's demo step gets: the scale, the seed and the core records."""

    seed: int
    #: Customers made by this run (primary keys, ascending).
    customer_ids: list[int]
    #: Staff members by role (primary keys).
    staff: dict[Role, list[int]]
    #: Rows per INSERT.
    batch_size: int
    #: "Now" of the demo data: every date is spread back from it.
    now: datetime = REFERENCE_NOW
    rows: dict[str, int] = field(default_factory=dict)
    #: The modules' seed options (``crm-graphql seed --tickets N`` gives ``tickets``);
    #: a step uses its defaults for those not given.
    options: Mapping[str, float] = field(default_factory=dict)

    def rng(self, name: str) -> random.Random:
        """A random generator of its own for the step ``name``: steps can be added or
        reordered without changing each other's data."""
        return random.Random(f"{self.seed}:{name}")


#: A module's demo step: writes its rows; returns how many per table.
DemoStep = Callable[[DemoRun], Awaitable[dict[str, int]]]

#: The steps, in the order they run (one line per module).
STEPS: list[DemoStep] = [
    seed_tickets,
    seed_invoices,
    seed_campaigns,
    seed_automation,
    attribute_leads,
]
