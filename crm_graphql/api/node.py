"""The ``Node`` interface and the lookup of any record by its global ID."""

from __future__ import annotations

from typing import Any

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.entities import entity_named
from crm_graphql.api.ids import decode_id, parse_global_id
from crm_graphql.api.loaders import load_by_id

#: How many merges ``node(id:)`` follows (a survivor merged again later, ...).
MAX_MERGE_HOPS = 5


@strawberry.interface(description="A record with a stable, opaque global ID.")
class Node:
    @strawberry.field(description="Opaque global ID; pass it to `node(id:)` or `<type>(id:)`.")
    def id(self) -> strawberry.ID:
        raise NotImplementedError  # every entity's type gets its own (see ``@entity``)


async def resolve_node(info: Info, global_id: str, type_name: str | None = None) -> Any:
    """The visible record behind a global ID, or ``None``.

    With ``type_name`` (the typed lookups, ``customer(id:)``), an ID of another type
    is ``INVALID_ID``. The ID of a record merged into another gives that other record.
    """
    if type_name is None:
        type_name, pk = parse_global_id(global_id)
    else:
        pk = decode_id(global_id, type_name)
    registered = entity_named(type_name)
    if registered is None:
        return None
    row = await load_by_id(info, registered.model, pk)
    if registered.merged_into is not None:
        for _ in range(MAX_MERGE_HOPS):
            survivor = getattr(row, registered.merged_into) if row is not None else None
            if survivor is None or registered.is_visible(row):
                break
            row = await load_by_id(info, registered.model, survivor)
            pk = survivor
    if row is None or not registered.is_visible(row):
        return None
    if registered.read_rule is not None:
        # A row-level read rule (e.g. tickets of one's own customers): one more statement.
        readable = registered.model.filter(registered.readable_q(info.context.principal), pk=pk)
        if not await readable.exists():
            return None
    return row
