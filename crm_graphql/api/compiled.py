"""Plans compiled into Python functions.

:func:`crm_graphql.api.planner.run_plan` interprets a plan step by step: for every value
of every row it unpacks the step, dispatches on its kind and calls the step's read.
:func:`compile_plan` turns a plan (with its nested plans) into one straight-line
function that does the same work: reads a plan knows the form of (an attribute, a global
ID, a value or page attached to the row) are written out in place, an enum member is
looked up in its table in place, and nested objects and lists are loops of the same
function rather than calls. Any surprise raises :class:`Abandon`, exactly where the
interpreter would, so the standard executor takes over that object as before.

The source of the function depends only on the form of the plan: which kinds of step,
response names, nullability, the kinds of read and leaf. Everything else (read
functions, keys of attached values, scalars' serialisers, enum tables, type checks) is
bound as a constant when the function is made. So the compiled code is kept per form,
across requests, and a request only reads its plan's form and binds its constants
(:data:`_FACTORIES`).
"""

from __future__ import annotations

import keyword
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime
from operator import methodcaller
from typing import Any

from graphql.type.scalars import GRAPHQL_MAX_INT, GRAPHQL_MIN_INT

from crm_graphql.api.ids import to_global_id
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
    enum_table,
    leaf_value,
    run_plan,
)

Runner = Callable[[Any], dict[str, Any]]

#: Compiled forms, by their form (oldest first); None for a form that did not compile
#: (it runs interpreted). Documents are the clients', so the number kept is bounded.
_FACTORIES: OrderedDict[tuple[Any, ...], Callable[..., Runner] | None] = OrderedDict()
_FACTORIES_KEPT = 512
_UNKNOWN: Any = object()
#: A plan larger than this runs interpreted (the compiler's own limits on nesting).
_MAX_SOURCE = 200_000

_NOTHING: dict[str, Any] = {}
_GLOBALS = {
    "Abandon": Abandon,
    "ATTACHED": ATTACHED,
    "_NOTHING": _NOTHING,
    "_MIN": GRAPHQL_MIN_INT,
    "_MAX": GRAPHQL_MAX_INT,
    "_leaf": leaf_value,
    "_gid": to_global_id,
    "_datetime": datetime,
    "_date": date,
}


def compile_plan(plan: Plan) -> Runner:
    """A function computing ``run_plan(plan, source)`` (same dict, same :class:`Abandon`)."""
    constants: list[Any] = []
    form = _form(plan, constants)
    # One lookup (hashing a form walks all of it); the oldest form is dropped first.
    factory = _FACTORIES.get(form, _UNKNOWN)
    if factory is _UNKNOWN:
        factory = _FACTORIES[form] = _compiled(form, len(constants))
        while len(_FACTORIES) > _FACTORIES_KEPT:
            _FACTORIES.popitem(last=False)
    if factory is None:
        return lambda source: run_plan(plan, source)
    return factory(*constants)


def _compiled(form: tuple[Any, ...], count: int) -> Callable[..., Runner] | None:
    writer = _Writer()
    writer.plan(form, "s0", "r0", 2)
    assert writer.used == count
    source = writer.source(count)
    if len(source) > _MAX_SOURCE:
        return None
    namespace: dict[str, Any] = {}
    try:
        exec(compile(source, "<compiled plan>", "exec"), dict(_GLOBALS), namespace)
    except (SyntaxError, RecursionError, MemoryError):
        return None
    factory: Callable[..., Runner] = namespace["make"]
    return factory


# The form of a plan: per step (kind, response name, nullable, item nullable, the form of
# its read, the form of its leaf or object). Whatever a form leaves out is appended to
# the constants, in the order the writer below takes them.


