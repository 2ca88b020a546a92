"""References between records, declared once: as the model's foreign key.

A GraphQL field ``customer`` on ``Opportunity`` follows the foreign key ``customer`` of
the ``Opportunity`` model; so does the ``customer`` field of its filter input and the
``CUSTOMER`` group key of its aggregate. Nothing else needs to name the column or the
target: both come from the model.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from graphql import GraphQLObjectType
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions.field_extension import FieldExtension
from strawberry.types.field import StrawberryField
from tortoise.fields.relational import ForeignKeyFieldInstance
from tortoise.models import Model

from crm_graphql.api.columns import Join, needed_columns
from crm_graphql.api.context import Info
from crm_graphql.api.entities import Entity, entities, entity_count, entity_of, entity_of_type
from crm_graphql.api.loaders import (
    NOT_LOADED,
    Reference,
    already_loaded,
    by_id_loader,
    loaded,
    related,
    selected_fields,
)
from crm_graphql.api.permissions import denies_nothing
from crm_graphql.api.planner import ATTACHED_FIRST, ATTACHED_IF_VISIBLE, Abandon


def foreign_keys(model: type[Model]) -> dict[str, Reference]:
    """Every foreign key of ``model`` whose target is an entity: name -> reference."""
    # Kept per model and number of registered entities: a key to an entity that is
    # registered later (while the domains are imported) appears then.
    cache_key = (model, entity_count())
    found = _FOREIGN_KEYS.get(cache_key)
    if found is not None:
        return found
    found = {}
    for name, field in model._meta.fields_map.items():
        if isinstance(field, ForeignKeyFieldInstance):
            to = field.model_name  # "models.Customer", or the class itself
            target = _entity_model(to.rpartition(".")[2] if isinstance(to, str) else to.__name__)
            if target is not None:
                found[name] = Reference(target, field.source_field or f"{name}_id")
    _FOREIGN_KEYS[cache_key] = found
    return found


_FOREIGN_KEYS: dict[tuple[type[Model], int], dict[str, Reference]] = {}


def foreign_key(model: type[Model], name: str) -> Reference:
    """The foreign key ``name`` of ``model``; a programming error when there is none."""
    try:
        return foreign_keys(model)[name]
    except KeyError:
        raise LookupError(f"{model.__name__} has no foreign key {name!r} to an entity") from None


def reference_columns(
    info: Info, model: type[Model], path: tuple[str, ...]
) -> tuple[str, ...] | None:
    """The columns the rows of ``model`` reached by the reference at ``path`` (in the
    current field's selection, see :func:`crm_graphql.api.loaders.selected_fields`)
    need: the primary key, the soft-delete flag and what the selected fields read, on
    the planned read path (None: whole rows)."""
    if not info.context.settings.planned_reads:
        return None
    memo = info.context.memo
    key = ("reference columns", id(info._raw_info.field_nodes[0]), path, model)
    if key in memo:
        return memo[key]
    columns = None
    registered = entity_of(model)
    node_type = info._raw_info.schema.type_map.get(registered.name) if registered else None
    if registered is not None and isinstance(node_type, GraphQLObjectType):
        flag = [registered.deleted_flag] if registered.deleted_flag else []
        columns = needed_columns(node_type, model, selected_fields(info, *path), flag)
    memo[key] = columns
    return columns


def reference_joins(
    info: Info, model: type[Model], wanted: frozenset[str], path: tuple[str, ...]
) -> tuple[Join, ...]:
    """The references among ``wanted`` (fields of the rows of ``model`` at ``path`` in
    the current field's selection) that a page of partial rows reads in its own
    statement (see :class:`crm_graphql.api.columns.Join`): those whose targets need
    known columns (:func:`reference_columns`), in name order. A reference selects its
    target by key alone, whatever the caller's role, so the joined row is the same.

    Only when no field rule can deny the caller anything the operation selects
    (:func:`crm_graphql.api.permissions.denies_nothing`, decided from the document and
    the role): the first denial of a field carries its ``FORBIDDEN`` error, and which
    path reports it depends on the order in which the request's statements complete,
    which fewer statements change; the others keep a statement per reference (the
    standard path's)."""
    if not wanted or not info.context.settings.planned_reads:
        return ()
    raw = info._raw_info
    if not denies_nothing(raw.schema, info.context, raw.operation, raw.fragments):
        return ()
    references = foreign_keys(model)
    joins = []
    for name in sorted(wanted & references.keys()):
        reference = references[name]
        columns = reference_columns(info, reference.model, (*path, name))
        if columns is not None:
            joins.append(Join(name, reference.column, reference.model, columns))
    return tuple(joins)


def referenced_type_name(model: type[Model], name: str) -> str:
    """The GraphQL type name of the record the foreign key ``name`` of ``model`` points to."""
    target = foreign_key(model, name).model
    for registered in entities():
        if registered.model is target:
            return registered.name
    raise LookupError(target.__name__)


def _entity_model(model_name: str) -> type[Model] | None:
    for registered in entities():
        if registered.model.__name__ == model_name:
            return registered.model
    return None


def _resolve_reference(root: Any, info: Info) -> Any:
    name = info.python_name
    reference = foreign_key(type(root), name)
    row = related(info, root, name, reference)
    registered = entity_of(reference.model)
    if registered is None or registered.deleted_flag is None:
        return row
    principal = info.context.principal
    if row is None or isinstance(row, reference.model):
        return row if row is not None and registered.shows(row, principal) else None
    return _visible(row, lambda found: registered.shows(found, principal))


def _shows(target: Entity) -> Callable[[Any, Any], bool]:
    """Whether a plan shows an attached row of ``target`` to a caller (a plan gives up
    on anything but a row)."""

    def shows(row: Any, principal: Any) -> bool:
        if not isinstance(row, target.model):
            raise Abandon
        return target.shows(row, principal)

    return shows


class _ReferenceType(FieldExtension):
    """Gives a reference field its GraphQL type when the schema is built: the target
    entity's type, nullable when the foreign key is."""

    def __init__(self, target_rule_holds: str | None = None) -> None:
        super().__init__()
        self.target_rule_holds = target_rule_holds

    def reads_columns(self, model: type[Model], field: StrawberryField) -> tuple[str, ...]:
        """A reference reads its foreign key (see ``api.columns``)."""
        return (foreign_key(model, field.python_name).column,)

    def apply(self, field: StrawberryField) -> None:
        owner = field.origin
        if not isinstance(owner, type):
            raise TypeError(f"{field.python_name}: a reference is a field of a type")
        registered = entity_of_type(owner)
        name = field.python_name
        fk = registered.model._meta.fields_map[name]
        target = entity_of(foreign_key(registered.model, name).model)
        if target is None:
            raise LookupError(f"{registered.name}.{name} points to no entity")
        if target.read_rule is not None and not self.target_rule_holds:
            # A read rule is a condition in SQL, not a check of a loaded row: the
            # reference cannot apply it, so it must not reach rows the rule would hide.
            raise TypeError(
                f"{registered.name}.{name} points to {target.name}, whose rows have a read "
                "rule a reference does not apply: give the field a resolver that applies "
                "it, or say with `target_rule_holds=` why every row this type shows may "
                "show its target"
            )
        # A soft-deleted target is null for most roles, whatever the foreign key says.
        nullable = fk.null or target.deleted_flag is not None
        if target.deleted_flag is not None:
            # Who may see the attached row depends on the caller: no direct resolver.
            setattr(self, ATTACHED_FIRST, False)
            # Plans read the attached row and apply the same visibility (api.planner).
            setattr(self, ATTACHED_IF_VISIBLE, _shows(target))
        field.type_annotation = StrawberryAnnotation(
            target.node | None if nullable else target.node
        )


def reference(description: str, *, target_rule_holds: str | None = None) -> Any:
    """A field that returns the record the model's foreign key of the same name points
    to: ``customer = reference("The customer the deal is with.")``. Its type is the
    target entity's type, nullable when the foreign key is.

    Rows of a page come with their references attached (one statement per reference
    for the whole page); other rows load them through the request's batched loader.

    A reference applies the target's soft-delete visibility, not its read rule: one to
    an entity with a read rule is refused when the schema is built, unless
    ``target_rule_holds`` says why the rule cannot hide the target of a row the caller
    may read (the same rows, the same rule).
    """
    return strawberry.field(
        resolver=_resolve_reference,
        description=description,
        extensions=[_ReferenceType(target_rule_holds)],
    )


def visible_row(info: Info, model: type[Model], pk: int | None) -> Any:
    """The row ``pk`` of ``model`` unless its entity hides it from the caller
    (soft-deleted, see :meth:`Entity.shows`): the row itself when this request has
    loaded it already, else an awaitable batched load."""
    row = loaded(info, model, pk)
    registered = entity_of(model)
    if registered is None or registered.deleted_flag is None:
        return row
    principal = info.context.principal
    if row is None or isinstance(row, model):
        return row if row is not None and registered.shows(row, principal) else None
    return _visible(row, lambda found: registered.shows(found, principal))


async def _visible(pending: Awaitable[Any], is_visible: Callable[[Any], bool]) -> Any:
    row = await pending
    return row if row is not None and is_visible(row) else None


# The reference's resolver returns the row a page attached, when there is one.
setattr(_ReferenceType, ATTACHED_FIRST, True)


class _KeyReferenceType(FieldExtension):
    def __init__(self, model: type[Model], name: str) -> None:
        self.model = model
        self.name = name

    def apply(self, field: StrawberryField) -> None:
        target = entity_of(foreign_key(self.model, self.name).model)
        if target is None:
            raise LookupError(f"{self.model.__name__}.{self.name} points to no entity")
        if target.read_rule is not None:
            # A group key shows the record to whoever may read the aggregate.
            raise TypeError(
                f"{self.model.__name__}.{self.name} points to {target.name}, whose rows "
                "have a read rule: it cannot be a group key's record"
            )
        field.type_annotation = StrawberryAnnotation(target.node | None)

    def direct_resolver(self, field: StrawberryField, convert: Any) -> Any:
        """The key's record without Strawberry's per-field wrapper, and for plans
        (``planned_read_for``, see :mod:`crm_graphql.api.planner`) the same record read
        from the request's loader when it was preloaded: a page of groups then completes
        without running a resolver per group (the plan is abandoned for a key whose
        record is not loaded, which then resolves the standard way)."""
        if list(field.extensions) != [self]:
            return None
        target = foreign_key(self.model, self.name).model
        registered = entity_of(target)
        hides = registered is not None and registered.deleted_flag is not None
        attribute = f"_{self.name}_id"

        def resolve(source: Any, info: Any) -> Any:
            return visible_row(info, target, getattr(source, attribute))

        def planned_read_for(context: Any) -> Callable[[Any], Any]:
            loader = by_id_loader(context, target)
            principal = getattr(context, "principal", None)

            def read(source: Any) -> Any:
                pk = getattr(source, attribute)
                if pk is None:
                    return None
                row = already_loaded(loader, pk)
                if row is NOT_LOADED:
                    raise Abandon
                if row is None or not hides:
                    return row
                return row if registered.shows(row, principal) else None  # type: ignore[union-attr]

            return read

        resolve.planned_read_for = planned_read_for  # type: ignore[attr-defined]
        return resolve


def key_reference(model: type[Model], name: str, description: str) -> Any:
    """A field of an object that holds the foreign key ``name`` of a ``model`` row in
    ``_<name>_id`` (a group key of an aggregate): the record it points to, or null.

    Resolves without an await when the records were preloaded (see
    :func:`crm_graphql.api.loaders.preload`).
    """
    attribute = f"_{name}_id"

    def resolve(root: Any, info: Info) -> Any:
        return visible_row(info, foreign_key(model, name).model, getattr(root, attribute))

    return strawberry.field(
        resolver=resolve, description=description, extensions=[_KeyReferenceType(model, name)]
    )
