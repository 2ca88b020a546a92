"""GraphiQL that works offline: the IDE page and the browser assets it loads.

Strawberry's own page pulls React, GraphiQL and the explorer plugin from a public
CDN, so on a network without internet it never gets past "Loading...". This page
loads the same builds from ``crm_graphql/static/graphiql/`` (see the README there
for versions and licenses), plus this project's own script (GraphiQL's set-up) and
stylesheet; the sign-in bar is the one every page shares (:mod:`crm_graphql.api.pages`).

A link may open the page with a query and its variables: ``/graphql?q=...&variables=...``
(the dashboards' "Open in GraphiQL" links do).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from crm_graphql.api.pages import GRAPHIQL_FOLDER, Asset, Page, content_security_policy

#: Folder of the GraphiQL assets, inside ``crm_graphql/static``.
ASSET_FOLDER = GRAPHIQL_FOLDER

# Load order matters: the UMD builds find React, ReactDOM and GraphiQL as globals,
# and the page's own script uses all of them.
SCRIPTS = (
    Asset(
        ASSET_FOLDER,
        "react.production.min.js",
        "sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8",
    ),
    Asset(
        ASSET_FOLDER,
        "react-dom.production.min.js",
        "sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh",
    ),
    Asset(
        ASSET_FOLDER,
        "graphiql.min.js",
        "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    ),
    Asset(
        ASSET_FOLDER,
        "plugin-explorer.umd.js",
        "sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9",
    ),
    Asset(ASSET_FOLDER, "crm-graphiql.js"),
)
STYLESHEETS = (
    Asset(
        ASSET_FOLDER,
        "graphiql.min.css",
        "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
    ),
    Asset(
        ASSET_FOLDER,
        "plugin-explorer.css",
        "sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi",
    ),
    Asset(ASSET_FOLDER, "crm-graphiql.css"),
)

#: Inline styles are allowed because GraphiQL's dialogs (Radix UI, through
#: react-remove-scroll) add a <style> element with computed content at run time and
#: no nonce; a hash cannot cover it. Scripts still come from this server only.
CONTENT_SECURITY_POLICY = content_security_policy(inline_styles=True)

GRAPHIQL_PAGE = Page(
    title="CRM GraphQL - GraphiQL",
    heading="CRM GraphQL",
    signed_out="Not signed in: the documentation works, queries need a sign-in.",
    stylesheets=STYLESHEETS,
    scripts=SCRIPTS,
    body='    <div id="graphiql">Loading...</div>',
    policy=CONTENT_SECURITY_POLICY,
)


def graphiql_html(root_path: str = "") -> str:
    """The GraphiQL page; ``root_path`` is the prefix the app is served under, if any."""
    return GRAPHIQL_PAGE.html(root_path, links={"Dashboards": "/dashboards"})


def graphiql_response(request: Request) -> HTMLResponse:
    """The GraphiQL page as a response, with a Content-Security-Policy that keeps it offline."""
    return GRAPHIQL_PAGE.response(request, links={"Dashboards": "/dashboards"})
