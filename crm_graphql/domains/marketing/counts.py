"""How many customers each segment of a response matches: one statement for all."""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count

from crm_graphql.api.context import Info
from crm_graphql.api.entities import entity_of, readable_q
from crm_graphql.api.errors import CrmError
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.marketing import segments
from crm_graphql.domains.marketing.models import Segment


def visible_customers_q(info: Info) -> Q:
    """The customers any list shows the caller (not deleted, the read rule)."""
    registered = entity_of(Customer)
    visible = registered.visible_q if registered is not None else Q()
    return visible & readable_q(Customer, info.context.principal)


async def segment_count(info: Info, row: Segment) -> int | None:
    """The number of customers ``row`` matches for the caller; every segment asked for
    in the same response is counted by the same statement (``COUNT(... FILTER)`` per
    segment, one pass over the customers)."""
    rows: dict[int, Segment] = info.context.memo.setdefault("segment-rows", {})
    rows[row.pk] = row

    async def batch(ids: list[int]) -> list[Any]:
        results: dict[int, Any] = {}
        conditions: dict[int, Q] = {}
        for pk in ids:
            if segments.problems_of(info, rows[pk]):
                results[pk] = None
                continue
            try:
                conditions[pk] = segments.segment_q(info, rows[pk], "count")
            except CrmError as error:
                results[pk] = error
        if conditions:
            annotations = {f"s{pk}": Count("id", _filter=q) for pk, q in conditions.items()}
            found = (
                await Customer.filter(visible_customers_q(info))
                .annotate(**annotations)
                .values(*annotations)
            )
            for pk in conditions:
                results[pk] = int(found[0][f"s{pk}"] or 0) if found else 0
        return [results[pk] for pk in ids]

    return await info.context.loader("segment-count", batch).load(row.pk)
