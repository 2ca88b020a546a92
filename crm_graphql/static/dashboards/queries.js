/*
 * The dashboards' queries, all in one place: `CRM.dashboards.queries`, by operation name.
 *
 * Each is one named GraphQL operation on the public API, exactly what the page sends
 * and what a chart's "Open in GraphiQL" link opens (with the variables of the moment).
 * A chart (charts.js) names its query by the key here, which is the operation's name.
 * Adding a module's chart: its query here, its declaration in charts.js.
 */
(() => {
  "use strict";

  const queries = {
    // --- sales ---------------------------------------------------------------------

    SalesPipeline: `query SalesPipeline($currency: String) {
  salesPipeline(currency: $currency) {
    currency
    count
    totalAmount
    weightedTotal
    winRate
    averageDaysToClose
    stages {
      stage
      count
      amount
      weightedAmount
    }
  }
}`,

    Revenue: `query Revenue(
  $from: Date!
  $to: Date!
  $granularity: Granularity!
  $timeZone: String!
  $currency: String
) {
  revenue(
    from: $from
    to: $to
    granularity: $granularity
    timeZone: $timeZone
    currency: $currency
  ) {
    currency
    totalAmount
    orderCount
    periods {
      period
      amount
      orderCount
    }
  }
}`,

    TopCustomers: `query TopCustomers($currency: String) {
  topCustomers(by: LIFETIME_VALUE, first: 10, currency: $currency) {
    rank
    lifetimeValue
    orderCount
    customer {
      firstName
      lastName
      company {
        name
      }
    }
  }
}`,

    SalesLeaderboard: `query SalesLeaderboard(
  $period: DateRangeInput!
  $timeZone: String!
  $currency: String
) {
  salesLeaderboard(
    period: $period
    by: WON_COUNT
    timeZone: $timeZone
    currency: $currency
    first: 10
  ) {
    rank
    owner {
      name
    }
    wonCount
    wonAmount
    openCount
    openPipeline
    interactionsLogged
  }
}`,

    // --- activity ------------------------------------------------------------------

    InteractionsPerChannel: `query InteractionsPerChannel(
  $since: DateTime!
  $until: DateTime!
  $timeZone: String!
) {
  interactionStats(
    groupBy: [WEEK, CHANNEL]
    filter: { occurredAt: { gte: $since, lt: $until } }
    timeZone: $timeZone
    first: 1000
  ) {
    hasMore
    groups {
      periodStart
      channel
      count
    }
  }
}`,

    // --- customers -----------------------------------------------------------------

    NewCustomers: `query NewCustomers(
  $from: Date!
  $to: Date!
  $granularity: Granularity!
  $timeZone: String!
) {
  customerStats(
    from: $from
    to: $to
    granularity: $granularity
    timeZone: $timeZone
  ) {
    total
    newCustomers {
      period
      count
    }
  }
}`,

    CustomersByLifecycleStage: `query CustomersByLifecycleStage {
  customerStats {
    byLifecycleStage {
      stage
      count
    }
  }
}`,

    // --- orders --------------------------------------------------------------------

    OrdersByStatus: `query OrdersByStatus($since: DateTime!, $until: DateTime!) {
  ordersAggregate(
    filter: { placedAt: { gte: $since, lt: $until } }
    groupBy: [{ field: STATUS }]
  ) {
    groups {
      key {
        status
      }
      count
    }
  }
}`,

    OrderValueByCurrency: `query OrderValueByCurrency($since: DateTime!, $until: DateTime!) {
  ordersAggregate(
    filter: {
      status: { in: [PAID, SHIPPED] }
      placedAt: { gte: $since, lt: $until }
    }
    groupBy: [{ field: CURRENCY }]
  ) {
    groups {
      key {
        currency
      }
      count
      sum {
        total
      }
      avg {
        total
      }
    }
  }
}`,

    // --- support -------------------------------------------------------------------

    SupportBacklog: `query SupportBacklog($period: SupportPeriodInput!, $timeZone: String!) {
  supportOverview(period: $period, timeZone: $timeZone) {
    backlogTotal
    backlog {
      status
      age
      count
    }
  }
}`,

    SupportVolumeAndSla: `query SupportVolumeAndSla(
  $period: SupportPeriodInput!
  $granularity: Granularity!
  $timeZone: String!
) {
  supportOverview(period: $period, granularity: $granularity, timeZone: $timeZone) {
    created
    solved
    slaAttainment
    firstResponse {
      medianMinutes
      p90Minutes
    }
    resolution {
      medianMinutes
      p90Minutes
    }
    periods {
      period
      created
      solved
      slaAttainment
    }
  }
}`,

    SupportByPriority: `query SupportByPriority($period: SupportPeriodInput!, $timeZone: String!) {
  supportOverview(period: $period, timeZone: $timeZone) {
    byPriority {
      priority
      created
      solved
      slaAttainment
      resolution {
        medianMinutes
      }
    }
  }
}`,

    SatisfactionTrend: `query SatisfactionTrend(
  $period: SupportPeriodInput!
  $granularity: Granularity!
  $timeZone: String!
) {
  supportOverview(period: $period, granularity: $granularity, timeZone: $timeZone) {
    satisfaction {
      surveysSent
      responses
      responseRate
      averageScore
    }
    periods {
      period
      satisfaction {
        responses
        averageScore
      }
    }
  }
}`,

    SupportLeaderboard: `query SupportLeaderboard($period: SupportPeriodInput!, $timeZone: String!) {
  supportLeaderboard(period: $period, by: SOLVED, timeZone: $timeZone, first: 10) {
    rank
    assignee {
      name
    }
    solved
    openTickets
    slaAttainment
    firstResponse {
      medianMinutes
    }
    resolution {
      medianMinutes
    }
    satisfaction {
      responses
      averageScore
    }
  }
}`,

    // --- billing -------------------------------------------------------------------

    ReceivablesAgeing: `query ReceivablesAgeing($asOf: Date, $currency: String) {
  receivablesAgeing(asOf: $asOf, currency: $currency, first: 10) {
    asOf
    currency
    total {
      current
      days1to30
      days31to60
      days61to90
      over90
      total
      invoiceCount
    }
    customers {
      customer {
        firstName
        lastName
      }
      buckets {
        current
        days1to30
        days31to60
        days61to90
        over90
        total
      }
    }
  }
}`,

    Cashflow: `query Cashflow(
  $from: Date!
  $to: Date!
  $granularity: Granularity!
  $timeZone: String!
  $currency: String
) {
  cashflow(
    from: $from
    to: $to
    granularity: $granularity
    timeZone: $timeZone
    currency: $currency
  ) {
    currency
    invoiced
    collected
    receivables
    daysSalesOutstanding
    periods {
      period
      invoiced
      collected
    }
  }
}`,

    // --- marketing -----------------------------------------------------------------

    CampaignRoi: `query CampaignRoi {
  campaigns(first: 20, orderBy: [{ field: STARTS_ON, direction: DESC }]) {
    nodes {
      name
      status
      currency
      results {
        members
        leads
        wonOpportunities
        wonAmount
        cost
        roi
      }
    }
  }
}`,

    // --- leads ---------------------------------------------------------------------

    LeadFunnel: `query LeadFunnel($period: LeadPeriodInput!) {
  leadFunnel(period: $period) {
    total
    converted
    conversionRate
    medianDaysToConvert
    byStatus {
      status
      count
    }
  }
}`,
  };

  // A key is its operation's name: the page sends it as `operationName`.
  Object.entries(queries).forEach(([name, text]) => {
    if (!new RegExp("^query " + name + "\\b").test(text)) {
      throw new Error("The query " + name + " must be the operation named " + name + ".");
    }
  });

  window.CRM = window.CRM || {};
  window.CRM.dashboards = Object.assign(window.CRM.dashboards || {}, {
    queries: Object.freeze(queries),
  });
})();
