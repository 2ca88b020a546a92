/*
 * The dashboards' charts: one declaration each, in the order they are shown.
 *
 * A module's chart is two entries: its query in queries.js (by operation name) and
 * its declaration here, under the module's section. Nothing else changes: the page
 * sends that query, draws what the declaration says and links it to GraphiQL.
 *
 *   id         short name, unique (element IDs, tests)
 *   section    the heading it is listed under (the module: Sales, Support, ...)
 *   title      the card's heading; `note` a line under it (optional); `wide: true`
 *              gives it two columns of the grid where there are two
 *   query      the name of its query in queries.js (one named operation on the
 *              public API)
 *   variables  (controls) => the query's variables. `controls` holds what the bar above
 *              the charts says: from, to (local days, "2026-01-31"), period ({from, to}),
 *              since, until (the start of `from` and of the day after `to`, as
 *              date-times in the time zone), granularity, timeZone, currency
 *   currency   where the money of the answer is in: a path ("revenue.currency") or
 *              (data, variables) => currency
 *   kpis       figures above the chart: [{label, path, format}]
 *   more       path of a `hasMore` of the answer: when true, the card says that more
 *              groups exist than are drawn
 *   chart      {type: "bar" | "line", rows, x, xFormat, pivot, pivotOrder, stacked,
 *               horizontal, series: [{label, value, format, type}]}: one point per row
 *              at `rows`, labelled by its `x` field (or fields: a list of paths, their
 *              values joined by spaces); `pivot` makes one series per value
 *              of that field (e.g. one per channel), in the order of `pivotOrder` if
 *              given; a series' `type` may differ from the chart's
 *   table      {rows, columns: [{label, value, format, currency}]} instead of a chart
 *
 * Paths are dotted field names into the answer's `data` ("salesPipeline.stages"), and
 * into each row for `x`, `value`, `pivot` and a column's `currency`. `format` is money,
 * count, percent (a ratio, 0.25), share (percent points, 25), score (1 to 5), minutes,
 * days, words (enum values) or day; series of different formats get their own axes. A
 * value the role may not read (a FORBIDDEN error at its path) is shown as "Hidden for
 * your role (FORBIDDEN)", never as zero; the other values of the chart still show.
 */
