"""How one kind of row is listed: its sortable columns, default order, filter input,
and the related rows a page attaches when they are selected."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import strawberry
from tortoise.expressions import Q
from tortoise.models import Model

from crm_graphql.api.context import Info
from crm_graphql.api.dynamic_types import enum_of
from crm_graphql.api.entities import entity_of
from crm_graphql.api.enums import SortDirection, graphql_enum
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.loaders import Reference, attach_references, selected_fields
from crm_graphql.api.pagination.cursors import SortKey
from crm_graphql.api.references import foreign_keys, reference_columns
from crm_graphql.api.roles import Role

#: Attaches one child list to every row of a page (one batch for all of them).
AttachChildren = Callable[[Info, list[Any]], Awaitable[None]]


@dataclass(frozen=True)
class ListSpec:
    """How one kind of row is listed: its model, sortable columns, default order, filter,
    and the child lists a page attaches when they are selected.

    The reference fields a page attaches (an interaction's ``author``) are the model's
    foreign keys: see :mod:`crm_graphql.api.references`.
    """

    model: type[Model]
    #: GraphQL order-field enum value name -> ORM column.
    order_columns: dict[str, str]
    default_order: tuple[SortKey, ...]
    #: The ``<Type>OrderBy`` input of the ``orderBy:`` argument.
    order_input: type
    #: The ``<Type>Filter`` input of the ``filter:`` argument; None: no such argument.
    filter_input: type | None = None
    #: Order fields over guarded data -> the roles that may sort by them.
    guarded_order: Mapping[str, frozenset[Role]] = field(default_factory=dict)
    #: GraphQL field name of a child list -> what attaches it to a page's rows in one
    #: batch (e.g. an order's items), so that it resolves without an await per row.
    children: Mapping[str, AttachChildren] = field(default_factory=dict)

    @property
    def references(self) -> Mapping[str, Reference]:
        """The reference fields of the rows: the model's foreign keys to entities."""
        return foreign_keys(self.model)

    @property
    def visible_q(self) -> Q:
        """The rows every list of this kind shows (soft-deleted rows are left out)."""
        registered = entity_of(self.model)
        return registered.visible_q if registered is not None else Q()

    def wanted_references(self, info: Info) -> frozenset[str]:
        """The reference and child-list fields the client selected on the nodes."""
        references = self.references
        if not references and not self.children:
            return frozenset()
        known = references.keys() | self.children.keys()
        return frozenset(known & selected_fields(info, "nodes"))

    def wanted_selection(self, info: Info, wanted: frozenset[str]) -> Hashable:
        """What the rows' selected references and child lists select in turn, two
        levels down: pages that differ in it read their related rows apart (the
        related rows are read with the columns their selection needs)."""
        signature = []
        for name in sorted(wanted):
            below = selected_fields(info, "nodes", name)
            deeper = tuple(
                (sub, selected_fields(info, "nodes", name, sub)) for sub in sorted(below)
            )
            signature.append((name, below, deeper))
        return tuple(signature)

    async def attach(self, info: Info, rows: list[Model], wanted: frozenset[str]) -> None:
        """Attach the selected references and child lists to a page's rows."""
        references = self.references
        chosen = wanted & references.keys()
        if chosen:
            columns = {
                name: reference_columns(info, references[name].model, ("nodes", name))
                for name in chosen
            }
            await attach_references(info, rows, references, chosen, columns)
        for name in wanted & self.children.keys():
            await self.children[name](info, rows)

    def sort_keys(
        self, order_by: Sequence[Any] | None, role: Role | None = None
    ) -> tuple[SortKey, ...]:
        """The ORDER BY of a request: the client's fields, then the primary key.

        Sorting by a guarded field needs a role that may read it: the order (and the
        cursors) would reveal the values.
        """
        for entry in order_by or ():
            allowed = self.guarded_order.get(entry.field.name)
            if allowed is not None and role not in allowed:
                raise CrmError(
                    f"Your role may not sort by {entry.field.name}.",
                    ErrorCode.FORBIDDEN,
                    argument="orderBy",
                )
        if order_by:
            keys = [
                SortKey(
                    self.order_columns[entry.field.name],
                    entry.direction == SortDirection.DESC,
                )
                for entry in order_by
            ]
        else:
            keys = list(self.default_order)
        columns = [key.column for key in keys]
        if len(set(columns)) != len(columns):
            raise CrmError("orderBy names the same field twice.", ErrorCode.BAD_USER_INPUT)
        if "id" not in columns:
            keys.append(SortKey("id", keys[-1].descending if keys else False))
        return tuple(keys)


def sortable(
    type_name: str,
    model: type[Model],
    fields: dict[str, tuple[str, str]],
    default: tuple[SortKey, ...],
    *,
    filter: type | None = None,
    guarded: Mapping[str, frozenset[Role]] | None = None,
    children: Mapping[str, AttachChildren] | None = None,
) -> ListSpec:
    """The list spec of a type, with its ``<Type>OrderBy`` input (``spec.order_input``).

    ``fields`` maps each GraphQL order field (e.g. ``CREATED_AT``) to its ORM column
    and a description; ``filter`` is the type's filter input, if it has one.
    """
    field_enum = graphql_enum(
        enum_of(f"{type_name}OrderField", fields),
        f"Fields a {type_name} list can be sorted by.",
        {name: description for name, (_, description) in fields.items()},
    )
    namespace: dict[str, Any] = {
        "__annotations__": {"field": field_enum, "direction": SortDirection},
        "field": strawberry.field(description="The field to sort by."),
        "direction": strawberry.field(
            default=SortDirection.ASC, description="Ascending (default) or descending."
        ),
    }
    order_input = strawberry.input(
        type(f"{type_name}OrderBy", (), namespace),
        description=f"One sort key of a {type_name} list; later keys break ties.",
    )
    return ListSpec(
        model=model,
        order_columns={name: column for name, (column, _) in fields.items()},
        default_order=default,
        order_input=order_input,
        filter_input=filter,
        guarded_order=dict(guarded or {}),
        children=dict(children or {}),
    )