def _form(plan: Plan, constants: list[Any]) -> tuple[Any, ...]:
    steps: list[Any] = []
    for kind, name, read, nullable, detail, item_nullable in plan:
        if kind == TYPENAME:
            constants.append(detail)
            steps.append((kind, name))
            continue
        if kind == DENIED:
            steps.append((kind, name))
            continue
        read_form = _read_form(read, constants)
        what: str | tuple[Any, ...]
        if kind in (LEAF, LIST_OF_LEAVES):
            what = _leaf_form(detail, constants)
        else:
            what = _object_form(detail, constants)
        steps.append((kind, name, nullable, item_nullable, read_form, what))
    return tuple(steps)


def _read_form(read: Any, constants: list[Any]) -> str:
    form = getattr(read, INLINE, None)
    if form is None:
        constants.append(read)
        return "call"
    what, argument = form
    if what == "attribute" and argument.isidentifier() and not keyword.iskeyword(argument):
        return "." + argument
    constants.append(argument)
    return str(what)


def _leaf_form(detail: Any, constants: list[Any]) -> str:
    coerce, plain = detail
    constants.append(coerce)
    if plain is int or plain is str or plain is bool:
        return plain.__name__
    if plain is not None:
        constants.append(plain)
        return "class"
    if coerce is str:  # str() returns a str or raises, as through leaf_value
        return "str()"
    if _is_isoformat(coerce):
        return "isoformat"
    table = enum_table(coerce)
    if table is None:
        return "coerce"
    constants.extend(table)
    return "enum"


def _object_form(detail: Any, constants: list[Any]) -> tuple[Any, ...]:
    is_type_of, plan = detail
    instance_of = getattr(is_type_of, INSTANCE_OF, None)
    if instance_of is not None:
        constants.append(instance_of)
        check = "isinstance"
    elif is_type_of is not None:
        constants.append(is_type_of)
        check = "call"
    else:
        check = "none"
    return (check, _form(plan, constants))


def _is_isoformat(coerce: Any) -> bool:
    """``methodcaller("isoformat")`` (Strawberry's ``DateTime`` and ``Date``)."""
    if not isinstance(coerce, methodcaller):
        return False
    return bool(coerce.__reduce__() == (methodcaller, ("isoformat",)))


