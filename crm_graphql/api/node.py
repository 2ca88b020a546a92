"""The ``Node`` interface and the lookup of any record by its global ID."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
from tortoise.models import Model

from crm_graphql.api.context import Info
from crm_graphql.api.ids import parse_global_id, to_global_id
from crm_graphql.api.loaders import load_by_id


@strawberry.interface(description="A record with a stable, opaque global ID.")
class Node:
    @strawberry.field(description="Opaque global ID; pass it to `node(id:)` or `<type>(id:)`.")
    def id(self) -> strawberry.ID:
        raise NotImplementedError  # every node type declares its own


#: GraphQL type name -> (model, visibility check) of every node type.
_NODE_MODELS: dict[str, tuple[type[Model], Callable[[Any], bool]]] = {}

T = TypeVar("T")


def node_type(model: type[Model], visible: Callable[[Any], bool] = lambda row: True):
    """Class decorator for a GraphQL type backed by rows of ``model``.

    Gives the type its global ``id`` and lets ``node(id:)`` find its rows; ``visible``
    hides rows that lists hide too (soft-deleted customers).
    """

    def decorate(cls: type[T]) -> type[T]:
        type_name = cls.__name__

        def resolve_id(root: Any) -> strawberry.ID:
            return strawberry.ID(to_global_id(type_name, root.pk))

        cls.id = strawberry.field(  # type: ignore[attr-defined]
            resolve_id, description=f"Opaque global ID of this {type_name}."
        )
        cls.is_type_of = classmethod(  # type: ignore[attr-defined]
            lambda _cls, obj, _info: isinstance(obj, model)
        )
        _NODE_MODELS[type_name] = (model, visible)
        return cls

    return decorate


async def resolve_node(info: Info, global_id: str) -> Any:
    """The visible record behind any global ID, or ``None``."""
    type_name, pk = parse_global_id(global_id)
    entry = _NODE_MODELS.get(type_name)
    if entry is None:
        return None
    model, visible = entry
    row = await load_by_id(info, model, pk)
    return row if row is not None and visible(row) else None
