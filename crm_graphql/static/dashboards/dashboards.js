/*
 * The dashboards page: the bar of settings, the cards of charts.js, and their refresh.
 *
 * Each card sends its own query (queries.js) to the API with the sign-in's token
 * (CRM.session), so one refused or failed view does not take the others with it. The
 * settings live in the address (?from=&to=&granularity=&timeZone=&currency=&refresh=),
 * so a wall screen can be given a URL. A refresh that fails keeps the data shown and says so.
 */
(() => {
  "use strict";

  const { session, format, dashboards } = window.CRM;
  const page = document.body.dataset;
  const graphiql = page.graphiql === "on";
  const DEFAULT_REFRESH_SECONDS = 60;
  const MIN_REFRESH_SECONDS = 2;

  const form = document.getElementById("dash-controls");
  const inputs = {
    from: document.getElementById("dash-from"),
    to: document.getElementById("dash-to"),
    granularity: document.getElementById("dash-granularity"),
    timeZone: document.getElementById("dash-time-zone"),
    currency: document.getElementById("dash-currency"),
    refresh: document.getElementById("dash-refresh"),
  };
  const refreshNow = document.getElementById("dash-refresh-now");
  const updated = document.getElementById("dash-updated");
  const signedOut = document.getElementById("dash-signed-out");
  const sections = document.getElementById("dash-sections");

  let cards = [];
  let generation = 0;
  let timer = null;
  let missedWhileHidden = false;

  // --- settings ------------------------------------------------------------------

  function browserTimeZone() {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return format.isTimeZone(zone) ? zone : "UTC";
  }

  function refreshOption(seconds) {
    const value = String(seconds);
    if (![...inputs.refresh.options].some((option) => option.value === value)) {
      inputs.refresh.append(new Option("every " + value + " s", value));
    }
    return value;
  }

  /* The settings from the address, or the defaults: the last twelve months. */
  function readAddress() {
    const params = new URLSearchParams(window.location.search);
    const zone = params.get("timeZone");
    const timeZone = format.isTimeZone(zone) ? zone : browserTimeZone();
    const to = /^\d{4}-\d{2}-\d{2}$/.test(params.get("to") || "")
      ? params.get("to") : format.today(timeZone);
    // By default the month of `to` and the eleven before it.
    const from = /^\d{4}-\d{2}-\d{2}$/.test(params.get("from") || "")
      ? params.get("from") : shiftMonths(to, -11);
    const granularity = ["WEEK", "MONTH", "QUARTER"].includes(params.get("granularity"))
      ? params.get("granularity") : "MONTH";
    const currency = /^[A-Za-z]{3}$/.test(params.get("currency") || "")
      ? params.get("currency").toUpperCase() : page.currency;
    const asked = parseInt(params.get("refresh"), 10);
    const refresh = Number.isNaN(asked) ? DEFAULT_REFRESH_SECONDS
      : asked <= 0 ? 0 : Math.max(MIN_REFRESH_SECONDS, asked);
    inputs.from.value = from;
    inputs.to.value = to;
    inputs.granularity.value = granularity;
    inputs.timeZone.value = timeZone;
    inputs.currency.value = currency;
    inputs.refresh.value = refreshOption(refresh);
  }

  /* The first day of the month `months` after that of `isoDate`. */
  function shiftMonths(isoDate, months) {
    const [year, month] = isoDate.split("-").map(Number);
    const shifted = new Date(Date.UTC(year, month - 1 + months, 1));
    return shifted.toISOString().slice(0, 10);
  }

  function writeAddress() {
    const params = new URLSearchParams({
      from: inputs.from.value,
      to: inputs.to.value,
      granularity: inputs.granularity.value,
      timeZone: inputs.timeZone.value,
      currency: inputs.currency.value.toUpperCase(),
      refresh: inputs.refresh.value,
    });
    history.replaceState(null, "", window.location.pathname + "?" + params.toString());
  }

  /* What the bar says, as the declarations' `controls`; null while it is not valid. */
  function controls() {
    inputs.timeZone.setCustomValidity(
      format.isTimeZone(inputs.timeZone.value) ? "" : "Not a time zone (e.g. Europe/Berlin).");
    inputs.to.setCustomValidity(
      inputs.from.value && inputs.to.value && inputs.to.value < inputs.from.value
        ? "The period ends before it starts." : "");
    if (!form.checkValidity()) {
      form.reportValidity();
      return null;
    }
    const timeZone = inputs.timeZone.value;
    return {
      from: inputs.from.value,
      to: inputs.to.value,
      period: { from: inputs.from.value, to: inputs.to.value },
      since: format.startOfDay(inputs.from.value, timeZone),
      until: format.startOfDay(format.addDays(inputs.to.value, 1), timeZone),
      granularity: inputs.granularity.value,
      timeZone: timeZone,
      currency: inputs.currency.value.toUpperCase(),
    };
  }

  // --- cards -----------------------------------------------------------------------

  function build() {
    sections.replaceChildren();
    const bySection = new Map();
    cards = dashboards.charts.map((spec) => {
      if (!dashboards.queries[spec.query]) {
        throw new Error("The chart " + spec.id + " names no query of queries.js: " + spec.query);
      }
      if (!bySection.has(spec.section)) {
        const section = document.createElement("section");
        section.className = "dash-section";
        const heading = document.createElement("h2");
        heading.textContent = spec.section;
        const grid = document.createElement("div");
        grid.className = "dash-grid";
        section.append(heading, grid);
        sections.append(section);
        bySection.set(spec.section, grid);
      }
      const made = dashboards.card(spec);
      bySection.get(spec.section).append(made.element);
      return made;
    });
  }

  function teardown() {
    cards.forEach((made) => made.destroy());
    cards = [];
    sections.replaceChildren();
  }

  /* The GraphiQL page with this query and these variables in its editors. */
  function graphiqlLink(query, variables) {
    const params = new URLSearchParams({ q: query, variables: JSON.stringify(variables, null, 2) });
    return session.endpoint + "?" + params.toString();
  }

  /* Run one card's query and show the answer; resolves to null or a failure reason. */
  function load(made, values, at) {
    const spec = made.spec;
    const query = dashboards.queries[spec.query];
    const variables = spec.variables(values);
    made.link(graphiql ? graphiqlLink(query, variables) : null);
    const request = { query: query, variables: variables, operationName: spec.query };
    return session.post(request).then((body) => {
      const errors = body.errors || [];
      const refusals = errors.filter((error) => (error.extensions || {}).code === "FORBIDDEN");
      const problem = errors.find((error) => (error.extensions || {}).code !== "FORBIDDEN");
      if (problem) {
        const code = (problem.extensions || {}).code;
        return { code: code, reason: problem.message + (code ? " (" + code + ")" : "") };
      }
      if (!body.data && !refusals.length) {
        return { reason: "no answer" };
      }
      return { show: () => made.update(body.data, refusals, variables, at) };
    }, (error) => ({ reason: error.message || "no answer" }));
  }

  function refresh() {
    window.clearTimeout(timer);
    if (!session.read()) {
      return Promise.resolve();
    }
    if (document.hidden) {
      // Nobody is looking: refresh when the page is shown again.
      missedWhileHidden = true;
      return Promise.resolve();
    }
    const values = controls();
    if (!values) {
      schedule();
      return Promise.resolve();
    }
    generation += 1;
    const current = generation;
    const at = new Date();
    updated.textContent = "Refreshing...";
    return Promise.all(cards.map((made) => load(made, values, at))).then((results) => {
      if (current !== generation) {
        return; // The settings changed meanwhile: a newer refresh is on its way.
      }
      if (results.some((result) => result.code === "UNAUTHENTICATED")) {
        session.end("The session has ended: sign in again.");
        return;
      }
      let failed = 0;
      results.forEach((result, index) => {
        if (result.show) {
          result.show();
        } else {
          failed += 1;
          cards[index].fail(result.reason, at);
        }
      });
      updated.textContent = failed
        ? "Refresh at " + format.time(at) + " failed for " + failed + " of " + cards.length +
          " charts: they show their last data."
        : "Updated at " + format.time(at);
      updated.className = "dash-updated" + (failed ? " dash-warning" : "");
      updated.dataset.at = at.toISOString();
      schedule();
    });
  }

  function schedule() {
    window.clearTimeout(timer);
    const seconds = Number(inputs.refresh.value);
    if (seconds > 0 && session.read()) {
      timer = window.setTimeout(refresh, seconds * 1000);
    }
  }

  function signedIn(current) {
    window.clearTimeout(timer);
    generation += 1;
    teardown();
    signedOut.hidden = !!current;
    form.hidden = !current;
    updated.textContent = "";
    if (current) {
      build();
      refresh();
    }
  }

  // --- events ----------------------------------------------------------------------

  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("change", (event) => {
    if (event.target === inputs.currency) {
      inputs.currency.value = inputs.currency.value.toUpperCase();
    }
    writeAddress();
    if (event.target === inputs.refresh) {
      schedule();
    } else {
      refresh();
    }
  });
  refreshNow.addEventListener("click", () => refresh());
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && missedWhileHidden) {
      missedWhileHidden = false;
      refresh();
    }
  });

  const zones = document.getElementById("dash-zones");
  (Intl.supportedValuesOf ? Intl.supportedValuesOf("timeZone") : ["UTC"]).forEach((zone) => {
    zones.append(new Option(zone));
  });
  readAddress();
  session.onChange(signedIn);
  signedIn(session.read());
})();
