"""Interaction statistics: counts and total duration per channel, direction, author, period."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from crm_graphql.api.aggregation.arguments import filter_bounds, group_limit
from crm_graphql.api.aggregation.cache import cached_view
from crm_graphql.api.aggregation.core import Dimension, Measure, aggregate
from crm_graphql.api.aggregation.periods import (
    Granularity,
    local_midnight,
    offset_shifts,
    time_zone,
)
from crm_graphql.api.context import Info
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.filters import filter_q
from crm_graphql.api.json import plain
from crm_graphql.api.loaders import loaded, preload, selected_fields
from crm_graphql.domains.analytics.enums import InteractionStatsGroup
from crm_graphql.domains.interactions.enums import Channel, Direction
from crm_graphql.domains.interactions.filters import InteractionFilter
from crm_graphql.domains.interactions.models import Interaction as InteractionModel
from crm_graphql.domains.users.models import User as UserModel
from crm_graphql.domains.users.types import User

#: Group -> (result attribute, column, date granularity).
_GROUPS: dict[InteractionStatsGroup, tuple[str, str, Granularity | None]] = {
    InteractionStatsGroup.CHANNEL: ("channel", "channel", None),
    InteractionStatsGroup.DIRECTION: ("direction", "direction", None),
    InteractionStatsGroup.AUTHOR: ("author", "author_id", None),
    InteractionStatsGroup.DAY: ("period", "occurred_at", Granularity.DAY),
    InteractionStatsGroup.WEEK: ("period", "occurred_at", Granularity.WEEK),
    InteractionStatsGroup.MONTH: ("period", "occurred_at", Granularity.MONTH),
}


@strawberry.type(description="Interactions of one group; the fields not grouped by are null.")
class InteractionStatsRow:
    channel: Channel | None = strawberry.field(description="The channel (grouped by CHANNEL).")
    direction: Direction | None = strawberry.field(
        description="The direction (grouped by DIRECTION)."
    )
    period_start: datetime | None = strawberry.field(
        description="When the local day, week or month begins (grouped by a period)."
    )
    count: int = strawberry.field(description="Number of interactions.")
    total_duration_seconds: int = strawberry.field(
        description="Sum of their durations, in seconds (those without a duration add 0)."
    )
    _author_id: strawberry.Private[int | None]

    @strawberry.field(
        description="The staff member who recorded them (grouped by AUTHOR); null for "
        "interactions without an author."
    )
    def author(self, info: Info) -> User | None:
        return loaded(info, UserModel, self._author_id)


@strawberry.type(description="Interaction statistics per group.")
class InteractionStats:
    groups: list[InteractionStatsRow] = strawberry.field(
        description="One entry per combination of the groups, in the order of the groups."
    )
    has_more: bool = strawberry.field(description="True when groups were left out (`first`).")


def _dimensions(
    group_by: list[InteractionStatsGroup], filter: InteractionFilter | None, zone_name: str
) -> list[Dimension]:
    if len(set(group_by)) != len(group_by):
        raise CrmError("groupBy names a group twice.", ErrorCode.BAD_USER_INPUT, argument="groupBy")
    zone = time_zone(zone_name)
    dimensions = []
    for group in group_by:
        name, column, granularity = _GROUPS[group]
        if granularity is None:
            dimensions.append(Dimension(name, column))
            continue
        if any(d.alias == "period" for d in dimensions):
            raise CrmError(
                "groupBy may name one of DAY, WEEK, MONTH.",
                ErrorCode.BAD_USER_INPUT,
                argument="groupBy",
            )
        shifts = offset_shifts(zone, *filter_bounds(filter, "occurred_at"))
        dimensions.append(Dimension(name, column, granularity, tuple(shifts)))
    return dimensions


async def interaction_stats(
    info: Info,
    group_by: list[InteractionStatsGroup],
    filter: InteractionFilter | None,
    zone_name: str,
    first: int | None,
) -> InteractionStats:
    """Counts and durations per group: one statement."""
    dimensions = _dimensions(group_by, filter, zone_name)
    where = filter_q(filter, info)
    limit = group_limit(info, first)

    async def compute() -> list[dict[str, Any]]:
        measures = [Measure("count", "count"), Measure("seconds", "sum", "duration_seconds")]
        return await aggregate(
            InteractionModel, where, dimensions, measures, limit=limit + 1 if dimensions else None
        )

    arguments = {
        "groupBy": plain(group_by),
        "filter": plain(filter),
        "timeZone": zone_name,
        "first": limit,
    }
    rows = await cached_view(info, "interactionStats", arguments, compute)
    if "author" in selected_fields(info, "groups"):
        await preload(info, UserModel, (row.get("author") for row in rows[:limit]))
    zone = time_zone(zone_name)
    groups = [
        InteractionStatsRow(
            channel=Channel(row["channel"]) if row.get("channel") else None,
            direction=Direction(row["direction"]) if row.get("direction") else None,
            period_start=local_midnight(row["period"], zone) if row.get("period") else None,
            count=row["count"],
            total_duration_seconds=row["seconds"] or 0,
            _author_id=row.get("author"),
        )
        for row in rows[:limit]
    ]
    return InteractionStats(groups=groups, has_more=len(rows) > limit)
