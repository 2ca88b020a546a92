"""The dashboards page: every chart drawn from the demo data, in a real browser.

The server is the real one (``crm-graphql serve --demo`` in a subprocess, shared with
the GraphiQL tests): what the charts show is checked on a SQLite file and, when
``CRM_TEST_MYSQL_URL`` is set, on MySQL/MariaDB too; the page's own behaviour (links,
failed refreshes, signing out, layout, keyboard) once. The browser is the system
Chromium driven by Playwright with every request to another host aborted
(``tests/browser.py``); it checks what the charts hold (their ``data-rendered``
attribute and the Chart.js instances), not only that a canvas is there.

The screenshots shown in the README are taken by ``python -m benchmarks.screenshots``,
whose function is run here too."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from graphql import parse, validate

from benchmarks.screenshots import DESKTOP as SCREENSHOT_DESKTOP
from benchmarks.screenshots import PHONE_HEIGHT, SETTLED, save_screenshots
from crm_graphql.api.dashboards import DASHBOARDS_PAGE
from crm_graphql.api.roles import Role
from crm_graphql.app import create_app
from crm_graphql.demo.reference import REFERENCE_NOW
from crm_graphql.domains.auth.services import DEMO_PASSWORD, demo_email
from crm_graphql.schema import build_schema
from crm_graphql.settings import load_settings
from tests.browser import BrowserPage, open_page, sign_in, storage
from tests.conftest import BACKENDS, DemoServers
from tests.server import DemoServer

JWT_SECRET = "dashboards-test-only-jwt-secret-0123456789-abcdef"
HIDDEN = "Hidden for your role (FORBIDDEN)"
# The demo's history ends at REFERENCE_NOW: the year up to then has data in every view.
LAST_DAY = (REFERENCE_NOW - timedelta(days=1)).date()
PERIOD = {
    "from": f"{LAST_DAY.year}-01-01",
    "to": LAST_DAY.isoformat(),
    "timeZone": "Europe/Berlin",
    "currency": "USD",
}
SUPPORT_CHARTS = (
    "support-backlog",
    "support-sla",
    "support-csat",
    "support-priority",
    "support-leaderboard",
)
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
WALL = {"width": 2560, "height": 1440}
CARDS = """() => Object.fromEntries([...document.querySelectorAll('.dash-card')].map(card => [
  card.dataset.chart, {
    state: card.dataset.state,
    rendered: JSON.parse(card.dataset.rendered || 'null'),
    link: card.querySelector('.dash-graphiql').getAttribute('href'),
    text: card.innerText,
    datasets: (() => {
      const canvas = card.querySelector('canvas');
      const chart = canvas && Chart.getChart(canvas);
      return chart ? chart.data.datasets.map(d => [d.label, d.data]) : null;
    })(),
  }]))"""
FOCUSED = """() => {
  const focused = document.activeElement;
  const card = focused.closest('.dash-card');
  const name = focused.id || focused.className || focused.tagName;
  return (card ? card.dataset.chart + ': ' : '') + name;
}"""
# Variables and headers editors share one pane; the tab shown is the one not hidden.
VARIABLES_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"


@pytest.fixture(scope="module", params=BACKENDS)
async def server(request: pytest.FixtureRequest, demo_servers: DemoServers) -> DemoServer:
    """``crm-graphql serve --demo`` on a SQLite file, and on MySQL when it is configured:
    for the tests of what the charts show, which the database computes."""
    return await demo_servers.get(request.param)


@pytest.fixture(scope="module")
async def page_server(demo_servers: DemoServers) -> DemoServer:
    """The demo server on SQLite, for the tests of the page's own behaviour (links,
    refresh failures, signing out, layout, keyboard): the database that answers does
    not change it, so these run once, which keeps the browser tests short."""
    return await demo_servers.get("sqlite")


async def _open_dashboards(
    browser: Any,
    server: DemoServer,
    role: Role,
    viewport: dict[str, int] | None = None,
    **settings: str,
) -> BrowserPage:
    """The dashboards of the demo's last year, signed in as the demo user of ``role``,
    once every chart has been drawn."""
    query = "&".join(f"{name}={value}" for name, value in {**PERIOD, **settings}.items())
    recorded = await open_page(browser, f"{server.url}/dashboards?{query}", viewport or DESKTOP)
    await sign_in(recorded.page, demo_email(role), DEMO_PASSWORD)
    await recorded.page.wait_for_function(SETTLED)
    return recorded


async def _cards(page: Any) -> dict[str, dict[str, Any]]:
    """Each card's state, what it shows, its GraphiQL link and its chart's datasets."""
    return await page.evaluate(CARDS)


def _linked(card: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The query and variables the card's "Open in GraphiQL" link carries."""
    params = parse_qs(urlsplit(card["link"]).query)
    return params["q"][0], json.loads(params["variables"][0])


