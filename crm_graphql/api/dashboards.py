"""The dashboards page, ``GET /dashboards``: the aggregated views drawn as charts.

The page is a client of the public GraphQL API and nothing else: its script sends
each chart's query to ``/graphql`` with the sign-in's token (the sign-in bar is the
one every page shares, :mod:`crm_graphql.api.pages`). The queries are kept in
``crm_graphql/static/dashboards/queries.js`` and the charts declared in ``charts.js``
next to it, one declaration each naming its query;
Chart.js draws them (the npm registry's published build, vendored: see the README in
that folder). The page itself holds no data, so it is served without credentials.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from crm_graphql.api.pages import Asset, Page, content_security_policy

#: Folder of the dashboards' assets, inside ``crm_graphql/static``.
ASSET_FOLDER = "dashboards"

# Chart.js first (it defines the global `Chart`); then formatting, the queries, the
# declarations, what to draw, the cards and the page, each using the ones before it through the
# `CRM` global.
SCRIPTS = (
    Asset(
        ASSET_FOLDER,
        "chart.umd.min.js",
        "sha384-Emf5ZVIUiarAdhkgtqK+5/Z5qIvM6QoVrS+qAVtfyZVuD5lIHrac0me485+Antp0",
    ),
    Asset(ASSET_FOLDER, "format.js"),
    Asset(ASSET_FOLDER, "queries.js"),
    Asset(ASSET_FOLDER, "charts.js"),
    Asset(ASSET_FOLDER, "series.js"),
    Asset(ASSET_FOLDER, "card.js"),
    Asset(ASSET_FOLDER, "dashboards.js"),
)
STYLESHEETS = (Asset(ASSET_FOLDER, "dashboards.css"),)

_BODY = """    <main id="dashboards" class="dash">
      <form id="dash-controls" class="dash-controls" aria-label="What the charts show">
        <label>From <input id="dash-from" name="from" type="date" required></label>
        <label>To <input id="dash-to" name="to" type="date" required></label>
        <label>Periods <select id="dash-granularity" name="granularity">
          <option value="WEEK">weeks</option>
          <option value="MONTH">months</option>
          <option value="QUARTER">quarters</option>
        </select></label>
        <label>Time zone <input id="dash-time-zone" name="timeZone" list="dash-zones"
          autocomplete="off" spellcheck="false" required></label>
        <datalist id="dash-zones"></datalist>
        <label>Currency <input id="dash-currency" name="currency" size="4" maxlength="3"
          pattern="[A-Za-z]{3}" autocomplete="off" spellcheck="false" required></label>
        <label>Refresh <select id="dash-refresh" name="refresh">
          <option value="0">never</option>
          <option value="15">every 15 s</option>
          <option value="30">every 30 s</option>
          <option value="60">every minute</option>
          <option value="300">every 5 minutes</option>
        </select></label>
        <button id="dash-refresh-now" type="button">Refresh now</button>
        <span id="dash-updated" class="dash-updated" role="status"></span>
      </form>
      <p id="dash-signed-out" class="dash-signed-out">Sign in above to see the dashboards.</p>
      <div id="dash-sections" class="dash-sections"></div>
    </main>"""

DASHBOARDS_PAGE = Page(
    title="CRM GraphQL - Dashboards",
    heading="CRM Dashboards",
    signed_out="Not signed in.",
    stylesheets=STYLESHEETS,
    scripts=SCRIPTS,
    body=_BODY,
    # Chart.js sizes its canvas through the style properties (CSSOM), which a policy
    # without 'unsafe-inline' allows: no inline style or script at all here.
    policy=content_security_policy(),
)


async def dashboards_page(request: Request) -> HTMLResponse:
    """The dashboards page. Its script learns from ``data-*`` attributes of ``<body>``
    whether GraphiQL is served (for the "Open in GraphiQL" links) and the base currency
    (the views' default)."""
    settings = request.app.state.settings
    links = {"GraphiQL": "/graphql"} if settings.graphiql else {}
    data = {
        "graphiql": "on" if settings.graphiql else "off",
        "currency": settings.base_currency,
    }
    return DASHBOARDS_PAGE.response(request, links=links, data=data)
