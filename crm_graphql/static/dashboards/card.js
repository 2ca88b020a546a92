/*
 * One declared chart (charts.js) as a card of the page: `CRM.dashboards.card`.
 *
 * A card is the chart's section of the page: heading, "Open in GraphiQL", figures,
 * the chart (Chart.js) or table, a data table for keyboard and screen-reader users,
 * and a status line. What it shows is also in its `data-rendered` attribute (JSON:
 * labels, series by label, hidden series, figures) and `data-state` says whether it
 * is loading, ready, forbidden, or stale after a failed refresh.
 */
(() => {
  "use strict";

  const { format } = window.CRM;
  const { get, number, forbiddenPaths, isHidden, seriesOf, chartConfig } =
    window.CRM.dashboards.series;
  const HIDDEN = "Hidden for your role (FORBIDDEN)";

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([name, value]) => node.setAttribute(name, value));
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function table(caption, header, rows) {
    const node = element("table");
    node.append(element("caption", { class: "dash-visually-hidden" }, caption));
    const head = element("tr");
    header.forEach((column) => {
      const numeric = typeof column === "object" && column.numeric;
      head.append(element("th", Object.assign({ scope: "col" }, numeric ? { class: "dash-num" } : {}),
        typeof column === "object" ? column.text : column));
    });
    const thead = element("thead");
    thead.append(head);
    node.append(thead);
    const body = element("tbody");
    rows.forEach((cells) => {
      const line = element("tr");
      cells.forEach((cell, index) => {
        const numeric = typeof cell === "object" && cell !== null && cell.numeric;
        const text = typeof cell === "object" && cell !== null ? cell.text : cell;
        line.append(element(index === 0 ? "th" : "td",
          Object.assign(index === 0 ? { scope: "row" } : {}, numeric ? { class: "dash-num" } : {}),
          text));
      });
      body.append(line);
    });
    node.append(body);
    return node;
  }

  /* The section of the page for one declaration; `update` and `fail` change it. */
  function card(spec) {
    const root = element("section", {
      class: "dash-card" + (spec.wide ? " dash-card-wide" : ""),
      id: "dash-card-" + spec.id,
      "data-chart": spec.id,
      "data-state": "loading",
      "aria-labelledby": "dash-title-" + spec.id,
    });
    const head = element("header", { class: "dash-card-head" });
    head.append(element("h3", { id: "dash-title-" + spec.id }, spec.title));
    const link = element("a", {
      class: "dash-graphiql",
      target: "_blank",
      // The new tab shares this tab's sign-in (a copy of its sessionStorage).
      rel: "opener",
      hidden: "",
    });
    link.append("Open in GraphiQL");
    link.append(element("span", { class: "dash-visually-hidden" }, ": " + spec.title));
    head.append(link);
    root.append(head);
    if (spec.note) {
      root.append(element("p", { class: "dash-note" }, spec.note));
    }
    const kpis = element("dl", { class: "dash-kpis" });
    const notes = element("p", { class: "dash-hidden-note", hidden: "" });
    const plot = element("div", { class: spec.table ? "dash-table" : "dash-plot" });
    const data = element("details", { class: "dash-data" });
    const status = element("p", { class: "dash-card-status", role: "status" }, "Loading...");
    root.append(kpis, notes, plot);
    if (!spec.table) {
      root.append(data);
    }
    root.append(status);
    let chart = null;
    let shownAt = null;

    function clearPlot() {
      if (chart) {
        chart.destroy();
        chart = null;
      }
      plot.replaceChildren();
    }

    function showKpis(answer, forbidden, currency, rendered) {
      kpis.replaceChildren();
      (spec.kpis || []).forEach((kpi) => {
        const hidden = isHidden(kpi.path, forbidden);
        const raw = hidden ? null : get(answer, kpi.path);
        rendered.kpis[kpi.label] = hidden ? HIDDEN : number(raw);
        const item = element("div", { class: "dash-kpi" });
        item.append(element("dt", {}, kpi.label));
        item.append(element("dd", hidden ? { class: "dash-forbidden" } : {},
          hidden ? HIDDEN : format.value(raw, kpi.format, currency)));
        kpis.append(item);
      });
      kpis.hidden = !spec.kpis;
    }

    function showHiddenNote(labels) {
      notes.hidden = labels.length === 0;
      notes.textContent = labels.length ? labels.join(", ") + ": " + HIDDEN : "";
    }

    function showChart(rows, forbidden, currency, rendered) {
      const drawn = seriesOf(spec.chart, rows, forbidden);
      rendered.labels = drawn.labels;
      drawn.shown.forEach((serie) => { rendered.series[serie.label] = serie.values; });
      rendered.hidden = drawn.hidden;
      showHiddenNote(drawn.hidden);
      if (!drawn.shown.length) {
        clearPlot();
        plot.append(element("p", { class: "dash-forbidden" }, HIDDEN));
        data.replaceChildren();
        return;
      }
      const config = chartConfig(spec.chart, drawn, currency);
      if (chart && chart.config.type === config.type) {
        chart.data = config.data;
        chart.options = config.options;
        chart.update();
      } else {
        clearPlot();
        const canvas = element("canvas", {
          role: "img",
          "aria-label": spec.title + ": chart; the data table below lists its values.",
        });
        plot.append(canvas);
        chart = new window.Chart(canvas, config);
      }
      data.replaceChildren(element("summary", {}, "Data table"));
      data.append(table(spec.title,
        ["", ...drawn.shown.map((serie) => ({ text: serie.label, numeric: true }))],
        drawn.labels.map((label, index) => [label, ...drawn.shown.map((serie) => ({
          text: format.value(serie.values[index], serie.format, currency, true),
          numeric: true,
        }))])));
    }

    function showTable(rows, forbidden, currency, rendered) {
      const hidden = [];
      const columns = spec.table.columns.filter((column) => {
        if (isHidden(spec.table.rows + "." + column.value, forbidden)) {
          hidden.push(column.label);
          return false;
        }
        return true;
      });
      columns.forEach((column) => {
        rendered.series[column.label] = rows.map((row) => {
          const raw = get(row, column.value);
          return format.isNumeric(column.format) ? number(raw) : raw;
        });
      });
      rendered.hidden = hidden;
      showHiddenNote(hidden);
      clearPlot();
      plot.append(table(spec.title, columns.map((column) => ({
        text: column.label,
        numeric: format.isNumeric(column.format),
      })),
        rows.map((row) => columns.map((column) => {
          const raw = get(row, column.value);
          const money = column.currency ? get(row, column.currency) : currency;
          const numeric = format.isNumeric(column.format);
          return { text: format.value(raw, column.format, money, true), numeric: numeric };
        }))));
    }

    function setState(state, text, isWarning) {
      root.dataset.state = state;
      status.textContent = text;
      status.className = "dash-card-status" + (isWarning ? " dash-warning" : "");
    }

    return {
      spec: spec,
      element: root,

      /* Point "Open in GraphiQL" at this query with these variables (null: no link). */
      link(href) {
        link.hidden = !href;
        if (href) {
          link.href = href;
        }
      },

      /* Show an answer: `answer` is the response's data, `errors` only FORBIDDEN ones. */
      update(answer, errors, variables, at) {
        const forbidden = forbiddenPaths(errors);
        const currency = typeof spec.currency === "function"
          ? spec.currency(answer, variables) : spec.currency && get(answer, spec.currency);
        const rendered = { labels: [], series: {}, hidden: [], kpis: {} };
        const rowsPath = (spec.chart || spec.table).rows;
        const rows = answer ? get(answer, rowsPath) : null;
        showKpis(answer, forbidden, currency, rendered);
        if (!rows) {
          // The whole view is refused (e.g. ranking by money): nothing to draw; the
          // server's reason says why.
          clearPlot();
          data.replaceChildren();
          showHiddenNote([]);
          kpis.hidden = true;
          const box = element("div", { class: "dash-forbidden" });
          box.append(element("strong", {}, HIDDEN));
          (errors || []).slice(0, 1).forEach((error) => {
            box.append(element("span", { class: "dash-reason" }, error.message));
          });
          plot.append(box);
          rendered.hidden = ["*"];
        } else if (spec.table) {
          showTable(rows, forbidden, currency, rendered);
        } else {
          showChart(rows, forbidden, currency, rendered);
        }
        shownAt = at;
        const refused = !rows || rendered.hidden.length > 0 ||
          Object.values(rendered.kpis).includes(HIDDEN);
        const cut = !!(spec.more && answer && get(answer, spec.more));
        rendered.cut = cut;
        root.dataset.rendered = JSON.stringify(rendered);
        setState(rows ? "ready" : "forbidden", "Updated at " + format.time(at) + "." +
          (refused ? " Some values are hidden for your role." : "") +
          (cut ? " More groups exist than are shown: shorten the period." : ""), cut);
      },

      /* A refresh failed: the last data stays, and the card says since when. */
      fail(reason, at) {
        if (shownAt) {
          setState("stale", "Refresh at " + format.time(at) + " failed (" + reason +
            "): showing data from " + format.time(shownAt) + ".", true);
        } else {
          setState("failed", "Could not load (" + reason + ").", true);
        }
      },

      destroy() {
        clearPlot();
        root.remove();
      },
    };
  }

  window.CRM.dashboards = Object.assign(window.CRM.dashboards || {}, { card: card });
})();
