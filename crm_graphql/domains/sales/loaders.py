"""Batched reads of opportunities: the stage history behind each current stage."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from crm_graphql.api.context import Info


async def load_stage_history(info: Info, opportunity_id: int) -> list[Any]:
    """The opportunity's stage changes, oldest first (one query for every opportunity)."""
    from crm_graphql.domains.sales.models import OpportunityStageChange
    from crm_graphql.domains.sales.types import OpportunityStageChange as StageChangeType

    async def batch(ids: list[int]) -> list[list[Any]]:
        grouped: dict[int, list[Any]] = defaultdict(list)
        rows = await OpportunityStageChange.filter(opportunity_id__in=ids).order_by(
            "changed_at", "id"
        )
        for row in rows:
            grouped[row.opportunity_id].append(
                StageChangeType(
                    stage=row.stage, changed_at=row.changed_at, _changed_by_id=row.changed_by_id
                )
            )
        return [grouped.get(i, []) for i in ids]

    return await info.context.loader("opportunity_stage_history", batch).load(opportunity_id)
