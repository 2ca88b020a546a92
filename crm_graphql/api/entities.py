"""The entity registry: each kind of CRM record is declared once, on its GraphQL type.

``@entity(model, ...)`` on a node type states everything the kernel needs to know about
a kind of record: the ORM model behind it, who may change it and how rows are owned,
which rows are visible, and how it is listed. Every list that used to be kept in step
by hand (the node types of the schema, the types ``me.permissions`` describes, the
write rules, the ``node(id:)`` lookup) is derived from this registry.

References between records are declared once, as the model's foreign keys: the
reference field of the GraphQL type (:func:`crm_graphql.api.references.reference`),
the ``IDFilter`` of a filter input and the group key of an aggregate all follow the
model's foreign key of the same name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import strawberry
from tortoise.expressions import Q
from tortoise.models import Model

from crm_graphql.api.columns import reads
from crm_graphql.api.conditions import lookup_q
from crm_graphql.api.ids import to_global_id
from crm_graphql.api.planner import GLOBAL_ID_OF, INSTANCE_OF
from crm_graphql.api.roles import Role

T = TypeVar("T")


@dataclass(frozen=True)
class WriteRule:
    """What one role may change on one kind of record."""

    #: Only records the caller owns (see :attr:`Entity.owner`).
    own_only: bool = False
    #: Only these GraphQL fields; None: every field.
    fields: frozenset[str] | None = None
    #: With ``own_only``: records nobody owns count as the caller's too (a ticket that is
    #: not assigned yet may be taken by any agent).
    or_unowned: bool = False
    #: Rules on the records a new one is attached to: (foreign key, ``OWNED_PARENT`` or
    #: ``READABLE_PARENT``), e.g. an opportunity only on a customer the caller owns.
    parents: tuple[tuple[str, str], ...] = ()


#: The record a new one is attached to must be owned by the caller.
OWNED_PARENT = "owned"
#: The record a new one is attached to must be one the caller may read (not deleted,
#: allowed by its read rule).
READABLE_PARENT = "readable"


#: Any record, every field.
ANY_ROW = WriteRule()
#: Records the caller owns, every field.
OWN_ROWS = WriteRule(own_only=True)
#: Records the caller owns or that nobody owns, every field.
OWN_OR_UNOWNED_ROWS = WriteRule(own_only=True, or_unowned=True)


def only_fields(*names: str) -> WriteRule:
    """Any record, but only the named GraphQL fields."""
    return WriteRule(fields=frozenset(names))


#: How a mutation finds the user who owns a row: a column of the row, or a function
#: (for records owned through another, e.g. an order through its customer).
Owner = str | Callable[[Any], Awaitable[int | None]]

#: A row-level read rule: given the caller (a ``Principal``, None in public operations),
#: the condition on the rows it may read; None: every row.
ReadRule = Callable[[Any], Q | None]


@dataclass
class Entity:
    """One kind of CRM record, as the kernel knows it."""

    #: GraphQL type name, e.g. ``Opportunity``; also the type part of its global IDs.
    name: str
    model: type[Model]
    #: The Strawberry type.
    node: type
    #: Who owns a row, for ``own_only`` write rules; None: rows have no owner.
    owner: Owner | None = None
    #: Roles other than ADMIN (who may change everything) and what they may change.
    writers: Mapping[Role, WriteRule] = field(default_factory=dict)
    #: Column that marks a row as deleted (soft delete); such rows are hidden on every
    #: path (lists, ``node``, and references, see :meth:`shows`) from every role but
    #: ADMIN, who sees them through references and where a list says so.
    deleted_flag: str | None = None
    #: Whether ``me.permissions`` describes the type's fields.
    in_permissions: bool = True
    #: Which rows each caller may read (lists and ``node(id:)`` apply it); None: all.
    read_rule: ReadRule | None = None
    #: Column of a hidden row pointing to the row it was merged into: ``node(id:)`` of
    #: a merged record answers with the record that absorbed it.
    merged_into: str | None = None

    @property
    def visible_q(self) -> Q:
        """The condition of the rows anyone may see (not soft-deleted)."""
        if self.deleted_flag is None:
            return Q()
        return lookup_q(f"{self.deleted_flag}__isnull", True)

    def readable_q(self, principal: Any) -> Q:
        """The condition of the rows ``principal`` may read (every visible row when the
        entity has no read rule)."""
        if self.read_rule is None:
            return Q()
        condition = self.read_rule(principal)
        return Q() if condition is None else condition

    def is_visible(self, row: Any) -> bool:
        """False for a soft-deleted row."""
        return self.deleted_flag is None or getattr(row, self.deleted_flag) is None

    def shows(self, row: Any, principal: Any) -> bool:
        """The one visibility rule of a row reached through a reference (an
        interaction's ``customer``, a group key of an aggregate): a soft-deleted row is
        shown to ADMIN only, as null to everyone else."""
        if self.is_visible(row):
            return True
        return principal is not None and getattr(principal, "role", None) == Role.ADMIN

    async def owner_of(self, row: Any) -> int | None:
        """The user who owns ``row`` (None when rows have no owner)."""
        if self.owner is None:
            return None
        if isinstance(self.owner, str):
            return getattr(row, self.owner)
        return await self.owner(row)


_BY_NAME: dict[str, Entity] = {}
_BY_MODEL: dict[type[Model], Entity] = {}


def entity(
    model: type[Model],
    *,
    owner: Owner | None = None,
    writers: Mapping[Role, WriteRule] | None = None,
    deleted_flag: str | None = None,
    in_permissions: bool = True,
    read_rule: ReadRule | None = None,
    merged_into: str | None = None,
) -> Callable[[type[T]], type[T]]:
    """Class decorator of the GraphQL type of a kind of record: registers the entity.

    Gives the type its global ``id`` field and lets ``node(id:)`` find its rows. Put it
    below ``@strawberry.type``. ``read_rule`` limits the rows a caller may read (a
    row-level read rule, applied by every list of the entity and by ``node(id:)``);
    ``merged_into``: the column of a merged (hidden) row naming the row that absorbed it.
    """

    def decorate(cls: type[T]) -> type[T]:
        name = cls.__name__
        if name in _BY_NAME:
            raise ValueError(f"entity {name} is registered twice")

        @reads(model._meta.pk_attr)
        def resolve_id(root: Any) -> strawberry.ID:
            return strawberry.ID(to_global_id(name, root.pk))

        setattr(resolve_id, GLOBAL_ID_OF, name)

        # Added to the class given, which does not declare them: hence the ignores.
        cls.id = strawberry.field(  # type: ignore[attr-defined]
            resolve_id, description=f"Opaque global ID of this {name}."
        )

        def is_type_of(_cls: Any, obj: Any, _info: Any) -> bool:
            return isinstance(obj, model)

        # Compiled plans check the class in place (see ``api.compiled``).
        setattr(is_type_of, INSTANCE_OF, model)
        cls.is_type_of = classmethod(is_type_of)  # type: ignore[attr-defined]
        registered = Entity(
            name=name,
            model=model,
            node=cls,
            owner=owner,
            writers=dict(writers or {}),
            deleted_flag=deleted_flag,
            in_permissions=in_permissions,
            read_rule=read_rule,
            merged_into=merged_into,
        )
        _BY_NAME[name] = registered
        _BY_MODEL[model] = registered
        return cls

    return decorate


def entities() -> Iterator[Entity]:
    """Every registered entity, in the order the domains declared them."""
    return iter(_BY_NAME.values())


def entity_count() -> int:
    """How many entities are registered (grows while the domains are imported)."""
    return len(_BY_NAME)


def entity_named(name: str) -> Entity | None:
    """The entity of a GraphQL type name (None when there is none)."""
    return _BY_NAME.get(name)


def entity_of(model: type[Model]) -> Entity | None:
    """The entity whose rows are of ``model`` (None for models that are no entity)."""
    return _BY_MODEL.get(model)


def readable_q(model: type[Model], principal: Any) -> Q:
    """The rows of ``model`` that ``principal`` may read (its entity's read rule)."""
    registered = _BY_MODEL.get(model)
    return registered.readable_q(principal) if registered is not None else Q()


def entity_of_type(node: type) -> Entity:
    """The entity of a GraphQL type; a programming error when it is none."""
    for registered in _BY_NAME.values():
        if registered.node is node:
            return registered
    raise LookupError(f"{node.__name__} is not declared with @entity")


def node_types() -> list[type]:
    """The GraphQL type of every entity: the types that implement ``Node``."""
    return [registered.node for registered in _BY_NAME.values()]
