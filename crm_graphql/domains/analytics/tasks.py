"""Background work of the dashboards: the extremes of rollup cells counted again after a
record holding one left them."""

from __future__ import annotations

from crm_graphql.api.aggregation import rollups
from crm_graphql.events import Event, subscriber


@subscriber("analytics.rollup_extremes", events=[rollups.EXTREMES_LEFT], transactional=False)
async def repair_extremes(event: Event) -> None:
    """Count the extremes of the cells a record left again, those that went stale (each
    in a transaction of its own: see ``rollups.repair``; running twice changes nothing)."""
    rollup = rollups.named(event.entity_id)
    await rollups.repair(rollup, list(event.data["cells"]))
