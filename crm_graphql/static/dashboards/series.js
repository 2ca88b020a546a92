/*
 * What a declared chart (charts.js) draws from the API's answer: `CRM.dashboards.series`.
 *
 * Paths into the answer, which values the role may not read (FORBIDDEN errors), the
 * labels and series of a chart, and its Chart.js configuration. No page elements here.
 */
(() => {
  "use strict";

  const { format } = window.CRM;
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

  /* The value at a dotted path ("salesPipeline.stages"), or null/undefined. */
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

  /* A row's label: the value at `x`, or at each of a list of paths, joined by spaces
   * (["customer.firstName", "customer.lastName"]). */
  function xOf(row, x) {
    return Array.isArray(x)
      ? x.map((path) => get(row, path)).filter((part) => part != null).join(" ")
      : get(row, x);
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
        const x = xOf(row, spec.x);
        const key = get(row, spec.pivot);
        if (!labels.includes(x)) {
          labels.push(x);
        }
        if (!keys.includes(key)) {
          keys.push(key);
        }
      });
      if (spec.pivotOrder) {
        // In the declared order (e.g. ages, youngest first); values not listed last.
        const rank = (key) => {
          const index = spec.pivotOrder.indexOf(key);
          return index < 0 ? spec.pivotOrder.length : index;
        };
        keys.sort((a, b) => rank(a) - rank(b));
      }
      visible.forEach((serie) => {
        keys.forEach((key) => {
          // A group that is not there has no records: a true zero.
          const values = labels.map((x) => {
            const row = rows.find((r) => xOf(r, spec.x) === x && get(r, spec.pivot) === key);
            return row ? number(get(row, serie.value)) : 0;
          });
          shown.push({ label: format.words(key), format: serie.format, values: values });
        });
      });
    } else {
      labels = rows.map((row) => xOf(row, spec.x));
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

  /* The value axis a series is drawn against: one per kind of value. */
  function axisOf(serie) {
    return !serie.format || serie.format === "words" ? "count" : serie.format;
  }

  /* Fixed ends of the axes whose values have them. */
  const AXIS_RANGES = { share: { max: 100 }, score: { max: 5 } };

  function chartConfig(spec, drawn, currency) {
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
        [valueAxis + "AxisID"]: axisOf(serie),
        backgroundColor: colour,
        borderColor: line ? colour : spec.stacked ? "#ffffff" : colour,
        borderWidth: line ? 2 : spec.stacked ? 1 : 0,
        borderDash: line ? DASHES[index % DASHES.length] : [],
        // Bars show as squares in the legend; lines by their own point style.
        pointStyle: line ? POINTS[index % POINTS.length] : "rect",
        pointRadius: line ? 4 : 0,
        // Lines over bars; a gap where a period has no value (no zero drawn).
        order: line ? 0 : 1,
        spanGaps: false,
      };
    });
    const scales = {};
    scales[spec.horizontal ? "y" : "x"] = { stacked: !!spec.stacked, grid: { display: false } };
    // The first kind of value on the left (bottom), the others on the right (top).
    const axes = [...new Set(drawn.shown.map(axisOf))];
    axes.forEach((kind, index) => {
      const first = index === 0;
      scales[kind] = Object.assign({
        axis: valueAxis,
        position: spec.horizontal ? (first ? "bottom" : "top") : first ? "left" : "right",
        beginAtZero: true,
        stacked: !!spec.stacked,
        grid: { display: first },
        title: { display: kind === "money", text: kind === "money" ? currency || "" : "" },
        ticks: {
          precision: kind === "count" ? 0 : undefined,
          // Scores as bare numbers: "4.5", not "4.5 / 5" on every tick.
          callback: (value) => kind === "score" ? String(value)
            : format.value(value, kind, currency),
        },
      }, AXIS_RANGES[kind] || {});
    });
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
            // A pivot's series are named by its values: listed even when there is one.
            display: datasets.length > 1 || !!spec.pivot,
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

  window.CRM.dashboards = Object.assign(window.CRM.dashboards || {}, {
    series: {
      get: get,
      number: number,
      forbiddenPaths: forbiddenPaths,
      isHidden: isHidden,
      seriesOf: seriesOf,
      chartConfig: chartConfig,
    },
  });
})();
