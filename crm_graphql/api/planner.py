"""Resolvers decided once, when the schema is built, for the fields a page answers
from what it has already read.

Strawberry calls every field that has a resolver through the same generic wrapper: an
``Info`` object, argument conversion, the chain of field extensions. For the fields
below that work is done per row and changes nothing, so :func:`plan_resolvers` gives
them a direct resolver, falling back to Strawberry's own wherever the shortcut does
not apply:

- a global ``id``: the type's name and the row's primary key;
- a field a page attaches to its rows (a reference such as an interaction's
  ``author``, an order's ``items``): the attached value when there is one, which is
  what the resolver returns then;
- a field whose extension offers a ``direct_resolver(field, convert)`` (the nested
  lists, :mod:`crm_graphql.api.pagination.fields`): the resolver it returns, given how
  to convert the field's arguments as Strawberry does (``convert(arguments, field,
  info)``).

Field rules are applied before any resolver runs (``CrmExecutionContext``), so a
denied field is never resolved either way; the answers are the same bytes
(``tests/planner``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import EnumMeta
from typing import Any
from weakref import WeakKeyDictionary

import strawberry
from graphql import GraphQLField, GraphQLObjectType, GraphQLSchema, Undefined
from graphql.type.scalars import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    serialize_boolean,
    serialize_id,
    serialize_int,
    serialize_string,
)
from strawberry.schema.schema_converter import CustomGraphQLEnumType
from strawberry.types import Info as StrawberryInfo

from crm_graphql.api.ids import to_global_id
from crm_graphql.api.loaders import ATTACHED, attach

#: A resolver marked with this attribute returns the value a page attached to the row
#: under the field's name when there is one (see :func:`crm_graphql.api.loaders.attach`).
ATTACHED_FIRST = "__crm_attached_first__"
#: A field extension with this attribute resolves to the value a page attached to the
#: row, shown only when ``visible(value, principal)`` (the function it holds) is true,
#: else null: who may see the value depends on the caller.
ATTACHED_IF_VISIBLE = "__crm_attached_if_visible__"
#: A resolver marked with this attribute returns the row's global ID of this type name.
GLOBAL_ID_OF = "__crm_global_id_of__"
#: A resolver marked with this attribute has its values for a whole list of rows read
#: at once by the function it holds (see :func:`prefetched`).
PREFETCH = "__crm_prefetch__"

#: A plan's read with this attribute has a form that compiled plans write out in place
#: (:mod:`crm_graphql.api.compiled`): ``("attribute", name)``, ``("global_id", type
#: name)``, ``("attached", key)`` (the value attached under ``key``, null included, or
#: :class:`Abandon`) or ``("attached_value", key)`` (the same, but null abandons too).
INLINE = "planned_inline"

#: A type's ``is_type_of`` with this attribute is ``isinstance(value, <the class it holds>)``.
INSTANCE_OF = "planned_instance_of"

#: Reads a field's values for a list of rows at once: (info, rows) -> values, in order.
ReadMany = Callable[[Any, list[Any]], Awaitable[list[Any]]]


def attached_first(resolver: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a resolver that returns the value attached to its row, when there is one."""
    setattr(resolver, ATTACHED_FIRST, True)
    return resolver


#: Converts a field's GraphQL argument values into its Python arguments, as Strawberry
#: does before calling a resolver: (values, Strawberry field, Strawberry info) -> kwargs.
Convert = Callable[[dict[str, Any], Any, Any], dict[str, Any]]


