"""Batched loads of order items: per order (DataLoader) or for a whole page of orders."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from graphql import GraphQLObjectType, get_named_type

from crm_graphql.api.columns import needed_columns, node_type_of, select_by_keys
from crm_graphql.api.context import Info
from crm_graphql.api.loaders import attach, attach_references, selected_fields
from crm_graphql.api.references import foreign_keys, reference_columns, reference_joins
from crm_graphql.domains.orders.models import OrderItem


async def _items_of(
    info: Info,
    order_ids: list[int],
    wanted: frozenset[str],
    columns: tuple[str, ...] | None = None,
    related: dict[str, tuple[str, ...] | None] | None = None,
) -> dict[int, list]:
    joins = (
        reference_joins(info, OrderItem, wanted, ("nodes", "items")) if columns is not None else ()
    )
    items: list[Any] = (
        await OrderItem.filter(order_id__in=order_ids).order_by("id")
        if columns is None
        else await select_by_keys(OrderItem, "order_id", order_ids, columns, ("id",), joins)
    )
    rest = wanted.difference(join.name for join in joins)
    if rest:
        await attach_references(info, items, foreign_keys(OrderItem), rest, related)
    grouped: dict[int, list[Any]] = defaultdict(list)
    for item in items:
        grouped[item.order_id].append(item)
    return grouped


def _columns(info: Info, selected: frozenset[str]) -> tuple[str, ...] | None:
    """The item columns a page's selection needs (None: whole rows), on the planned
    read path (see :mod:`crm_graphql.api.columns`)."""
    if not info.context.settings.planned_reads:
        return None
    order_type = node_type_of(info._raw_info.return_type)
    items = order_type.fields.get("items") if order_type is not None else None
    item_type = get_named_type(items.type) if items is not None else None
    if not isinstance(item_type, GraphQLObjectType):
        return None
    return needed_columns(item_type, OrderItem, selected, ["order_id"])


async def load_order_items(info: Info, order_id: int) -> list[OrderItem]:
    """All items of one order, batched over every order in the response."""
    wanted = frozenset(foreign_keys(OrderItem).keys() & selected_fields(info))

    async def batch(order_ids: list[int]) -> list[list[OrderItem]]:
        grouped = await _items_of(info, order_ids, wanted)
        return [grouped.get(order_id, []) for order_id in order_ids]

    return await info.context.loader(("order_items", wanted), batch).load(order_id)


async def attach_order_items(info: Info, orders: list[Any]) -> None:
    """Attach ``items`` to every order of a page: one statement for the whole page
    (plus one for the products when the items' ``product`` is selected)."""
    selected = selected_fields(info, "nodes", "items")
    wanted = frozenset(foreign_keys(OrderItem).keys() & selected)
    columns = _columns(info, selected)
    references = foreign_keys(OrderItem)
    related = {
        name: reference_columns(info, references[name].model, ("nodes", "items", name))
        for name in wanted
    }
    grouped = await _items_of(info, [order.pk for order in orders], wanted, columns, related)
    for order in orders:
        attach(order, "items", grouped.get(order.pk, []))
