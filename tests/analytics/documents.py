"""GraphQL documents the dashboard tests send."""

from __future__ import annotations

REVENUE = """
query Revenue($from: Date!, $to: Date!, $granularity: Granularity! = MONTH,
              $timeZone: String! = "UTC", $currency: String, $filter: OrderFilter) {
  revenue(from: $from, to: $to, granularity: $granularity, timeZone: $timeZone,
          currency: $currency, filter: $filter) {
    currency timeZone granularity totalAmount orderCount
    periods { period start end amount orderCount }
  }
}
"""

REVENUE_COUNTS = """
query Revenue($from: Date!, $to: Date!) {
  revenue(from: $from, to: $to) { orderCount periods { period orderCount } }
}
"""

PIPELINE = """
query Pipeline($filter: OpportunityFilter, $currency: String) {
  salesPipeline(filter: $filter, currency: $currency) {
    currency count totalAmount weightedTotal wonCount lostCount winRate averageDaysToClose
    stages { stage count amount weightedAmount }
  }
}
"""

PIPELINE_COUNTS = "{ salesPipeline { count stages { stage count } } }"

INTERACTION_STATS = """
query Stats($groupBy: [InteractionStatsGroup!]!, $filter: InteractionFilter,
            $timeZone: String! = "UTC", $first: Int) {
  interactionStats(groupBy: $groupBy, filter: $filter, timeZone: $timeZone, first: $first) {
    hasMore
    groups { channel direction author { name } periodStart count totalDurationSeconds }
  }
}
"""

TOP_CUSTOMERS = """
query Top($by: TopCustomersBy!, $first: Int! = 10, $currency: String) {
  topCustomers(by: $by, first: $first, currency: $currency) {
    rank lifetimeValue orderCount interactionCount customer { id lastName }
  }
}
"""

CUSTOMER_STATS = """
query Stats($filter: CustomerFilter, $granularity: Granularity! = MONTH, $from: Date,
            $to: Date, $timeZone: String! = "UTC") {
  customerStats(filter: $filter, granularity: $granularity, from: $from, to: $to,
                timeZone: $timeZone) {
    total byLifecycleStage { stage count } bySource { source count }
    newCustomers { period start count }
  }
}
"""

LEADERBOARD = """
query Board($period: DateRangeInput!, $by: LeaderboardBy! = WON_COUNT, $currency: String,
            $timeZone: String! = "UTC") {
  salesLeaderboard(period: $period, by: $by, currency: $currency, timeZone: $timeZone) {
    rank owner { name } wonAmount wonCount openPipeline openCount interactionsLogged
  }
}
"""

LEADERBOARD_COUNTS = """
query Board($period: DateRangeInput!) {
  salesLeaderboard(period: $period) { rank owner { name } wonCount openCount interactionsLogged }
}
"""

ORDERS_AGGREGATE = """
query Orders($filter: OrderFilter, $groupBy: [OrderGroupBy!], $timeZone: String! = "UTC",
             $first: Int) {
  ordersAggregate(filter: $filter, groupBy: $groupBy, timeZone: $timeZone, first: $first) {
    hasMore
    groups {
      key { status currency placedAt customer { lastName } }
      count sum { total subtotal } avg { total } min { total } max { total }
    }
  }
}
"""

ORDERS_COUNTS = """
query Orders($filter: OrderFilter, $groupBy: [OrderGroupBy!], $first: Int) {
  ordersAggregate(filter: $filter, groupBy: $groupBy, first: $first) {
    hasMore groups { key { status currency placedAt customer { lastName } } count }
  }
}
"""

OPPORTUNITIES_AGGREGATE = """
query Opportunities($filter: OpportunityFilter, $groupBy: [OpportunityGroupBy!]) {
  opportunitiesAggregate(filter: $filter, groupBy: $groupBy) {
    hasMore
    groups {
      key { stage currency owner { name } expectedCloseDate }
      count sum { amount probability } avg { amount probability }
      min { probability } max { probability }
    }
  }
}
"""

INTERACTIONS_AGGREGATE = """
query Interactions($filter: InteractionFilter, $groupBy: [InteractionGroupBy!],
                   $timeZone: String! = "UTC") {
  interactionsAggregate(filter: $filter, groupBy: $groupBy, timeZone: $timeZone) {
    hasMore
    groups {
      key { channel direction occurredAt author { name } }
      count sum { durationSeconds } avg { durationSeconds }
      min { durationSeconds } max { durationSeconds }
    }
  }
}
"""

CUSTOMERS_AGGREGATE = """
query Customers($filter: CustomerFilter, $groupBy: [CustomerGroupBy!]) {
  customersAggregate(filter: $filter, groupBy: $groupBy) {
    hasMore groups { key { lifecycleStage source marketingConsent company { name } } count }
  }
}
"""
