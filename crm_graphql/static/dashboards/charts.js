/*
 * The dashboards' charts: one declaration each, in the order they are shown.
 *
 * Adding a chart is adding one entry here. Its query is exactly what the page sends
 * and what its "Open in GraphiQL" link opens, with the variables of the moment.
 *
 *   id         short name, unique (element IDs, tests)
 *   section    the heading it is listed under
 *   title      the card's heading; `note` a line under it (optional); `wide: true`
 *              gives it two columns of the grid where there are two
 *   query      one named GraphQL operation, on the public API only
 *   variables  (controls) => the query's variables. `controls` holds what the bar above
 *              the charts says: from, to (local days, "2026-01-31"), since, until (the
 *              start of `from` and of the day after `to`, as date-times in the time
 *              zone), granularity, timeZone, currency
 *   currency   where the money of the answer is in: a path ("revenue.currency") or
 *              (data, variables) => currency
 *   kpis       figures above the chart: [{label, path, format}]
 *   more       path of a `hasMore` of the answer: when true, the card says that more
 *              groups exist than are drawn
 *   chart      {type: "bar" | "line", rows, x, xFormat, pivot, stacked, horizontal,
 *               series: [{label, value, format, type}]}: one point per row at `rows`,
 *              labelled by its `x` field; `pivot` makes one series per value of that
 *              field (e.g. one per channel); a series' `type` may differ from the chart's
 *   table      {rows, columns: [{label, value, format, currency}]} instead of a chart
 *
 * Paths are dotted field names into the answer's `data` ("salesPipeline.stages"), and
 * into each row for `x`, `value`, `pivot` and a column's `currency`. `format` is money,
 * count, percent, days, words (enum values) or day. A value the role may not read (a
 * FORBIDDEN error at its path) is shown as "Hidden for your role (FORBIDDEN)", never
 * as zero; the other values of the chart still show.
 */
