"""A compiled plan computes exactly what the interpreted plan computes.

Random plans (every kind of step and read, nested objects and lists, nullable and
non-null fields, type checks) over random rows (missing attached values, nulls where
the type says non-null, values of the wrong class, lists that are no lists): the
compiled function returns the same dict, key for key and class for class, or gives up
(:class:`Abandon`) where the interpreter gives up. A fixed seed; ``CRM_COMPILED_PLANS``
sets how many plans.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from graphql import GraphQLBoolean, GraphQLFloat, GraphQLID, GraphQLInt, GraphQLString

from crm_graphql.api.compiled import compile_plan
from crm_graphql.api.loaders import ATTACHED
from crm_graphql.api.planner import (
    DENIED,
    INLINE,
    INSTANCE_OF,
    LEAF,
    LIST_OF_LEAVES,
    LIST_OF_OBJECTS,
    OBJECT,
    TYPENAME,
    Abandon,
    Plan,
    Step,
    enum_table,
    leaf_detail,
    run_plan,
)
from crm_graphql.schema import build_schema
from tests.planner.test_leaves import SAMPLES


class Moment(datetime):
    """A ``datetime`` subclass: its serialiser, not the shortcut, decides."""


TIMES_AND_AMOUNTS = [
    datetime(2026, 11, 30, 12, 0, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5, 678),
    Moment(2026, 5, 6, tzinfo=UTC),
    date(2026, 2, 28),
    Decimal("12.50"),
    Decimal("-0"),
    {"a": [1, 2]},
]
PLANS = int(os.environ.get("CRM_COMPILED_PLANS", "2000"))
READS = ["attribute", "global_id", "attached", "attached_value", "opaque"]


class Row:
    """A row: attributes, a primary key, values attached under keys."""


class Other:
    """A value of a class no type check accepts."""


def _instance_of_row(value: Any, info: Any) -> bool:
    return isinstance(value, Row)


setattr(_instance_of_row, INSTANCE_OF, Row)


def _opaque_check(value: Any, info: Any) -> bool:
    return not isinstance(value, Other)


class Maker:
    """Makes a plan and a row it runs over, together."""

    def __init__(self, rng: random.Random, leaves: list[Any]) -> None:
        self.rng = rng
        self.leaves = leaves
        self.count = 0

    def name(self) -> str:
        self.count += 1
        return f"f{self.count}"

    def leaf_value(self) -> Any:
        return self.rng.choice(SAMPLES)

    def plan(self, row: Any, depth: int) -> Plan:
        rng = self.rng
        if isinstance(row, Row) and rng.random() < 0.9:
            row.__dict__[ATTACHED] = {}
        steps: list[Step] = []
        for _ in range(rng.randint(0, 4)):
            kinds = [LEAF, LEAF, TYPENAME, DENIED, LIST_OF_LEAVES]
            if depth < 3:
                kinds += [OBJECT, OBJECT, LIST_OF_OBJECTS, LIST_OF_OBJECTS]
            steps.append(self.step(rng.choice(kinds), row, depth))
        return tuple(steps)

    def step(self, kind: int, row: Any, depth: int) -> Step:
        rng = self.rng
        name = self.name()
        if kind == TYPENAME:
            return (TYPENAME, name, None, False, "Row", False)
        if kind == DENIED:
            return (DENIED, name, None, True, None, False)
        nullable, item_nullable = rng.random() < 0.5, rng.random() < 0.5
        detail: Any
        if kind == LEAF:
            detail = rng.choice(self.leaves)
            value: Any = self.leaf_value()
        elif kind == LIST_OF_LEAVES:
            detail = rng.choice(self.leaves)
            value = self.sequence([self.leaf_value() for _ in range(rng.randint(0, 3))])
        elif kind == OBJECT:
            value, detail = self.object(depth)
        else:
            items = []
            plan: Plan = ()
            check = self.check()
            # One plan for all items, made over the first item that is a row.
            for _ in range(rng.randint(0, 3)):
                item = self.item()
                if isinstance(item, Row) and not plan:
                    plan = self.plan(item, depth + 1)
                items.append(item)
            for item in items:
                if isinstance(item, Row) and ATTACHED not in item.__dict__:
                    item.__dict__[ATTACHED] = {}
            self.fill(plan, items)
            value, detail = self.sequence(items), (check, plan)
        read = self.read(kind, name, row, value)
        return (kind, name, read, nullable, detail, item_nullable)

    def object(self, depth: int) -> tuple[Any, Any]:
        value = self.item()
        plan = self.plan(value if isinstance(value, Row) else Row(), depth + 1)
        return value, (self.check(), plan)

    def item(self) -> Any:
        roll = self.rng.random()
        return None if roll < 0.1 else Other() if roll < 0.15 else Row()

    def check(self) -> Callable[[Any, Any], bool] | None:
        return self.rng.choice([None, _instance_of_row, _opaque_check])

    def sequence(self, items: list[Any]) -> Any:
        roll = self.rng.random()
        return tuple(items) if roll < 0.2 else "not a list" if roll < 0.25 else items

    def fill(self, plan: Plan, rows: list[Any]) -> None:
        """Give the other rows of a list what the first row's plan reads (or not)."""
        for row in rows[1:]:
            if not isinstance(row, Row):
                continue
            for step in plan:
                form = getattr(step[2], INLINE, ("opaque", None))
                if form[0] == "attribute":
                    setattr(row, form[1], self.leaf_value())
                elif form[0] == "global_id":
                    row.pk = self.rng.choice([1, 42, None, "x"])
                elif form[0] in ("attached", "attached_value") and self.rng.random() < 0.9:
                    row.__dict__[ATTACHED][form[1]] = (
                        self.leaf_value() if step[0] in (LEAF, TYPENAME) else None
                    )

    def read(self, kind: int, name: str, row: Any, value: Any) -> Callable[[Any], Any]:
        rng = self.rng
        form = rng.choice(READS if kind == LEAF else [r for r in READS if r != "global_id"])
        if not isinstance(row, Row):
            form = "opaque"
        read: Callable[[Any], Any]
        if form == "attribute":
            attribute = rng.choice([name, f"_{name}", "class"])
            setattr(row, attribute, value)

            def read(source: Any) -> Any:
                return getattr(source, attribute)

            setattr(read, INLINE, ("attribute", attribute))
        elif form == "global_id":
            row.pk = rng.choice([1, 42, None])
            type_name = "Row"

            def read(source: Any) -> Any:
                from crm_graphql.api.ids import to_global_id

                return to_global_id(type_name, source.pk)

            setattr(read, INLINE, ("global_id", type_name))
        elif form in ("attached", "attached_value"):
            key = rng.choice([name, ("list", 7, name)])
            attached = row.__dict__.get(ATTACHED)
            if attached is not None and rng.random() < 0.9:
                attached[key] = value
            must_be_there = form == "attached_value"

            def read(source: Any) -> Any:
                values = getattr(source, "__dict__", {}).get(ATTACHED)
                if values is None or key not in values:
                    raise Abandon
                if must_be_there and values[key] is None:
                    raise Abandon
                return values[key]

            setattr(read, INLINE, (form, key))
        else:

            def read(source: Any) -> Any:
                if isinstance(source, Other):
                    raise Abandon
                return value

        return read