class _Writer:
    """Writes the source of one form, taking its constants in order."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.used = 0
        self.names = 0

    def source(self, count: int) -> str:
        parameters = ", ".join(f"k{index}" for index in range(count))
        body = "\n".join(self.lines)
        return (
            f"def make({parameters}):\n"
            "    def run(s0):\n"
            "        r0 = {}\n"
            f"{body}\n"
            "        return r0\n"
            "    return run\n"
        )

    def constant(self) -> str:
        self.used += 1
        return f"k{self.used - 1}"

    def fresh(self, prefix: str) -> str:
        self.names += 1
        return f"{prefix}{self.names}"

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def plan(self, form: tuple[Any, ...], source: str, result: str, depth: int) -> None:
        attached: str | None = None
        for step in form:
            kind, name = step[0], step[1]
            key = repr(name)
            if kind == TYPENAME:
                self.emit(depth, f"{result}[{key}] = {self.constant()}")
                continue
            if kind == DENIED:
                self.emit(depth, f"{result}[{key}] = None")
                continue
            _, _, nullable, item_nullable, read_form, what = step
            value = self.fresh("v")
            if read_form in ("attached", "attached_value") and attached is None:
                attached = self.fresh("a")
                self.emit(
                    depth, f"{attached} = getattr({source}, '__dict__', _NOTHING).get(ATTACHED)"
                )
            self.read(read_form, source, attached, value, depth)
            inner = depth
            if read_form != "attached_value":  # that read is never null
                self.emit(depth, f"if {value} is None:")
                if nullable:
                    self.emit(depth + 1, f"{result}[{key}] = None")
                else:
                    self.emit(depth + 1, "raise Abandon")
                self.emit(depth, "else:")
                inner = depth + 1
            target = f"{result}[{key}]"
            if kind == LEAF:
                self.leaf(what, value, target, inner)
            elif kind == OBJECT:
                self.object(what, value, target, inner)
            else:
                self.items(kind, what, item_nullable, value, target, inner)

    def read(self, form: str, source: str, attached: str | None, value: str, depth: int) -> None:
        if form == "call":
            self.emit(depth, f"{value} = {self.constant()}({source})")
        elif form.startswith("."):
            self.emit(depth, f"{value} = {source}{form}")
        elif form == "attribute":
            self.emit(depth, f"{value} = getattr({source}, {self.constant()})")
        elif form == "global_id":
            self.emit(depth, f"{value} = _gid({self.constant()}, {source}.pk)")
        elif form == "attached":
            key = self.constant()
            self.emit(depth, f"if {attached} is None or {key} not in {attached}:")
            self.emit(depth + 1, "raise Abandon")
            self.emit(depth, f"{value} = {attached}[{key}]")
        else:  # attached_value: an attached value that must be there and not null
            assert form == "attached_value"
            key = self.constant()
            self.emit(depth, f"{value} = {attached}.get({key}) if {attached} is not None else None")
            self.emit(depth, f"if {value} is None:")
            self.emit(depth + 1, "raise Abandon")

    def leaf(self, form: str, value: str, target: str, depth: int) -> None:
        convert = f"_leaf({self.constant()}, {value})"
        if form == "int":
            test = f"{value}.__class__ is int and _MIN <= {value} <= _MAX"
        elif form in ("str", "bool"):
            test = f"{value}.__class__ is {form}"
        elif form == "class":
            test = f"{value}.__class__ is {self.constant()}"
        elif form == "str()":
            self.emit(depth, f"{target} = str({value})")
            return
        elif form == "isoformat":
            # A date's or datetime's isoformat() is a str: what the serialiser writes.
            test = f"({value}.__class__ is _datetime or {value}.__class__ is _date)"
            self.emit(depth, f"{target} = {value}.isoformat() if {test} else {convert}")
            return
        elif form == "enum":
            wrapped, names = self.constant(), self.constant()
            found = self.fresh("n")
            self.emit(depth, f"if {value}.__class__ is {wrapped}:")
            self.emit(depth + 1, f"{found} = {names}.get({value})")
            self.emit(depth, "else:")
            self.emit(depth + 1, f"{found} = None")
            self.emit(depth, f"{target} = {found} if {found} is not None else {convert}")
            return
        else:
            self.emit(depth, f"{target} = {convert}")
            return
        self.emit(depth, f"{target} = {value} if {test} else {convert}")

    def object(self, form: tuple[Any, ...], value: str, target: str, depth: int) -> None:
        check, plan = form
        if check == "isinstance":
            self.emit(depth, f"if not isinstance({value}, {self.constant()}):")
            self.emit(depth + 1, "raise Abandon")
        elif check == "call":
            self.emit(depth, f"if {self.constant()}({value}, None) is not True:")
            self.emit(depth + 1, "raise Abandon")
        result = self.fresh("r")
        self.emit(depth, f"{result} = {{}}")
        self.plan(plan, value, result, depth)
        self.emit(depth, f"{target} = {result}")

    def items(
        self, kind: int, form: Any, item_nullable: bool, value: str, target: str, depth: int
    ) -> None:
        items, item = self.fresh("l"), self.fresh("i")
        self.emit(depth, f"if not isinstance({value}, (list, tuple)):")
        self.emit(depth + 1, "raise Abandon")
        self.emit(depth, f"{items} = []")
        self.emit(depth, f"for {item} in {value}:")
        self.emit(depth + 1, f"if {item} is None:")
        if item_nullable:
            self.emit(depth + 2, f"{items}.append(None)")
        else:
            self.emit(depth + 2, "raise Abandon")
        self.emit(depth + 1, "else:")
        slot = self.fresh("x")
        if kind == LIST_OF_LEAVES:
            self.leaf(form, item, slot, depth + 2)
        else:
            assert kind == LIST_OF_OBJECTS
            self.object(form, item, slot, depth + 2)
        self.emit(depth + 2, f"{items}.append({slot})")
        self.emit(depth, f"{target} = {items}")
