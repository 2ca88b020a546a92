"""Batched reads of leads: the lead a customer was converted from."""

from __future__ import annotations

from typing import Any

from crm_graphql.api.context import Info


async def load_converted_from(info: Info, customer_id: int) -> Any:
    """The latest lead converted into the customer (one query for every customer)."""
    from crm_graphql.domains.leads.models import Lead

    async def batch(ids: list[int]) -> list[Any]:
        found: dict[int, Any] = {}
        for row in await Lead.filter(converted_customer_id__in=ids).order_by("converted_at"):
            if row.converted_customer_id is not None:
                found[row.converted_customer_id] = row
        return [found.get(i) for i in ids]

    return await info.context.loader("lead_converted_from", batch).load(customer_id)
