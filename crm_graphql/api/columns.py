"""Which columns a row needs for the fields a request selects (the planned read path).

A list reads only the columns its selected fields use, plus the keys (primary key, sort
keys, the parent's foreign key): an interaction's ``body`` or a customer's address and
JSON columns are not read, decoded or turned into model attributes when nobody asks
for them. What each field of a type reads is decided once per type:

- a field without a resolver reads the model column of its name;
- a resolver declares what it reads with :func:`reads` (``@reads("id")``);
- a field extension declares it with a ``reads_columns(model, field)`` method (the
  nested lists read the key only, a reference its foreign key; None: not known);
- anything else (a resolver that declares nothing, a name that is no column): every
  column is read, as on the standard path.

Rows read this way are partial Tortoise models (``_partial``: they cannot be saved);
writes always read whole rows.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from graphql import GraphQLObjectType, get_named_type
from pypika_tortoise import Table
from tortoise.fields import DatetimeField
from tortoise.fields.data import CharEnumFieldInstance, IntEnumFieldInstance
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.timezone import get_default_timezone, get_use_tz

from crm_graphql.api.keyed import cached_keyed_statement, dialect_key, read_connection

F = TypeVar("F", bound=Callable[..., Any])

#: The attribute :func:`reads` sets on a resolver.
READS_ATTRIBUTE = "__crm_reads_columns__"


def reads(*columns: str) -> Callable[[F], F]:
    """Declare the model columns a resolver reads of its row (``root``)."""

    def mark(resolver: F) -> F:
        setattr(resolver, READS_ATTRIBUTE, tuple(columns))
        return resolver

    return mark


#: GraphQL node type -> field name -> the columns it reads (None: unknown, all).
_FIELD_COLUMNS: weakref.WeakKeyDictionary[GraphQLObjectType, dict[str, tuple[str, ...] | None]]
_FIELD_COLUMNS = weakref.WeakKeyDictionary()


def field_columns(
    node_type: GraphQLObjectType, model: type[Model], name: str
) -> tuple[str, ...] | None:
    """The columns field ``name`` of ``node_type`` reads (None: not known)."""
    known = _FIELD_COLUMNS.get(node_type)
    if known is None:
        known = _FIELD_COLUMNS[node_type] = {}
    if name in known:
        return known[name]
    result = known[name] = _columns_of(node_type, model, name)
    return result


def _columns_of(
    node_type: GraphQLObjectType, model: type[Model], name: str
) -> tuple[str, ...] | None:
    if name == "__typename":
        return ()
    graphql_field = node_type.fields.get(name)
    definition = (
        (graphql_field.extensions or {}).get("strawberry-definition") if graphql_field else None
    )
    if definition is None:
        return None
    projection = model._meta.fields_db_projection
    declared: list[str] = []
    found = False
    for extension in definition.extensions or ():
        reads_columns = getattr(extension, "reads_columns", None)
        if reads_columns is not None:
            more = reads_columns(model, definition)
            if more is None:  # the extension cannot tell: every column
                return None
            declared.extend(more)
            found = True
    resolver = definition.base_resolver
    if not found:
        if resolver is None:
            return (definition.python_name,) if definition.python_name in projection else None
        marked = getattr(resolver.wrapped_func, READS_ATTRIBUTE, None)
        if marked is None:
            return None
        declared.extend(marked)
    if any(column not in projection for column in declared):
        return None
    return tuple(declared)


def node_type_of(return_type: Any) -> GraphQLObjectType | None:
    """The node type of a connection type (its ``nodes`` field's item type)."""
    connection = get_named_type(return_type)
    nodes = getattr(connection, "fields", {}).get("nodes")
    node = get_named_type(nodes.type) if nodes is not None else None
    return node if isinstance(node, GraphQLObjectType) else None


def needed_columns(
    node_type: GraphQLObjectType | None,
    model: type[Model],
    selected: Iterable[str],
    keys: Sequence[str],
) -> tuple[str, ...] | None:
    """The columns a page's rows need: the keys and what the selected fields read
    (None: every column)."""
    if node_type is None:
        return None
    pk = model._meta.pk_attr
    columns = dict.fromkeys([pk, *keys])
    for name in selected:
        more = field_columns(node_type, model, name)
        if more is None:
            return None
        columns.update(dict.fromkeys(more))
    return tuple(columns)


def _converter(field: Any) -> Callable[[Any], Any]:
    """``field.to_python_value``, with shortcuts for the common cases: a naive
    ``datetime`` made aware in the default time zone, as Tortoise does when ``use_tz``
    is on, and an enum column's value looked up in a table of the members (anything
    else takes Tortoise's own conversion)."""
    convert: Callable[[Any], Any] = field.to_python_value
    if type(field) in (CharEnumFieldInstance, IntEnumFieldInstance):
        return _enum_converter(field.enum_type, convert)
    if type(field) is not DatetimeField:
        return convert

    def to_datetime(value: Any) -> Any:
        if type(value) is datetime and value.tzinfo is None and get_use_tz():
            zone = get_default_timezone()
            if not hasattr(zone, "localize"):
                return value.replace(tzinfo=zone)
        return convert(value)

    return to_datetime


def _enum_converter(enum_type: type[Enum], convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``enum_type(value)`` by a table of the members' values, for values of exactly
    the class of a member's value (what ``Enum`` itself looks up first)."""
    members = {member.value: member for member in enum_type}
    classes = {type(value) for value in members}

    def to_enum(value: Any) -> Any:
        if value.__class__ in classes:
            member = members.get(value)
            if member is not None:
                return member
        return convert(value)

    return to_enum


#: (model, columns, label prefix) -> how a row of those columns becomes a partial model.
_BUILDERS: dict[tuple[type[Model], tuple[str, ...], str], Callable[[Any], Model]] = {}


def row_builder(
    model: type[Model], columns: tuple[str, ...], prefix: str = ""
) -> Callable[[Any], Model]:
    """Turns a row (a mapping of the model field names in ``columns``, each under
    ``prefix`` + its name) into a partial model, converting each value as Tortoise's
    ``_init_from_db`` does."""
    key = (model, columns, prefix)
    builder = _BUILDERS.get(key)
    if builder is not None:
        return builder
    meta = model._meta
    native = {model_field for _, model_field, _ in meta.db_native_fields}
    simple = {model_field: field for _, model_field, field in meta.db_default_fields}
    complex_ = {model_field: field for _, model_field, field in meta.db_complex_fields}
    plain: list[tuple[str, str]] = []
    typed: list[tuple[str, str, Callable[[Any], Any]]] = []
    converted: list[tuple[str, str, Callable[[Any], Any]]] = []
    for column in columns:
        label = prefix + column
        if column in native:
            plain.append((column, label))
        elif column in simple:
            typed.append((column, label, simple[column].field_type))
        elif column in complex_:
            converted.append((column, label, _converter(complex_[column])))
        else:
            raise LookupError(f"{model.__name__}.{column} is no column")
    if any(hasattr(type(getattr(model, column, None)), "__set__") for column in columns):
        # A column behind a descriptor of the class: set it through the descriptor.
        through = _BUILDERS[key] = _builder_through_attributes(model, plain, typed, converted)
        return through
    # What Tortoise's ``_init_from_db`` sets on every row it reads, as a partial row.
    fixed = {
        "_partial": True,
        "_saved_in_db": True,
        "_custom_generated_pk": meta.db_pk_column not in meta.generated_db_fields,
    }
    new = model.__new__

    def build(row: Any) -> Model:
        # Written straight into the new instance's ``__dict__``: the same attributes
        # ``object.__setattr__`` sets, without a call per attribute.
        instance = new(model)
        values = instance.__dict__
        values.update(fixed)
        values["_await_when_save"] = {}
        for column, label in plain:
            values[column] = row[label]
        for column, label, to_type in typed:
            value = row[label]
            values[column] = to_type(value) if value is not None else None
        for column, label, to_python in converted:
            values[column] = to_python(row[label])
        return instance

    _BUILDERS[key] = build
    return build


def _builder_through_attributes(
    model: type[Model],
    plain: list[tuple[str, str]],
    typed: list[tuple[str, str, Callable[[Any], Any]]],
    converted: list[tuple[str, str, Callable[[Any], Any]]],
) -> Callable[[Any], Model]:
    meta = model._meta
    custom_pk = meta.db_pk_column not in meta.generated_db_fields
    new = model.__new__
    set_attribute = object.__setattr__

    def build(row: Any) -> Model:
        instance = new(model)
        set_attribute(instance, "_partial", True)
        set_attribute(instance, "_saved_in_db", True)
        set_attribute(instance, "_custom_generated_pk", custom_pk)
        set_attribute(instance, "_await_when_save", {})
        for column, label in plain:
            set_attribute(instance, column, row[label])
        for column, label, to_type in typed:
            value = row[label]
            set_attribute(instance, column, to_type(value) if value is not None else None)
        for column, label, to_python in converted:
            set_attribute(instance, column, to_python(row[label]))
        return instance

    return build


# --------------------------------------------------------------------------- joins
#
# A page's rows and the rows their references point to (an interaction's ``author``)
# can come from one statement: ``LEFT JOIN`` the target's table on its primary key,
# selecting only the columns the reference's selection reads, each labelled with the
# reference's name as a prefix. A reference applies no row condition of its target in
# SQL (only the soft-delete visibility, checked on the row; see
# ``api.references``), so the joined row is the row a select by key would read.

#: The row attribute holding the values a page attached to it (field name -> value).
ATTACHED = "_crm_attached"


@dataclass(frozen=True)
class Join:
    """A reference read with its rows: the field ``name`` of the rows, their foreign
    key ``column`` (a model field name), the target ``model`` and its ``columns``."""

    name: str
    column: str
    model: type[Model]
    columns: tuple[str, ...]

    @property
    def prefix(self) -> str:
        """The label prefix of the target's columns in the statement."""
        return f"{self.name}__"

    @property
    def alias(self) -> str:
        """The alias of the target's table in the statement."""
        return f"joined_{self.name}"


def join_references(query: Any, key_of: Callable[[str], Any], joins: Sequence[Join]) -> Any:
    """The pypika ``query`` with each join's target table left-joined on its primary key
    (``key_of(column)``: the term of the rows' foreign key ``column``) and its columns
    selected under the join's prefix."""
    for join in joins:
        meta = join.model._meta
        projection = meta.fields_db_projection
        target = Table(meta.db_table).as_(join.alias)
        query = query.left_join(target).on(target[meta.db_pk_column] == key_of(join.column))
        query = query.select(
            *(target[projection[column]].as_(join.prefix + column) for column in join.columns)
        )
    return query


def attach_joined(rows: Sequence[Model], found: Sequence[Any], joins: Sequence[Join]) -> None:
    """Attach to each of ``rows`` (built from ``found``, in order) the target rows its
    joins read: one partial row per target key (null when there is none)."""
    for join in joins:
        build = row_builder(join.model, join.columns, join.prefix)
        label = join.prefix + join.model._meta.pk_attr
        name = join.name
        targets: dict[Any, Model] = {}
        for row, raw in zip(rows, found, strict=True):
            key = raw[label]
            target = None
            if key is not None:
                target = targets.get(key)
                if target is None:
                    target = targets[key] = build(raw)
            attributes = row.__dict__
            values = attributes.get(ATTACHED)
            if values is None:
                values = attributes[ATTACHED] = {}
            values[name] = target


async def select_columns(query: QuerySet[Any], columns: tuple[str, ...]) -> list[Model]:
    """The rows of ``query`` with only ``columns`` read, as partial models."""
    query = query.only(*columns)
    query._choose_db_if_not_chosen()
    query._make_query()
    sql, params = query.query.get_parameterized_sql()
    _, found = await query._db.execute_query(sql, params)
    build = row_builder(query.model, columns)
    return [build(row) for row in found]


async def select_by_keys(
    model: type[Model],
    key: str,
    keys: Sequence[Any],
    columns: tuple[str, ...],
    order_by: tuple[str, ...] = (),
    joins: tuple[Join, ...] = (),
) -> list[Model]:
    """The rows of ``model`` whose ``key`` is one of ``keys`` (in ``order_by``), with
    only ``columns`` read, as partial models, with the targets of ``joins`` attached;
    the statement is built once for the key list (see :mod:`crm_graphql.api.keyed`)."""
    db = read_connection(model)

    def build(values: list[Any]) -> tuple[str, list[Any]]:
        query = model.filter(**{f"{key}__in": values})
        if order_by:
            query = query.order_by(*order_by)
        query = query.only(*columns)
        query._choose_db_if_not_chosen()
        query._make_query()
        if joins:
            table = model._meta.basetable
            projection = model._meta.fields_db_projection
            query.query = join_references(
                query.query, lambda column: table[projection[column]], joins
            )
        return query.query.get_parameterized_sql()

    kept = ("by keys", model, key, columns, order_by, joins, dialect_key(db))
    sql, params = cached_keyed_statement(kept, build, keys)
    _, found = await db.execute_query(sql, params)
    build_row = row_builder(model, columns)
    rows = [build_row(row) for row in found]
    if joins:
        attach_joined(rows, found, joins)
    return rows