(() => {
  "use strict";

  const charts = [
    {
      id: "pipeline",
      section: "Sales",
      title: "Pipeline by stage",
      note: "Open and closed deals now; amounts only of deals in the currency above.",
      query: "SalesPipeline",
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
      query: "Revenue",
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
      query: "TopCustomers",
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
      query: "SalesLeaderboard",
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
      query: "InteractionsPerChannel",
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
      query: "NewCustomers",
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
      query: "CustomersByLifecycleStage",
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
      query: "OrdersByStatus",
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
      query: "OrderValueByCurrency",
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
    {
      id: "support-backlog",
      section: "Support",
      title: "Support backlog",
      note: "Unsolved tickets now, by status and how long they have waited.",
      query: "SupportBacklog",
      variables: (c) => ({ period: c.period, timeZone: c.timeZone }),
      kpis: [{ label: "Unsolved tickets", path: "supportOverview.backlogTotal", format: "count" }],
      chart: {
        type: "bar",
        stacked: true,
        rows: "supportOverview.backlog",
        x: "status",
        xFormat: "words",
        pivot: "age",
        pivotOrder: ["UNDER_1_DAY", "DAYS_1_TO_3", "DAYS_3_TO_7", "DAYS_7_TO_30", "OVER_30_DAYS"],
        series: [{ label: "Tickets", value: "count", format: "count" }],
      },
    },
    {
      id: "support-sla",
      section: "Support",
      title: "Tickets and SLA attainment",
      note: "Tickets created and solved per period; the share of solved tickets under an " +
        "SLA policy that met both targets. Times in business hours.",
      query: "SupportVolumeAndSla",
      variables: (c) => ({ period: c.period, granularity: c.granularity, timeZone: c.timeZone }),
      kpis: [
        { label: "Created", path: "supportOverview.created", format: "count" },
        { label: "Solved", path: "supportOverview.solved", format: "count" },
        { label: "SLA attainment", path: "supportOverview.slaAttainment", format: "share" },
        {
          label: "First response (median)",
          path: "supportOverview.firstResponse.medianMinutes",
          format: "minutes",
        },
        {
          label: "Resolution (median)",
          path: "supportOverview.resolution.medianMinutes",
          format: "minutes",
        },
      ],
      chart: {
        type: "bar",
        rows: "supportOverview.periods",
        x: "period",
        series: [
          { label: "Created", value: "created", format: "count" },
          { label: "Solved", value: "solved", format: "count" },
          { label: "SLA attainment", value: "slaAttainment", format: "share", type: "line" },
        ],
      },
    },
    {
      id: "support-csat",
      section: "Support",
      title: "Customer satisfaction (CSAT)",
      note: "Average score (1 to 5) of the surveys sent per period, and how many were answered.",
      query: "SatisfactionTrend",
      variables: (c) => ({ period: c.period, granularity: c.granularity, timeZone: c.timeZone }),
      kpis: [
        { label: "Average score", path: "supportOverview.satisfaction.averageScore", format: "score" },
        { label: "Responses", path: "supportOverview.satisfaction.responses", format: "count" },
        {
          label: "Response rate",
          path: "supportOverview.satisfaction.responseRate",
          format: "share",
        },
      ],
      chart: {
        type: "line",
        rows: "supportOverview.periods",
        x: "period",
        series: [
          { label: "Average score", value: "satisfaction.averageScore", format: "score" },
          { label: "Responses", value: "satisfaction.responses", format: "count", type: "bar" },
        ],
      },
    },
    {
      id: "support-priority",
      section: "Support",
      title: "SLA attainment by priority",
      note: "Tickets solved in the period.",
      query: "SupportByPriority",
      variables: (c) => ({ period: c.period, timeZone: c.timeZone }),
      chart: {
        type: "bar",
        rows: "supportOverview.byPriority",
        x: "priority",
        xFormat: "words",
        series: [
          { label: "SLA attainment", value: "slaAttainment", format: "share" },
          { label: "Solved", value: "solved", format: "count", type: "line" },
        ],
      },
    },
    {
      id: "support-leaderboard",
      wide: true,
      section: "Support",
      title: "Support leaderboard",
      note: "Tickets each agent solved in the period; unsolved tickets assigned now.",
      query: "SupportLeaderboard",
      variables: (c) => ({ period: c.period, timeZone: c.timeZone }),
      table: {
        rows: "supportLeaderboard",
        columns: [
          { label: "Rank", value: "rank", format: "count" },
          { label: "Agent", value: "assignee.name" },
          { label: "Solved", value: "solved", format: "count" },
          { label: "Unsolved now", value: "openTickets", format: "count" },
          { label: "SLA attainment", value: "slaAttainment", format: "share" },
          { label: "First response", value: "firstResponse.medianMinutes", format: "minutes" },
          { label: "Resolution", value: "resolution.medianMinutes", format: "minutes" },
          { label: "Average score", value: "satisfaction.averageScore", format: "score" },
        ],
      },
    },
    {
      id: "receivables-ageing",
      wide: true,
      section: "Billing",
      title: "Receivables ageing",
      note: "Open balances of issued invoices in the currency above, by days past due " +
        "on the last day of the period; the ten customers who owe most.",
      query: "ReceivablesAgeing",
      variables: (c) => ({ asOf: c.to, currency: c.currency }),
      currency: "receivablesAgeing.currency",
      kpis: [
        { label: "Open receivables", path: "receivablesAgeing.total.total", format: "money" },
        { label: "Current", path: "receivablesAgeing.total.current", format: "money" },
        { label: "1-30 days", path: "receivablesAgeing.total.days1to30", format: "money" },
        { label: "31-60 days", path: "receivablesAgeing.total.days31to60", format: "money" },
        { label: "61-90 days", path: "receivablesAgeing.total.days61to90", format: "money" },
        { label: "Over 90 days", path: "receivablesAgeing.total.over90", format: "money" },
        { label: "Open invoices", path: "receivablesAgeing.total.invoiceCount", format: "count" },
      ],
      chart: {
        type: "bar",
        horizontal: true,
        stacked: true,
        rows: "receivablesAgeing.customers",
        x: ["customer.firstName", "customer.lastName"],
        series: [
          { label: "Current", value: "buckets.current", format: "money" },
          { label: "1-30 days", value: "buckets.days1to30", format: "money" },
          { label: "31-60 days", value: "buckets.days31to60", format: "money" },
          { label: "61-90 days", value: "buckets.days61to90", format: "money" },
          { label: "Over 90 days", value: "buckets.over90", format: "money" },
        ],
      },
    },
    {
      id: "cashflow",
      section: "Billing",
      title: "Cash flow",
      note: "Invoiced (by issue date, less credit notes) and collected (payments less " +
        "refunds) per period; DSO: what is still owed on them ÷ invoiced × days.",
      query: "Cashflow",
      variables: (c) => ({
        from: c.from,
        to: c.to,
        granularity: c.granularity,
        timeZone: c.timeZone,
        currency: c.currency,
      }),
      currency: "cashflow.currency",
      kpis: [
        { label: "Invoiced", path: "cashflow.invoiced", format: "money" },
        { label: "Collected", path: "cashflow.collected", format: "money" },
        { label: "Still owed", path: "cashflow.receivables", format: "money" },
        { label: "DSO", path: "cashflow.daysSalesOutstanding", format: "days" },
      ],
      chart: {
        type: "bar",
        rows: "cashflow.periods",
        x: "period",
        series: [
          { label: "Invoiced", value: "invoiced", format: "money" },
          { label: "Collected", value: "collected", format: "money" },
        ],
      },
    },
    {
      id: "campaign-roi",
      wide: true,
      section: "Marketing",
      title: "Campaign ROI",
      note: "Return on investment of the latest twenty campaigns: (won amount − cost) ÷ " +
        "cost, of the deals attributed to each; and the leads each brought.",
      query: "CampaignRoi",
      variables: () => ({}),
      chart: {
        type: "bar",
        rows: "campaigns.nodes",
        x: "name",
        series: [
          { label: "ROI", value: "results.roi", format: "percent" },
          { label: "Leads", value: "results.leads", format: "count", type: "line" },
        ],
      },
    },
    {
      id: "lead-funnel",
      section: "Leads",
      title: "Lead funnel",
      note: "Leads created in the period (days in UTC) by their status now.",
      query: "LeadFunnel",
      variables: (c) => ({ period: c.period }),
      kpis: [
        { label: "Leads", path: "leadFunnel.total", format: "count" },
        { label: "Converted", path: "leadFunnel.converted", format: "count" },
        { label: "Conversion rate", path: "leadFunnel.conversionRate", format: "percent" },
        { label: "Time to convert (median)", path: "leadFunnel.medianDaysToConvert", format: "days" },
      ],
      chart: {
        type: "bar",
        horizontal: true,
        rows: "leadFunnel.byStatus",
        x: "status",
        xFormat: "words",
        series: [{ label: "Leads", value: "count", format: "count" }],
      },
    },
  ];

  window.CRM = window.CRM || {};
  window.CRM.dashboards = Object.assign(window.CRM.dashboards || {}, { charts: charts });
})();