def _money(values: list[Any]) -> list[float | None]:
    return [None if value is None else float(Decimal(value)) for value in values]


# --- served by the API itself ------------------------------------------------------


def _sri(content: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()


async def test_dashboards_page_loads_only_pinned_files_of_this_server(tmp_path: Path) -> None:
    app = create_app(
        load_settings(database_url=f"sqlite://{tmp_path / 'unused.sqlite3'}", jwt_secret=JWT_SECRET)
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://crm.test"
    ) as http:
        page = await http.get("/dashboards")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == "no-cache"
        policy = dict(
            directive.strip().split(" ", 1)
            for directive in page.headers["content-security-policy"].split(";")
        )
        assert policy["script-src"] == "'self'"
        assert policy["style-src"] == "'self'"  # not even inline styles
        assert policy["connect-src"] == "'self'"
        assert policy["frame-ancestors"] == "'none'"
        assert "http://" not in page.text and "https://" not in page.text
        assert "<style" not in page.text

        tags = re.findall(r"<(?:script|link)\b[^>]*>", page.text)
        assets = [tag for tag in tags if "/static/" in tag]
        assert len(assets) == len(DASHBOARDS_PAGE.assets)
        assert all("<script" not in tag or " src=" in tag for tag in tags)  # no inline script
        for tag in assets:
            url = re.search(r'(?:src|href)="([^"]*)"', tag).group(1).replace("&amp;", "&")
            assert re.search(r"\?v=[0-9a-f]{16}$", url), url
            asset = await http.get(url)
            assert asset.status_code == 200, url
            assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert re.search(r'integrity="([^"]*)"', tag).group(1) == _sri(asset.content), url

        chart_js = await http.get("/static/dashboards/chart.umd.min.js")
        assert chart_js.content.startswith(b"/*!\n * Chart.js v4.6.1\n")
        licence = await http.get("/static/dashboards/licenses/chart.js.txt")
        assert "MIT License" in licence.text


QUERIES_JS = Path(__file__).resolve().parent.parent / "crm_graphql/static/dashboards/queries.js"


def test_every_dashboard_query_is_one_named_operation_valid_against_the_schema() -> None:
    queries = dict(re.findall(r"^    (\w+): `(query [^`]*)`,$", QUERIES_JS.read_text(), re.M))
    assert {"SalesPipeline", "Revenue", "SupportBacklog", "SatisfactionTrend"} <= set(queries)
    charts = (QUERIES_JS.parent / "charts.js").read_text()
    named = re.findall(r'^      query: "(\w+)",$', charts, re.M)
    assert sorted(named) == sorted(queries)  # each chart's query is there, none unused
    schema = build_schema()._schema
    for name, text in queries.items():
        document = parse(text)
        assert [op.name.value for op in document.definitions] == [name]  # type: ignore[attr-defined]
        assert validate(schema, document) == [], name


async def test_dashboards_without_graphiql_are_served_without_links_to_it(tmp_path: Path) -> None:
    app = create_app(
        load_settings(
            database_url=f"sqlite://{tmp_path / 'unused.sqlite3'}",
            jwt_secret=JWT_SECRET,
            graphiql=False,
        )
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://crm.test"
    ) as http:
        page = await http.get("/dashboards")
        assert page.status_code == 200
        # The page's script leaves out "Open in GraphiQL" when it reads this.
        assert 'data-graphiql="off"' in page.text
        assert 'href="/graphql"' not in page.text
        assert (await http.get("/static/dashboards/chart.umd.min.js")).status_code == 200
        assert (await http.get("/graphql", headers={"Accept": "text/html"})).status_code == 404


# --- in a real browser ------------------------------------------------------------


async def test_manager_sees_every_chart_drawn_from_the_demo_data(
    server: DemoServer, browser: Any
) -> None:
    recorded = await _open_dashboards(browser, server, Role.MANAGER)
    page = recorded.page
    cards = await _cards(page)
    declared = await page.evaluate(
        "() => CRM.dashboards.charts.map(c => [c.id, CRM.dashboards.queries[c.query]])"
    )
    assert list(cards) == [name for name, _ in declared]
    assert {"pipeline", "revenue", "top-customers", "leaderboard", "interactions"} <= set(cards)
    assert set(SUPPORT_CHARTS) <= set(cards)

    token = server.sign_in(Role.MANAGER)
    answers = {}
    for name, card in cards.items():
        assert card["state"] == "ready", (name, card["text"])
        shown = card["rendered"]
        assert shown["hidden"] == [], name
        numbers = [
            value
            for values in shown["series"].values()
            for value in values
            if isinstance(value, int | float)
        ]
        assert any(numbers), (name, shown)  # drawn from data, not an empty frame
        if card["datasets"] is not None:
            # The Chart.js instance draws exactly the series the card lists.
            assert dict(card["datasets"]) == shown["series"], name
        # The query the link carries is the chart's, from queries.js, and the one the
        # card ran: same answer.
        query, variables = _linked(card)
        assert query == dict(declared)[name], name
        answer = server.query(query, token, variables)
        assert "errors" not in answer, (name, answer)
        answers[name] = answer["data"]

    pipeline = cards["pipeline"]["rendered"]
    stages = answers["pipeline"]["salesPipeline"]["stages"]
    assert pipeline["series"]["Deals"] == [stage["count"] for stage in stages]
    assert pipeline["series"]["Amount"] == _money([stage["amount"] for stage in stages])
    assert pipeline["kpis"]["Deals"] == answers["pipeline"]["salesPipeline"]["count"]

    revenue = answers["revenue"]["revenue"]
    shown = cards["revenue"]["rendered"]
    assert shown["labels"] == [period["period"] for period in revenue["periods"]]
    assert shown["series"]["Revenue"] == _money([period["amount"] for period in revenue["periods"]])
    assert shown["series"]["Orders"] == [period["orderCount"] for period in revenue["periods"]]
    assert shown["kpis"]["Revenue"] == float(Decimal(revenue["totalAmount"]))

    groups = answers["interactions"]["interactionStats"]["groups"]
    drawn = cards["interactions"]["rendered"]["series"]
    assert set(drawn) == {group["channel"].replace("_", " ").capitalize() for group in groups}
    assert sum(sum(values) for values in drawn.values()) == sum(g["count"] for g in groups)
    assert cards["interactions"]["rendered"]["cut"] is False  # every group is drawn

    top = answers["top-customers"]["topCustomers"]
    assert cards["top-customers"]["rendered"]["series"]["Last name"] == [
        row["customer"]["lastName"] for row in top
    ]
    assert cards["top-customers"]["rendered"]["series"]["Lifetime value"] == _money(
        [row["lifetimeValue"] for row in top]
    )
    leaders = answers["leaderboard"]["salesLeaderboard"]
    assert cards["leaderboard"]["rendered"]["series"]["Won"] == [row["wonCount"] for row in leaders]
    stats = answers["new-customers"]["customerStats"]
    assert cards["new-customers"]["rendered"]["kpis"]["Customers"] == stats["total"]

    # Support: the backlog now, volumes and SLA attainment per period, the CSAT trend.
    backlog = answers["support-backlog"]["supportOverview"]
    drawn = cards["support-backlog"]["rendered"]
    assert sum(sum(values) for values in drawn["series"].values()) == backlog["backlogTotal"] > 0
    assert drawn["kpis"]["Unsolved tickets"] == backlog["backlogTotal"]
    ages = ["Under 1 day", "Days 1 to 3", "Days 3 to 7", "Days 7 to 30", "Over 30 days"]
    assert list(drawn["series"]) == [age for age in ages if age in drawn["series"]]
    assert set(drawn["series"]) == {
        g["age"].replace("_", " ").capitalize() for g in backlog["backlog"]
    }
    assert drawn["labels"] == list(
        dict.fromkeys(g["status"].replace("_", " ").capitalize() for g in backlog["backlog"])
    )
    periods = answers["support-sla"]["supportOverview"]["periods"]
    drawn = cards["support-sla"]["rendered"]
    assert drawn["labels"] == [p["period"] for p in periods]
    assert drawn["series"]["Created"] == [p["created"] for p in periods]
    assert drawn["series"]["Solved"] == [p["solved"] for p in periods]
    assert drawn["series"]["SLA attainment"] == [p["slaAttainment"] for p in periods]
    assert any(value is not None for value in drawn["series"]["SLA attainment"])
    overview = answers["support-sla"]["supportOverview"]
    assert drawn["kpis"]["SLA attainment"] == overview["slaAttainment"]
    assert drawn["kpis"]["Solved"] == overview["solved"] == sum(p["solved"] for p in periods)
    periods = answers["support-csat"]["supportOverview"]["periods"]
    drawn = cards["support-csat"]["rendered"]
    scores = [p["satisfaction"]["averageScore"] for p in periods]
    assert drawn["series"]["Average score"] == scores
    assert all(1 <= score <= 5 for score in scores if score is not None) and any(scores)
    satisfaction = answers["support-csat"]["supportOverview"]["satisfaction"]
    assert drawn["kpis"]["Average score"] == satisfaction["averageScore"]
    assert sum(drawn["series"]["Responses"]) == satisfaction["responses"]
    agents = answers["support-leaderboard"]["supportLeaderboard"]
    drawn = cards["support-leaderboard"]["rendered"]["series"]
    assert drawn["Agent"] == [row["assignee"]["name"] for row in agents]
    assert drawn["Solved"] == [row["solved"] for row in agents]

    # Billing: the receivables ageing (buckets in total and per customer) and the cash
    # flow (invoiced vs collected per period, DSO), as the API answers them.
    ageing = answers["receivables-ageing"]["receivablesAgeing"]
    assert ageing["asOf"] == PERIOD["to"] and ageing["currency"] == PERIOD["currency"]
    drawn = cards["receivables-ageing"]["rendered"]
    buckets = {
        "Current": "current",
        "1-30 days": "days1to30",
        "31-60 days": "days31to60",
        "61-90 days": "days61to90",
        "Over 90 days": "over90",
    }
    assert list(drawn["series"]) == list(buckets)
    for label, field in buckets.items():
        assert drawn["kpis"][label] == float(Decimal(ageing["total"][field])), label
        assert drawn["series"][label] == _money(
            [row["buckets"][field] for row in ageing["customers"]]
        ), label
    assert drawn["labels"] == [
        f"{row['customer']['firstName']} {row['customer']['lastName']}"
        for row in ageing["customers"]
    ]
    assert drawn["kpis"]["Open receivables"] == float(Decimal(ageing["total"]["total"])) > 0
    assert drawn["kpis"]["Open invoices"] == ageing["total"]["invoiceCount"] > 0
    assert dict(cards["receivables-ageing"]["datasets"]) == drawn["series"]
    cashflow = answers["cashflow"]["cashflow"]
    drawn = cards["cashflow"]["rendered"]
    assert drawn["labels"] == [p["period"] for p in cashflow["periods"]]
    assert len(drawn["labels"]) == LAST_DAY.month  # one per month of the year so far
    assert drawn["series"]["Invoiced"] == _money([p["invoiced"] for p in cashflow["periods"]])
    assert drawn["series"]["Collected"] == _money([p["collected"] for p in cashflow["periods"]])
    assert all(drawn["series"]["Invoiced"]) and all(drawn["series"]["Collected"])
    assert drawn["kpis"]["Invoiced"] == float(Decimal(cashflow["invoiced"]))
    assert drawn["kpis"]["Collected"] == float(Decimal(cashflow["collected"]))
    assert drawn["kpis"]["DSO"] == cashflow["daysSalesOutstanding"] > 0
    assert re.search(r"DSO\n[\d.,]+ days", cards["cashflow"]["text"])

    # Marketing: the ROI of each campaign, and the leads it brought.
    campaigns = answers["campaign-roi"]["campaigns"]["nodes"]
    drawn = cards["campaign-roi"]["rendered"]
    assert drawn["labels"] == [c["name"] for c in campaigns] and campaigns
    assert drawn["series"]["ROI"] == [c["results"]["roi"] for c in campaigns]
    assert drawn["series"]["Leads"] == [c["results"]["leads"] for c in campaigns]
    assert any(roi is not None for roi in drawn["series"]["ROI"])
    # The leads drawn are the leads whose campaign it is, as the leads list counts them.
    grouped = server.query(
        "{ leadsAggregate(groupBy: [{field: CAMPAIGN}]) { groups { key { campaign { name } }"
        " count } } }",
        token,
    )["data"]["leadsAggregate"]["groups"]
    per_campaign = {
        g["key"]["campaign"]["name"]: g["count"] for g in grouped if g["key"]["campaign"]
    }
    assert drawn["series"]["Leads"] == [per_campaign.get(c["name"], 0) for c in campaigns]
    assert any(drawn["series"]["Leads"])
    # Leads: the funnel of the period by status now, and its conversion rate.
    funnel = answers["lead-funnel"]["leadFunnel"]
    drawn = cards["lead-funnel"]["rendered"]
    assert drawn["labels"] == [
        row["status"].replace("_", " ").capitalize() for row in funnel["byStatus"]
    ]
    assert drawn["series"]["Leads"] == [row["count"] for row in funnel["byStatus"]]
    assert sum(drawn["series"]["Leads"]) == drawn["kpis"]["Leads"] == funnel["total"] > 0
    assert drawn["kpis"]["Converted"] == funnel["converted"] > 0
    assert drawn["kpis"]["Conversion rate"] == funnel["conversionRate"]
    assert funnel["conversionRate"] == pytest.approx(funnel["converted"] / funnel["total"])

    # The sign-in is this tab's only: sessionStorage, never localStorage.
    session = await page.evaluate("() => JSON.parse(sessionStorage.getItem('crm:session'))")
    assert session["role"] == "MANAGER"
    assert session["token"] not in await storage(page, "localStorage")
    recorded.assert_stayed_on_this_server()


async def test_open_in_graphiql_shows_the_chart_query_and_variables_in_a_new_tab(
    page_server: DemoServer, browser: Any
) -> None:
    recorded = await _open_dashboards(browser, page_server, Role.MANAGER)
    page = recorded.page
    card = (await _cards(page))["revenue"]
    declared = await page.evaluate(
        "() => CRM.dashboards.queries[CRM.dashboards.charts.find(c => c.id === 'revenue').query]"
    )
    link = page.locator("#dash-card-revenue .dash-graphiql")
    assert await link.get_attribute("target") == "_blank"

    async with page.context.expect_page() as opened:
        await link.click()
    graphiql = await opened.value
    recorded.watch(graphiql)
    await graphiql.wait_for_selector(".graphiql-query-editor .CodeMirror")
    assert urlsplit(graphiql.url).path == "/graphql"
    editor = "(selector) => document.querySelector(selector).CodeMirror.getValue()"
    assert await graphiql.evaluate(editor, ".graphiql-query-editor .CodeMirror") == declared
    variables = json.loads(await graphiql.evaluate(editor, VARIABLES_EDITOR))
    assert variables == _linked(card)[1]
    assert variables["from"] == PERIOD["from"]
    assert variables["timeZone"] == PERIOD["timeZone"]

    # The new tab shares the sign-in, so the query runs as it is and answers what the
    # chart shows.
    status = graphiql.locator("#crm-session-status")
    await status.filter(has_text=f"Signed in as {demo_email(Role.MANAGER)}").wait_for()
    await graphiql.click(".graphiql-execute-button")
    result = "() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()"
    await graphiql.wait_for_function(f"() => ({result})().includes('totalAmount')")
    answer = json.loads(await graphiql.evaluate(result))
    total = float(Decimal(answer["data"]["revenue"]["totalAmount"]))
    assert total == card["rendered"]["kpis"]["Revenue"]
    recorded.assert_stayed_on_this_server()


async def test_support_sees_money_hidden_for_their_role_and_counts_shown(
    server: DemoServer, browser: Any
) -> None:
    recorded = await _open_dashboards(browser, server, Role.SUPPORT)
    cards = await _cards(recorded.page)
    token = server.sign_in(Role.SUPPORT)

    pipeline = cards["pipeline"]
    assert pipeline["state"] == "ready"
    assert pipeline["rendered"]["hidden"] == ["Amount", "Weighted amount"]
    assert list(pipeline["rendered"]["series"]) == ["Deals"]
    assert [label for label, _ in pipeline["datasets"]] == ["Deals"]  # no zero bars drawn
    assert pipeline["rendered"]["kpis"]["Open pipeline"] == HIDDEN
    assert pipeline["rendered"]["kpis"]["Weighted"] == HIDDEN
    count = server.query("{ salesPipeline { count } }", token)["data"]["salesPipeline"]["count"]
    assert pipeline["rendered"]["kpis"]["Deals"] == count
    assert f"Amount, Weighted amount: {HIDDEN}" in pipeline["text"]

    revenue = cards["revenue"]["rendered"]
    assert revenue["hidden"] == ["Revenue"]
    assert revenue["kpis"]["Revenue"] == HIDDEN
    assert sum(revenue["series"]["Orders"]) == revenue["kpis"]["Orders"] > 0

    # Ranking by money is refused as a whole: the table says so instead of ranking.
    assert cards["top-customers"]["state"] == "forbidden"
    assert HIDDEN in cards["top-customers"]["text"]
    assert "$" not in cards["top-customers"]["text"]

    leaderboard = cards["leaderboard"]["rendered"]
    assert leaderboard["hidden"] == ["Won amount", "Open pipeline"]
    assert any(leaderboard["series"]["Won"])
    order_value = cards["order-value"]["rendered"]
    assert order_value["hidden"] == ["Total", "Average"]
    assert any(order_value["series"]["Orders"])

    # Billing is money only, and its views need a financial role: hidden as a whole,
    # no zeros.
    for name in ("receivables-ageing", "cashflow"):
        assert cards[name]["state"] == "forbidden", name
        assert cards[name]["rendered"]["hidden"] == ["*"], name
        assert HIDDEN in cards[name]["text"], name
        assert "$" not in cards[name]["text"] and cards[name]["datasets"] is None, name
    refused = server.query('{ cashflow(from: "2026-01-01", to: "2026-01-31") { invoiced } }', token)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # Campaign ROI is for the planners who read money: the leads of each still show.
    campaign_roi = cards["campaign-roi"]["rendered"]
    assert cards["campaign-roi"]["state"] == "ready"
    assert campaign_roi["hidden"] == ["ROI"]
    assert [label for label, _ in cards["campaign-roi"]["datasets"]] == ["Leads"]
    assert any(campaign_roi["series"]["Leads"])
    assert f"ROI: {HIDDEN}" in cards["campaign-roi"]["text"]

    # Counts, times and scores: every support chart shows in full.
    for name in (
        "interactions",
        "new-customers",
        "lifecycle",
        "orders-by-status",
        "lead-funnel",
        *SUPPORT_CHARTS,
    ):
        assert cards[name]["state"] == "ready", name
        assert cards[name]["rendered"]["hidden"] == [], name
    assert cards["support-backlog"]["rendered"]["kpis"]["Unsolved tickets"] > 0
    recorded.assert_stayed_on_this_server()


async def test_marketing_sees_billing_and_campaign_roi_hidden_and_the_leads_shown(
    page_server: DemoServer, browser: Any
) -> None:
    recorded = await _open_dashboards(browser, page_server, Role.MARKETING)
    cards = await _cards(recorded.page)
    # Marketing plans campaigns (their costs) but reads no invoice, payment or won amount.
    for name in ("receivables-ageing", "cashflow"):
        assert cards[name]["state"] == "forbidden", name
        assert HIDDEN in cards[name]["text"] and cards[name]["datasets"] is None, name
    campaign_roi = cards["campaign-roi"]["rendered"]
    assert campaign_roi["hidden"] == ["ROI"]
    assert any(campaign_roi["series"]["Leads"])
    funnel = cards["lead-funnel"]
    assert funnel["state"] == "ready" and funnel["rendered"]["hidden"] == []
    assert funnel["rendered"]["kpis"]["Leads"] == sum(funnel["rendered"]["series"]["Leads"]) > 0
    recorded.assert_stayed_on_this_server()


async def test_auto_refresh_after_a_change_shows_the_new_number(
    server: DemoServer, browser: Any
) -> None:
    recorded = await _open_dashboards(browser, server, Role.MANAGER, refresh="2")
    page = recorded.page
    before = (await _cards(page))["new-customers"]["rendered"]["kpis"]["Customers"]
    first_update = await page.get_attribute("#dash-updated", "data-at")

    token = server.sign_in(Role.MANAGER)
    created = server.query(
        'mutation { createCustomer(input: {firstName: "Ada", lastName: "Refresh"}) {'
        " customer { id } userErrors { code } } }",
        token,
    )
    assert created["data"]["createCustomer"]["userErrors"] == [], created

    # No click: the page asks again by itself every two seconds.
    await page.wait_for_function(
        "(before) => JSON.parse(document.querySelector('#dash-card-new-customers')"
        ".dataset.rendered).kpis.Customers === before + 1",
        arg=before,
    )
    assert await page.get_attribute("#dash-updated", "data-at") != first_update
    assert (await page.inner_text("#dash-updated")).startswith("Updated at ")
    recorded.assert_stayed_on_this_server()


async def test_a_failed_refresh_keeps_the_last_data_and_says_so(
    page_server: DemoServer, browser: Any
) -> None:
    recorded = await _open_dashboards(browser, page_server, Role.MANAGER, refresh="0")
    page = recorded.page
    before = await _cards(page)

    await page.route("**/graphql", lambda route: route.abort())
    await page.click("#dash-refresh-now")
    await page.locator("#dash-updated").filter(has_text="failed").wait_for()
    after = await _cards(page)
    for name, card in after.items():
        assert card["state"] == "stale", name
        assert card["rendered"] == before[name]["rendered"], name
        assert card["datasets"] == before[name]["datasets"], name
        assert re.search(r"Refresh at .* failed .*: showing data from ", card["text"]), name
    assert "they show their last data" in await page.inner_text("#dash-updated")

    await page.unroute("**/graphql")
    await page.click("#dash-refresh-now")
    await page.locator("#dash-updated").filter(has_text="Updated at").wait_for()
    assert {card["state"] for card in (await _cards(page)).values()} <= {"ready"}
    assert recorded.blocked == []


async def test_signing_out_of_the_dashboards_ends_the_session_and_removes_the_charts(
    page_server: DemoServer, browser: Any
) -> None:
    recorded = await _open_dashboards(browser, page_server, Role.MANAGER)
    page = recorded.page
    session = await page.evaluate("() => JSON.parse(sessionStorage.getItem('crm:session'))")
    async with page.expect_response(lambda r: "SignOut" in (r.request.post_data or "")):
        await page.click("#crm-sign-out")
    await page.locator("#dash-signed-out").wait_for()
    assert await page.locator(".dash-card").count() == 0
    assert session["token"] not in await storage(page, "sessionStorage")
    refused = page_server.query("{ me { role } }", session["token"])
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    recorded.assert_stayed_on_this_server()


async def test_dashboards_fit_a_phone_and_a_wall_screen_and_work_from_the_keyboard(
    page_server: DemoServer, browser: Any
) -> None:
    recorded = await _open_dashboards(browser, page_server, Role.MANAGER, viewport=PHONE)
    page = recorded.page
    layout = """() => ({
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      columns: new Set([...document.querySelectorAll('.dash-card')].map(c => c.offsetLeft)).size,
      heading: parseFloat(getComputedStyle(document.querySelector('.dash-card h3')).fontSize),
    })"""
    phone = await page.evaluate(layout)
    assert phone["overflow"] <= 0  # nothing sideways but the wide tables' own scrolling
    assert phone["columns"] == 1

    # Tab goes through the settings, then each chart's GraphiQL link and data table.
    reached = []
    for _ in range(60):
        await page.keyboard.press("Tab")
        reached.append(await page.evaluate(FOCUSED))
    assert "dash-refresh-now" in reached
    for name, card in (await _cards(page)).items():
        assert f"{name}: dash-graphiql" in reached, (name, reached)
        if card["datasets"] is not None:
            assert f"{name}: SUMMARY" in reached, (name, reached)
    await page.focus("#dash-card-revenue summary")
    await page.keyboard.press("Enter")
    table = page.locator("#dash-card-revenue details table")
    await table.wait_for()
    assert "2026-01" in await table.inner_text()

    await page.set_viewport_size(WALL)
    await page.wait_for_function("() => document.documentElement.scrollWidth <= innerWidth")
    wall = await page.evaluate(layout)
    assert wall["columns"] >= 3
    assert wall["heading"] > phone["heading"]
    recorded.assert_stayed_on_this_server()


async def test_the_screenshots_command_saves_the_dashboards_at_desktop_and_phone_width(
    page_server: DemoServer, browser: Any, tmp_path: Path
) -> None:
    saved = await save_screenshots(browser, page_server.url, tmp_path)
    assert [path.name for path in saved] == ["dashboards.png", "dashboards-phone.png"]
    sizes = []
    for path in saved:
        header = path.read_bytes()[:24]
        assert header.startswith(b"\x89PNG\r\n\x1a\n")
        sizes.append((int.from_bytes(header[16:20]), int.from_bytes(header[20:24])))
    desktop, phone = sizes
    assert desktop[0] == SCREENSHOT_DESKTOP["width"]
    assert desktop[1] > SCREENSHOT_DESKTOP["height"]  # the whole page, every section
    assert phone == (PHONE["width"], PHONE_HEIGHT)