(() => {
  "use strict";

  const charts = [
    {
      id: "pipeline",
      section: "Sales",
      title: "Pipeline by stage",
      note: "Open and closed deals now; amounts only of deals in the currency above.",
      query: `query SalesPipeline($currency: String) {
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
      variables: (c) => ({ currency: c.currency }),
      currency: "salesPipeline.currency",
      kpis: [
        { label: "Open pipeline", path: "salesPipeline.totalAmount", format: "money" },
        { label: "Weighted", path: "salesPipeline.weightedTotal", format: "money" },
        { label: "Deals", path: "salesPipeline.count", format: "count" },
        { label: "Win rate", path: "salesPipeline.winRate", format: "percent" },
        { label: "Time to close", path: "salesPipeline.averageDaysToClose", format: "days" },
      ],
      chart: {
        type: "bar",
        rows: "salesPipeline.stages",
        x: "stage",
        xFormat: "words",
        series: [
          { label: "Amount", value: "amount", format: "money" },
          { label: "Weighted amount", value: "weightedAmount", format: "money" },
          { label: "Deals", value: "count", format: "count", type: "line" },
        ],
      },
    },
    {
      id: "revenue",
      section: "Sales",
      title: "Revenue",
      note: "Paid and shipped orders placed in the period, per period.",
      query: `query Revenue(
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
      variables: (c) => ({
        from: c.from,
        to: c.to,
        granularity: c.granularity,
        timeZone: c.timeZone,
        currency: c.currency,
      }),
      currency: "revenue.currency",
      kpis: [
        { label: "Revenue", path: "revenue.totalAmount", format: "money" },
        { label: "Orders", path: "revenue.orderCount", format: "count" },
      ],
      chart: {
        type: "line",
        rows: "revenue.periods",
        x: "period",
        series: [
          { label: "Revenue", value: "amount", format: "money" },
          { label: "Orders", value: "orderCount", format: "count", type: "bar" },
        ],
      },
    },
    {
      id: "top-customers",
      wide: true,
      section: "Sales",
      title: "Top customers",
      note: "By lifetime value: paid and shipped orders in the currency above.",
      query: `query TopCustomers($currency: String) {
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
      variables: (c) => ({ currency: c.currency }),
      currency: (data, variables) => variables.currency,
      table: {
        rows: "topCustomers",
        columns: [
          { label: "Rank", value: "rank", format: "count" },
          { label: "First name", value: "customer.firstName" },
          { label: "Last name", value: "customer.lastName" },
          { label: "Company", value: "customer.company.name" },
          { label: "Lifetime value", value: "lifetimeValue", format: "money" },
          { label: "Orders", value: "orderCount", format: "count" },
        ],
      },
    },
    {
      id: "leaderboard",
      wide: true,
      section: "Sales",
      title: "Sales leaderboard",
      note: "Deals won in the period per owner; open pipeline now.",
      query: `query SalesLeaderboard(
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
      variables: (c) => ({
        period: { from: c.from, to: c.to },
        timeZone: c.timeZone,
        currency: c.currency,
      }),
      currency: (data, variables) => variables.currency,
      table: {
        rows: "salesLeaderboard",
        columns: [
          { label: "Rank", value: "rank", format: "count" },
          { label: "Owner", value: "owner.name" },
          { label: "Won", value: "wonCount", format: "count" },
          { label: "Won amount", value: "wonAmount", format: "money" },
          { label: "Open", value: "openCount", format: "count" },
          { label: "Open pipeline", value: "openPipeline", format: "money" },
          { label: "Interactions", value: "interactionsLogged", format: "count" },
        ],
      },
    },
    {
      id: "interactions",
      wide: true,
      section: "Activity",
      title: "Interactions per channel per week",
      query: `query InteractionsPerChannel(
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
      variables: (c) => ({ since: c.since, until: c.until, timeZone: c.timeZone }),
      more: "interactionStats.hasMore",
      chart: {
        type: "bar",
        stacked: true,
        rows: "interactionStats.groups",
        x: "periodStart",
        xFormat: "day",
        pivot: "channel",
        series: [{ label: "Interactions", value: "count", format: "count" }],
      },
    },
    {
      id: "new-customers",
      section: "Customers",
      title: "New customers",
      query: `query NewCustomers(
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
      variables: (c) => ({
        from: c.from,
        to: c.to,
        granularity: c.granularity,
        timeZone: c.timeZone,
      }),
      kpis: [{ label: "Customers", path: "customerStats.total", format: "count" }],
      chart: {
        type: "bar",
        rows: "customerStats.newCustomers",
        x: "period",
        series: [{ label: "New customers", value: "count", format: "count" }],
      },
    },
    {
      id: "lifecycle",
      section: "Customers",
      title: "Customers by lifecycle stage",
      query: `query CustomersByLifecycleStage {
  customerStats {
    byLifecycleStage {
      stage
      count
    }
  }
}`,
      variables: () => ({}),
      chart: {
        type: "bar",
        horizontal: true,
        rows: "customerStats.byLifecycleStage",
        x: "stage",
        xFormat: "words",
        series: [{ label: "Customers", value: "count", format: "count" }],
      },
    },
    {
      id: "orders-by-status",
      section: "Orders",
      title: "Orders by status",
      note: "Orders placed in the period (drafts have not been placed).",
      query: `query OrdersByStatus($since: DateTime!, $until: DateTime!) {
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
      variables: (c) => ({ since: c.since, until: c.until }),
      chart: {
        type: "bar",
        rows: "ordersAggregate.groups",
        x: "key.status",
        xFormat: "words",
        series: [{ label: "Orders", value: "count", format: "count" }],
      },
    },
    {
      id: "order-value",
      section: "Orders",
      title: "Order value by currency",
      note: "Paid and shipped orders placed in the period; money is never added across currencies.",
      query: `query OrderValueByCurrency($since: DateTime!, $until: DateTime!) {
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
      variables: (c) => ({ since: c.since, until: c.until }),
      table: {
        rows: "ordersAggregate.groups",
        columns: [
          { label: "Currency", value: "key.currency" },
          { label: "Orders", value: "count", format: "count" },
          { label: "Total", value: "sum.total", format: "money", currency: "key.currency" },
          { label: "Average", value: "avg.total", format: "money", currency: "key.currency" },
        ],
      },
    },
  ];

  window.CRM = window.CRM || {};
  window.CRM.dashboards = Object.assign(window.CRM.dashboards || {}, { charts: charts });
})();
