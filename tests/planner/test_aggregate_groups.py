"""Pages of groups of every aggregate answer byte for byte what the standard path answers.

The groups of an aggregate complete as plans (``api.planner``, ``api.compiled``): their
keys (enums, periods, dates, the records behind references), counts and numbers. Random
documents over every ``<records>Aggregate`` of the schema, with a fixed seed: groupings
(a date with a granularity, the currency or not), selections, aliases, inline and named
fragments, ``__typename``, and every role, among them roles that may not read the money
fields (their FORBIDDEN errors and nulls). The planned app and the standard app
(``planned_reads=False, fast_json=False``) must give the same bytes.
"""

from __future__ import annotations

import json
import os
import random
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema, get_named_type, is_leaf_type

from crm_graphql.api.aggregation.aggregates import AggregateSpec
from crm_graphql.api.roles import Role
from crm_graphql.domains.billing.aggregates import INVOICES, PAYMENTS
from crm_graphql.domains.customers.aggregates import CUSTOMERS
from crm_graphql.domains.interactions.aggregates import INTERACTIONS
from crm_graphql.domains.leads.aggregates import LEADS
from crm_graphql.domains.marketing.aggregates import CAMPAIGNS
from crm_graphql.domains.orders.aggregates import ORDERS
from crm_graphql.domains.sales.aggregates import OPPORTUNITIES
from crm_graphql.domains.support.aggregates import TICKETS
from crm_graphql.domains.tasks.aggregates import TASKS
from tests.planner import test_differential
from tests.planner.test_differential import build_schema_for_generation

DOCUMENTS = int(os.environ.get("CRM_DIFFERENTIAL_AGGREGATES", "60"))
SEED = int(os.environ.get("CRM_DIFFERENTIAL_SEED", "20"))

SPECS: tuple[AggregateSpec, ...] = (
    CUSTOMERS,
    INTERACTIONS,
    ORDERS,
    OPPORTUNITIES,
    TICKETS,
    TASKS,
    LEADS,
    CAMPAIGNS,
    INVOICES,
    PAYMENTS,
)
#: The planned and the standard app, one user of each role on both (shared fixture).
pairs = test_differential.pairs

GRANULARITIES = ("DAY", "WEEK", "MONTH", "QUARTER", "YEAR")
ZONES = ("UTC", "Europe/Berlin", "Asia/Kolkata", "America/New_York")


class AggregateDocuments:
    """Random documents over the aggregates of ``schema`` from ``rng``."""

    def __init__(self, schema: GraphQLSchema, rng: random.Random) -> None:
        self.rng = rng
        query = schema.query_type
        assert query is not None
        self.roots = {spec.view: query.fields[spec.view] for spec in SPECS}
        self.specs = {spec.view: spec for spec in SPECS}
        self.fragments: dict[str, str] = {}

    def document(self) -> str:
        self.fragments = {}
        views = self.rng.sample(sorted(self.roots), self.rng.randint(1, 2))
        fields = [self._aggregate(view, index) for index, view in enumerate(views)]
        return (
            "{ " + " ".join(fields) + " }" + "".join(f" {text}" for text in self.fragments.values())
        )

    def _aggregate(self, view: str, index: int) -> str:
        rng = self.rng
        spec = self.specs[view]
        names = list(spec.fields)
        chosen = rng.sample(names, rng.randint(0, min(3, len(names))))
        if "CURRENCY" in names and "CURRENCY" not in chosen and rng.random() < 0.6:
            chosen.append("CURRENCY")
        items = []
        for name in chosen:
            if spec.fields[name].kind == "value":
                items.append(f"{{field: {name}}}")
            else:
                items.append(f"{{field: {name}, granularity: {rng.choice(GRANULARITIES)}}}")
        arguments = [f"groupBy: [{', '.join(items)}]"]
        if rng.random() < 0.4:
            arguments.append(f'timeZone: "{rng.choice(ZONES)}"')
        if rng.random() < 0.5:
            arguments.append(f"first: {rng.randint(1, 30)}")
        result = get_named_type(self.roots[view].type)
        assert isinstance(result, GraphQLObjectType)
        group = get_named_type(result.fields["groups"].type)
        assert isinstance(group, GraphQLObjectType)
        selection = ["hasMore"] if rng.random() < 0.5 else []
        selection.append(f"{self._alias()}groups {{ {self._selection(group)} }}")
        if rng.random() < 0.3:
            selection.append("__typename")
        alias = f"a{index}: " if rng.random() < 0.5 else ""
        return f"{alias}{view}({', '.join(arguments)}) {{ {' '.join(selection)} }}"

    def _alias(self) -> str:
        return f"x{self.rng.randint(0, 9)}: " if self.rng.random() < 0.2 else ""

    def _selection(self, gtype: GraphQLObjectType, depth: int = 0) -> str:
        rng = self.rng
        names = sorted(gtype.fields)
        picked = rng.sample(names, rng.randint(1, len(names)))
        parts = []
        for name in picked:
            field_type = get_named_type(gtype.fields[name].type)
            if gtype.fields[name].args:
                continue
            if is_leaf_type(field_type):
                parts.append(f"{self._alias()}{name}")
            elif isinstance(field_type, GraphQLObjectType) and depth < 2:
                leaves = sorted(
                    n
                    for n, f in field_type.fields.items()
                    if is_leaf_type(get_named_type(f.type)) and not f.args
                )
                inner = (
                    self._selection(field_type, depth + 1)
                    if depth == 0
                    else " ".join(rng.sample(leaves, min(len(leaves), rng.randint(1, 3))))
                )
                parts.append(f"{self._alias()}{name} {{ {inner or '__typename'} }}")
        if rng.random() < 0.3:
            parts.append("__typename")
        if parts and rng.random() < 0.3:
            # Part of the selection in a fragment, inline or named.
            moved = parts.pop(rng.randrange(len(parts)))
            if rng.random() < 0.5:
                parts.append(f"... on {gtype.name} {{ {moved} }}")
            else:
                name = f"F{len(self.fragments)}"
                self.fragments[name] = f"fragment {name} on {gtype.name} {{ {moved} }}"
                parts.append(f"...{name}")
        if rng.random() < 0.2 and parts:
            parts.append(parts[0])  # the same field twice: merged
        return " ".join(parts) or "__typename"


async def test_aggregate_groups_answer_the_same_bytes_for_every_role(pairs):
    documents = AggregateDocuments(build_schema_for_generation(), random.Random(SEED))
    roles = list(Role)
    groups = forbidden = 0
    for index in range(DOCUMENTS):
        query = documents.document()
        for role in (roles[index % len(roles)], Role.ADMIN):
            content = await pairs[role].compare(query)
            body: dict[str, Any] = json.loads(content)
            for answer in (body.get("data") or {}).values():
                lists = (v for v in (answer or {}).values() if isinstance(v, list))
                groups += sum(len(found) for found in lists)
            forbidden += b'"FORBIDDEN"' in content
    # The documents do produce groups, and reach the money fields' rules.
    assert groups > DOCUMENTS
    assert forbidden > 0