def outcome(run: Callable[[], dict[str, Any]]) -> Any:
    try:
        return ("ok", run())
    except Exception as error:  # any: the standard path takes over
        return ("error", type(error).__name__)


def same(a: Any, b: Any) -> bool:
    """Equal values of the same classes, dict keys in the same order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def test_compiled_plans_compute_what_interpreted_plans_compute() -> None:
    schema = build_schema()._schema
    enums = [schema.type_map[name] for name in ("Role", "LifecycleStage", "CustomerSource")]
    scalars = [schema.type_map[name] for name in ("DateTime", "Date", "Decimal", "JSON")]
    builtin = [GraphQLString, GraphQLID, GraphQLBoolean, GraphQLInt, GraphQLFloat]
    leaves = [leaf_detail(gtype) for gtype in [*builtin, *enums, *scalars]]
    assert any(enum_table(coerce) is not None for coerce, _ in leaves)
    members = [member for gtype in enums for member in gtype.wrapped_cls]  # type: ignore[attr-defined]
    samples = [*SAMPLES, *members, *TIMES_AND_AMOUNTS]
    maker = Maker(random.Random(2026), leaves)
    maker.leaf_value = lambda: maker.rng.choice(samples)  # type: ignore[method-assign]
    results = {"ok": 0, "error": 0}
    for index in range(PLANS):
        row = Row()
        plan = maker.plan(row, 0)
        interpreted = outcome(lambda plan=plan, row=row: run_plan(plan, row))
        compiled = outcome(lambda plan=plan, row=row: compile_plan(plan)(row))
        assert interpreted[0] == compiled[0], (index, plan, interpreted, compiled)
        assert same(interpreted[1], compiled[1]), (index, plan, interpreted, compiled)
        results[interpreted[0]] += 1
    # Both outcomes are well represented.
    assert results["ok"] > PLANS // 10 and results["error"] > PLANS // 10, results
