"""GraphQL enums of the dashboards."""

from __future__ import annotations

from enum import Enum

from crm_graphql.api.enums import graphql_enum


class TopCustomersBy(Enum):
    """What customers are ranked by."""

    LIFETIME_VALUE = "LIFETIME_VALUE"
    ORDER_COUNT = "ORDER_COUNT"
    INTERACTION_COUNT = "INTERACTION_COUNT"


graphql_enum(
    TopCustomersBy,
    "What customers are ranked by.",
    {
        "LIFETIME_VALUE": "Sum of PAID and SHIPPED order totals in the chosen currency "
        "(roles that may read money only).",
        "ORDER_COUNT": "Number of orders placed (every status but DRAFT).",
        "INTERACTION_COUNT": "Number of interactions.",
    },
)


class InteractionStatsGroup(Enum):
    """What interaction statistics are grouped by."""

    CHANNEL = "CHANNEL"
    DIRECTION = "DIRECTION"
    AUTHOR = "AUTHOR"
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


graphql_enum(
    InteractionStatsGroup,
    "What interaction statistics are grouped by; at most one of DAY, WEEK, MONTH.",
    {
        "CHANNEL": "The channel.",
        "DIRECTION": "The direction.",
        "AUTHOR": "The staff member who recorded it.",
        "DAY": "The local day it happened.",
        "WEEK": "The local week (from Monday) it happened.",
        "MONTH": "The local month it happened.",
    },
)


class LeaderboardBy(Enum):
    """What the sales leaderboard is ranked by."""

    WON_AMOUNT = "WON_AMOUNT"
    WON_COUNT = "WON_COUNT"
    OPEN_PIPELINE = "OPEN_PIPELINE"
    INTERACTIONS_LOGGED = "INTERACTIONS_LOGGED"


graphql_enum(
    LeaderboardBy,
    "What the sales leaderboard is ranked by.",
    {
        "WON_AMOUNT": "Amount won in the period (roles that may read money only).",
        "WON_COUNT": "Opportunities won in the period.",
        "OPEN_PIPELINE": "Amount of open opportunities (roles that may read money only).",
        "INTERACTIONS_LOGGED": "Interactions recorded in the period.",
    },
)

__all__ = ["InteractionStatsGroup", "LeaderboardBy", "TopCustomersBy"]
