"""Batched loads of order items: per order (DataLoader) or for a whole page of orders."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from crm_graphql.api.context import Info
from crm_graphql.api.loaders import attach, attach_references, selected_fields
from crm_graphql.api.references import foreign_keys
from crm_graphql.domains.orders.models import OrderItem


async def _items_of(info: Info, order_ids: list[int], wanted: frozenset[str]) -> dict[int, list]:
    items = await OrderItem.filter(order_id__in=order_ids).order_by("id")
    if wanted:
        await attach_references(info, items, foreign_keys(OrderItem), wanted)
    grouped: dict[int, list[OrderItem]] = defaultdict(list)
    for item in items:
        grouped[item.order_id].append(item)
    return grouped


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
    wanted = frozenset(foreign_keys(OrderItem).keys() & selected_fields(info, "nodes", "items"))
    grouped = await _items_of(info, [order.pk for order in orders], wanted)
    for order in orders:
        attach(order, "items", grouped.get(order.pk, []))
