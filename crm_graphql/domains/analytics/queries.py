"""Root query fields of the dashboards: named views and the general aggregates."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from crm_graphql.api.aggregation.aggregates import group_by_argument
from crm_graphql.api.aggregation.arguments import CurrencyArg, GroupsFirstArg, TimeZoneArg
from crm_graphql.api.aggregation.periods import Granularity
from crm_graphql.api.context import Info
from crm_graphql.api.pagination.fields import FilterArg
from crm_graphql.domains.analytics.customer_stats import CustomerStats, customer_stats
from crm_graphql.domains.analytics.enums import (
    InteractionStatsGroup,
    LeaderboardBy,
    TopCustomersBy,
)
from crm_graphql.domains.analytics.interaction_stats import InteractionStats, interaction_stats
from crm_graphql.domains.analytics.leaderboard import (
    DateRangeInput,
    LeaderboardEntry,
    sales_leaderboard,
)
from crm_graphql.domains.analytics.pipeline import SalesPipeline, sales_pipeline
from crm_graphql.domains.analytics.revenue import RevenueBasis, RevenueSeries, revenue
from crm_graphql.domains.analytics.top_customers import TopCustomer, top_customers
from crm_graphql.domains.customers.filters import CustomerFilter
from crm_graphql.domains.interactions.filters import InteractionFilter
from crm_graphql.domains.orders.filters import OrderFilter
from crm_graphql.domains.sales.filters import OpportunityFilter

GranularityArg = Annotated[
    Granularity, strawberry.argument(description="The length of the periods.")
]
FromArg = Annotated[
    date, strawberry.argument(name="from", description="The first local day of the range.")
]
ToArg = Annotated[
    date, strawberry.argument(description="The last local day of the range (included).")
]


@strawberry.type
class AnalyticsQueries:
    @strawberry.field(
        description="The sales pipeline: opportunities per stage with amounts, win rate and "
        "time to close. Amounts only in `currency`. One SQL statement."
    )
    async def sales_pipeline(
        self,
        info: Info,
        filter: FilterArg[OpportunityFilter | None] = None,
        currency: CurrencyArg = None,
    ) -> SalesPipeline:
        return await sales_pipeline(info, filter, currency)

    @strawberry.field(
        description="Revenue per local period of PAID and SHIPPED orders placed from `from` "
        "to `to` in `currency` (or, with `basis`, of invoices issued or payments received); "
        "every period is present, zero when empty."
    )
    async def revenue(
        self,
        info: Info,
        from_: FromArg,
        to: ToArg,
        granularity: GranularityArg = Granularity.MONTH,
        time_zone: TimeZoneArg = "UTC",
        currency: CurrencyArg = None,
        filter: FilterArg[OrderFilter | None] = None,
        basis: Annotated[
            RevenueBasis,
            strawberry.argument(
                description="What counts: ORDERED (default), INVOICED or PAID; `filter` "
                "only with ORDERED."
            ),
        ] = RevenueBasis.ORDERED,
    ) -> RevenueSeries:
        return await revenue(info, granularity, from_, to, time_zone, currency, filter, basis)

    @strawberry.field(description="Interactions counted and their durations summed per group.")
    async def interaction_stats(
        self,
        info: Info,
        group_by: Annotated[list[InteractionStatsGroup], group_by_argument()],
        filter: FilterArg[InteractionFilter | None] = None,
        time_zone: TimeZoneArg = "UTC",
        first: GroupsFirstArg = None,
    ) -> InteractionStats:
        return await interaction_stats(info, group_by, filter, time_zone, first)

    @strawberry.field(
        description="The customers ranked highest by `by` (ties: the older customer first)."
    )
    async def top_customers(
        self,
        info: Info,
        by: Annotated[TopCustomersBy, strawberry.argument(description="What to rank by.")],
        first: Annotated[
            int, strawberry.argument(description="How many customers (at most 100).")
        ] = 10,
        currency: CurrencyArg = None,
    ) -> list[TopCustomer]:
        return await top_customers(info, by, first, currency)

    @strawberry.field(
        description="Customers by lifecycle stage and by source, and new customers per local "
        "period (by default the last 12 periods up to today)."
    )
    async def customer_stats(
        self,
        info: Info,
        filter: FilterArg[CustomerFilter | None] = None,
        granularity: GranularityArg = Granularity.MONTH,
        from_: Annotated[
            date | None,
            strawberry.argument(name="from", description="First local day of `newCustomers`."),
        ] = None,
        to: Annotated[
            date | None, strawberry.argument(description="Last local day of `newCustomers`.")
        ] = None,
        time_zone: TimeZoneArg = "UTC",
    ) -> CustomerStats:
        return await customer_stats(info, filter, granularity, from_, to, time_zone)

    @strawberry.field(
        description="Per staff member: opportunities won in the period, open pipeline now, "
        "interactions recorded in the period; highest first by `by`."
    )
    async def sales_leaderboard(
        self,
        info: Info,
        period: Annotated[
            DateRangeInput, strawberry.argument(description="Local days of the period.")
        ],
        by: Annotated[
            LeaderboardBy, strawberry.argument(description="What to rank by.")
        ] = LeaderboardBy.WON_COUNT,
        time_zone: TimeZoneArg = "UTC",
        currency: CurrencyArg = None,
        first: GroupsFirstArg = None,
    ) -> list[LeaderboardEntry]:
        return await sales_leaderboard(info, period, time_zone, currency, by, first)