def prefetched(read_many: ReadMany) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a resolver of a row field (no arguments) whose values for a whole list of
    rows ``read_many(info, rows)`` reads at once: the values the resolver would return
    for each row, in order, with the same statements (the request's loaders). A list of
    rows whose selection has the field reads it so before completing the rows (see
    ``api.execution``), and the rows then answer it without an await."""

    def mark(resolver: Callable[..., Any]) -> Callable[..., Any]:
        setattr(resolver, PREFETCH, read_many)
        return resolver

    return mark


def plan_resolvers(schema: GraphQLSchema, convert: Convert | None = None) -> int:
    """Give the fields described in the module doc their direct resolvers; returns how
    many fields got one (``convert``: see :data:`Convert`; without it, fields with
    arguments keep Strawberry's resolver)."""
    planned = 0
    for type_name, gtype in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(gtype, GraphQLObjectType):
            continue
        for gfield in gtype.fields.values():
            direct = _direct_resolver(gfield, convert)
            if direct is not None:
                gfield.resolve = direct
                planned += 1
    return planned


def _direct_resolver(gfield: GraphQLField, convert: Convert | None) -> Callable[..., Any] | None:
    definition = (gfield.extensions or {}).get("strawberry-definition")
    standard = gfield.resolve
    if definition is None or standard is None:
        return None
    if convert is not None:
        for extension in definition.extensions:
            offer = getattr(extension, "direct_resolver", None)
            direct = offer(definition, convert) if offer is not None else None
            if direct is not None:
                return direct
    if gfield.args:
        return None
    resolver = definition.base_resolver
    function = resolver.wrapped_func if resolver is not None else None
    read_many = getattr(function, PREFETCH, None)
    if read_many is not None and not definition.extensions:
        return _prefetched(definition, read_many, standard)
    type_name = getattr(function, GLOBAL_ID_OF, None)
    if type_name is not None and not definition.extensions:
        return _global_id(type_name)
    marked = getattr(function, ATTACHED_FIRST, False) or any(
        getattr(extension, ATTACHED_FIRST, False) for extension in definition.extensions
    )
    if marked and not (resolver is not None and resolver.is_async):
        return _attached_or(definition.python_name, standard)
    for extension in definition.extensions:
        visible = getattr(extension, ATTACHED_IF_VISIBLE, None)
        if visible is not None:
            return _attached_if_visible(definition.python_name, standard, visible)
    return None


def _global_id(type_name: str) -> Callable[..., Any]:
    def resolve_id(source: Any, info: Any) -> strawberry.ID:
        return strawberry.ID(to_global_id(type_name, source.pk))

    def read(source: Any) -> strawberry.ID:
        return strawberry.ID(to_global_id(type_name, source.pk))

    setattr(read, INLINE, ("global_id", type_name))
    resolve_id.planned_read = read  # type: ignore[attr-defined]
    return resolve_id


def _attached_or(name: str, standard: Callable[..., Any]) -> Callable[..., Any]:
    def resolve(source: Any, info: Any, **arguments: Any) -> Any:
        values = getattr(source, "__dict__", {}).get(ATTACHED)
        if values is not None and name in values:
            return values[name]
        return standard(source, info, **arguments)

    def read(source: Any) -> Any:
        values = getattr(source, "__dict__", {}).get(ATTACHED)
        if values is None or name not in values:
            raise Abandon
        return values[name]

    setattr(read, INLINE, ("attached", name))
    resolve.planned_read = read  # type: ignore[attr-defined]
    return resolve


def _attached_if_visible(
    name: str, standard: Callable[..., Any], visible: Callable[[Any, Any], bool]
) -> Callable[..., Any]:
    """The standard resolver, and for plans (``planned_read_for(context)``, made once
    per request) a read of the attached value shown to the request's caller."""

    def resolve(source: Any, info: Any, **arguments: Any) -> Any:
        return standard(source, info, **arguments)

    def planned_read_for(context: Any) -> Callable[[Any], Any]:
        principal = getattr(context, "principal", None)

        def read(source: Any) -> Any:
            values = getattr(source, "__dict__", _NOTHING).get(ATTACHED)
            if values is None or name not in values:
                raise Abandon
            value = values[name]
            if value is None or visible(value, principal):
                return value
            return None

        return read

    resolve.planned_read_for = planned_read_for  # type: ignore[attr-defined]
    return resolve


_NOTHING: dict[str, Any] = {}


def _prefetched(
    definition: Any, read_many: ReadMany, standard: Callable[..., Any]
) -> Callable[..., Any]:
    key = ("prefetched", definition.python_name)

    def resolve(source: Any, info: Any, **arguments: Any) -> Any:
        values = getattr(source, "__dict__", _NOTHING).get(ATTACHED)
        if values is not None and key in values:
            return values[key]
        return standard(source, info, **arguments)

    def read(source: Any) -> Any:
        values = getattr(source, "__dict__", _NOTHING).get(ATTACHED)
        if values is None or key not in values:
            raise Abandon
        return values[key]

    setattr(read, INLINE, ("attached", key))

    async def prefetch(rows: list[Any], raw: Any, arguments: dict[str, Any]) -> None:
        found = await read_many(StrawberryInfo(_raw_info=raw, _field=definition), rows)
        for row, value in zip(rows, found, strict=True):
            attach(row, key, value)

    resolve.planned_read = read  # type: ignore[attr-defined]
    resolve.prefetch = prefetch  # type: ignore[attr-defined]
    return resolve


# --------------------------------------------------------------------------- subtrees
#
# graphql-core executes every field of every row through the same generic machinery:
# a resolve-info object, the resolver, ``complete_value`` with its checks, a path entry.
# For a selection made only of plain reads (columns, global IDs, attached references
# and child lists, ``__typename``) a plan made once per selection (and cached for the
# request next to graphql-core's own memo of collected fields) computes the same values
# directly. A field the caller may not read is null in the plan of the object it belongs
# to (``DENIED``); the executor reports its FORBIDDEN error once that plan has
# succeeded, where the standard way reports it. Any surprise on the way (a null where
# the type says non-null, a value a scalar refuses, a row of another type, a reference
# that was not attached) abandons the plan for that object, which then runs the standard
# way: its errors, paths and null propagation are graphql-core's own. A plan never has
# side effects, so abandoning it leaves nothing behind.


class Abandon(Exception):
    """The plan does not cover this value: run the standard executor."""


#: The kinds of step of a plan. ``DENIED``: a field the caller may not read (null; its
#: detail is what the executor needs to report it).
LEAF, OBJECT, LIST_OF_LEAVES, LIST_OF_OBJECTS, TYPENAME, DENIED = range(6)

#: One response key: (kind, response name, read, nullable, detail, item nullable).
Step = tuple[int, str, Callable[[Any], Any] | None, bool, Any, bool]
Plan = tuple[Step, ...]


def reader(gfield: GraphQLField) -> Callable[[Any], Any] | None:
    """How to read a field's value from its source without its resolver, or None."""
    resolve = gfield.resolve
    if resolve is None:
        return None
    if getattr(resolve, "_is_default", False):
        definition = (gfield.extensions or {}).get("strawberry-definition")
        return _attribute(definition.python_name) if definition is not None else None
    return getattr(resolve, "planned_read", None)


def _attribute(name: str) -> Callable[[Any], Any]:
    def read(source: Any) -> Any:
        return getattr(source, name)

    setattr(read, INLINE, ("attribute", name))
    return read


def run_plan(plan: Plan, source: Any) -> dict[str, Any]:
    """The response object of ``source`` under ``plan`` (raises :class:`Abandon`)."""
    result: dict[str, Any] = {}
    for kind, name, read, nullable, detail, item_nullable in plan:
        if kind == TYPENAME:
            result[name] = detail
            continue
        if kind == DENIED:
            result[name] = None
            continue
        value = read(source)  # type: ignore[misc]
        if value is None:
            if not nullable:
                raise Abandon
            result[name] = None
        elif kind == LEAF:
            coerce, plain = detail
            if value.__class__ is plain and (plain is not int or _MIN <= value <= _MAX):
                result[name] = value
            else:
                result[name] = leaf_value(coerce, value)
        elif kind == OBJECT:
            result[name] = _object(detail, value)
        else:
            if not isinstance(value, list | tuple):
                raise Abandon
            items: list[Any] = []
            for item in value:
                if item is None:
                    if not item_nullable:
                        raise Abandon
                    items.append(None)
                elif kind == LIST_OF_LEAVES:
                    coerce, plain = detail
                    if item.__class__ is plain and (plain is not int or _MIN <= item <= _MAX):
                        items.append(item)
                    else:
                        items.append(leaf_value(coerce, item))
                else:
                    items.append(_object(detail, item))
            result[name] = items
    return result


_MIN, _MAX = GRAPHQL_MIN_INT, GRAPHQL_MAX_INT


def leaf_detail(leaf_type: Any) -> tuple[Callable[[Any], Any], type | None]:
    """How a plan writes a value of ``leaf_type``: its serialisation, and the class
    whose values that serialisation provably returns as they are (None when none).

    Only graphql-core's own ``String``, ``ID``, ``Boolean`` and ``Int`` serialisers
    qualify, recognised by identity (a scalar the schema overrides never is), and only
    for values of exactly the built-in class: ``serialize_string`` and
    ``serialize_id`` return a ``str`` as is, ``serialize_boolean`` a ``bool``, and
    ``serialize_int`` an ``int`` within the 32-bit range (outside it, and for any
    subclass such as a ``str`` enum, the serialiser runs and decides). A Strawberry
    enum maps a member of exactly its Python class to the name its serialiser would
    find (the first GraphQL value equal to the member's value) by a table made once;
    any other value goes through the serialiser. Made once per type (types live as
    long as their schema).
    """
    found = _LEAF_DETAILS.get(leaf_type)
    if found is None:
        found = _LEAF_DETAILS[leaf_type] = _leaf_detail(leaf_type)
    return found


_LEAF_DETAILS: WeakKeyDictionary[Any, tuple[Callable[[Any], Any], type | None]] = (
    WeakKeyDictionary()
)


def _leaf_detail(leaf_type: Any) -> tuple[Callable[[Any], Any], type | None]:
    coerce = leaf_type.coerce_output_value
    plain: type | None = None
    if coerce is serialize_string or coerce is serialize_id:
        plain = str
    elif coerce is serialize_boolean:
        plain = bool
    elif coerce is serialize_int:
        plain = int
    else:
        names = _enum_names(leaf_type)
        if names is not None:
            return _enum_coerce(leaf_type.wrapped_cls, names, coerce), None
    return coerce, plain


def _enum_names(leaf_type: Any) -> dict[Any, str] | None:
    wrapped = getattr(leaf_type, "wrapped_cls", None)
    if wrapped is None or not isinstance(wrapped, EnumMeta):
        return None
    if (
        type(leaf_type).coerce_output_value is not CustomGraphQLEnumType.coerce_output_value
        or "coerce_output_value" in vars(leaf_type)
    ):
        return None
    names: dict[Any, str] = {}
    member: Any
    for member in wrapped:
        for name, gvalue in leaf_type.values.items():
            if member.value == gvalue.value:
                names[member] = name
                break
    return names


def _enum_coerce(
    wrapped: type, names: dict[Any, str], coerce: Callable[[Any], Any]
) -> Callable[[Any], Any]:
    def coerce_enum(value: Any) -> Any:
        if value.__class__ is wrapped:
            name = names.get(value)
            if name is not None:
                return name
        return coerce(value)

    setattr(coerce_enum, _ENUM_TABLE, (wrapped, names))
    return coerce_enum


_ENUM_TABLE = "planned_enum_table"


def enum_table(coerce: Callable[[Any], Any]) -> tuple[type, dict[Any, str]] | None:
    """For an enum's serialisation made by :func:`leaf_detail`: the enum's class and the
    names of its members (what that serialisation returns for exactly those members)."""
    return getattr(coerce, _ENUM_TABLE, None)


def leaf_value(coerce: Callable[[Any], Any], value: Any) -> Any:
    """``value`` serialised by ``coerce``; a value it refuses abandons the plan."""
    coerced = coerce(value)
    if coerced is None or coerced is Undefined:
        raise Abandon
    return coerced


def _object(detail: tuple[Any, Plan], value: Any) -> dict[str, Any]:
    is_type_of, plan = detail
    if is_type_of is not None and is_type_of(value, None) is not True:
        raise Abandon
    return run_plan(plan, value)
