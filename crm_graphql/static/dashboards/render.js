/*
 * Drawing one declared chart (charts.js) from the API's answer: `CRM.dashboards.card`.
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
  const HIDDEN = "Hidden for your role (FORBIDDEN)";
  // Okabe and Ito's palette, told apart with the common colour-vision deficiencies;
  // lines also differ in point style and dash, so colour is never the only cue.
  const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
    "#F0E442", "#000000"];
  const POINTS = ["circle", "rect", "triangle", "rectRot", "star", "crossRot", "cross",
    "rectRounded"];
  const DASHES = [[], [6, 3], [2, 2], [8, 3, 2, 3]];

  // Larger text on a wall screen.
  window.Chart.defaults.font.size = window.matchMedia("(min-width: 1800px)").matches ? 16 : 12;
  window.Chart.defaults.color = "#1c2430";

  function get(object, path) {
    return path.split(".").reduce((value, key) => (value == null ? value : value[key]), object);
  }

  /* The dotted paths (list indexes left out) of the values the role may not read. */
  function forbiddenPaths(errors) {
    return (errors || [])
      .filter((error) => error.extensions && error.extensions.code === "FORBIDDEN" && error.path)
      .map((error) => error.path.filter((key) => typeof key === "string").join("."));
  }

  function isHidden(path, forbidden) {
    return forbidden.some((denied) => path === denied || path.startsWith(denied + "."));
  }

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([name, value]) => node.setAttribute(name, value));
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function number(raw) {
    return raw === null || raw === undefined ? null : Number(raw);
  }

  function xText(raw, kind) {
    if (kind === "words") {
      return format.words(raw);
    }
    if (kind === "day") {
      return format.day(raw);
    }
    return raw === null || raw === undefined ? "–" : String(raw);
  }

  /* Labels and series of a chart declaration over the rows of an answer. */
  function seriesOf(spec, rows, forbidden) {
    const shown = [];
    const hidden = [];
    let labels = [];
    const visible = spec.series.filter((serie) => {
      if (isHidden(spec.rows + "." + serie.value, forbidden)) {
        hidden.push(serie.label);
        return false;
      }
      return true;
    });
    if (spec.pivot) {
      const keys = [];
      rows.forEach((row) => {
        const x = get(row, spec.x);
        const key = get(row, spec.pivot);
        if (!labels.includes(x)) {
          labels.push(x);
        }
        if (!keys.includes(key)) {
          keys.push(key);
        }
      });
      visible.forEach((serie) => {
        keys.forEach((key) => {
          // A group that is not there has no records: a true zero.
          const values = labels.map((x) => {
            const row = rows.find((r) => get(r, spec.x) === x && get(r, spec.pivot) === key);
            return row ? number(get(row, serie.value)) : 0;
          });
          shown.push({ label: format.words(key), format: serie.format, values: values });
        });
      });
    } else {
      labels = rows.map((row) => get(row, spec.x));
      visible.forEach((serie) => {
        shown.push({
          label: serie.label,
          format: serie.format,
          type: serie.type,
          values: rows.map((row) => number(get(row, serie.value))),
        });
      });
    }
    return { labels: labels.map((x) => xText(x, spec.xFormat)), shown: shown, hidden: hidden };
  }

  function chartConfig(spec, drawn, currency) {
    const money = drawn.shown.some((serie) => serie.format === "money");
    const counts = drawn.shown.some((serie) => serie.format !== "money");
    const valueAxis = spec.horizontal ? "x" : "y";
    const datasets = drawn.shown.map((serie, index) => {
      const type = serie.type || spec.type;
      const colour = PALETTE[index % PALETTE.length];
      const line = type === "line";
      return {
        label: serie.label,
        type: type,
        data: serie.values,
        format: serie.format,
        [valueAxis + "AxisID"]: serie.format === "money" ? "money" : "count",
        backgroundColor: colour,
        borderColor: line ? colour : spec.stacked ? "#ffffff" : colour,
        borderWidth: line ? 2 : spec.stacked ? 1 : 0,
        borderDash: line ? DASHES[index % DASHES.length] : [],
        // Bars show as squares in the legend; lines by their own point style.
        pointStyle: line ? POINTS[index % POINTS.length] : "rect",
        pointRadius: line ? 4 : 0,
        // Lines over bars.
        order: line ? 0 : 1,
      };
    });
    const scales = {};
    scales[spec.horizontal ? "y" : "x"] = { stacked: !!spec.stacked, grid: { display: false } };
    if (money) {
      scales.money = {
        axis: valueAxis,
        position: spec.horizontal ? "bottom" : "left",
        beginAtZero: true,
        stacked: !!spec.stacked,
        title: { display: true, text: currency || "" },
        ticks: { callback: (value) => format.value(value, "money", currency) },
      };
    }
    if (counts) {
      scales.count = {
        axis: valueAxis,
        position: money ? (spec.horizontal ? "top" : "right") : spec.horizontal ? "bottom" : "left",
        beginAtZero: true,
        stacked: !!spec.stacked,
        grid: { display: !money },
        ticks: { precision: 0, callback: (value) => format.value(value, "count") },
      };
    }
    return {
      type: spec.type,
      data: { labels: drawn.labels, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: spec.horizontal ? "y" : "x",
        interaction: { mode: "index", intersect: false },
        scales: scales,
        plugins: {
          legend: {
            display: datasets.length > 1,
            // In the declared order (lines are drawn last, but not listed last).
            labels: {
              usePointStyle: true,
              boxHeight: 8,
              sort: (a, b) => a.datasetIndex - b.datasetIndex,
            },
          },
          tooltip: {
            callbacks: {
              label: (item) => item.dataset.label + ": " +
                format.value(item.raw, item.dataset.format, currency, true),
            },
          },
        },
      },
    };
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
          return column.format === "money" || column.format === "count" ? number(raw) : raw;
        });
      });
      rendered.hidden = hidden;
      showHiddenNote(hidden);
      clearPlot();
      plot.append(table(spec.title, columns.map((column) => ({
        text: column.label,
        numeric: column.format === "money" || column.format === "count",
      })),
        rows.map((row) => columns.map((column) => {
          const raw = get(row, column.value);
          const money = column.currency ? get(row, column.currency) : currency;
          const numeric = column.format === "money" || column.format === "count";
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
        root.dataset.rendered = JSON.stringify(rendered);
        shownAt = at;
        const refused = !rows || rendered.hidden.length > 0 ||
          Object.values(rendered.kpis).includes(HIDDEN);
        setState(rows ? "ready" : "forbidden", "Updated at " + format.time(at) +
          (refused ? ". Some values are hidden for your role." : "."), false);
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
