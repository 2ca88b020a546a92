"""Batched reads of the marketing domain (one statement per request and kind)."""

from __future__ import annotations

from collections import defaultdict

from crm_graphql.api.context import Info
from crm_graphql.domains.marketing.models import CustomerConsent


async def load_consents(info: Info, customer_id: int) -> list[CustomerConsent]:
    """A customer's consent rows, by channel (one statement for every customer)."""

    async def batch(ids: list[int]) -> list[list[CustomerConsent]]:
        rows = await CustomerConsent.filter(customer_id__in=ids).order_by("channel")
        grouped: dict[int, list[CustomerConsent]] = defaultdict(list)
        for row in rows:
            grouped[row.customer_id].append(row)
        return [grouped.get(pk, []) for pk in ids]

    return await info.context.loader("customer-consents", batch).load(customer_id)
