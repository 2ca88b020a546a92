"""GraphiQL that works offline: the IDE page and the vendored browser assets it loads.

Strawberry's own page pulls React, GraphiQL and the explorer plugin from a public
CDN, so on a network without internet it never gets past "Loading...". This page
loads the same builds from ``crm_graphql/static/graphiql/`` (see the README there
for versions and licenses), served by the ``/static`` mount that :func:`graphiql_routes`
returns.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from html import escape
from string import Template

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from crm_graphql.settings import Settings

#: URL path the ``crm_graphql/static`` folder is served under.
STATIC_PATH = "/static"
#: Folder of the GraphiQL assets, inside ``crm_graphql/static``.
ASSET_FOLDER = "graphiql"


@dataclass(frozen=True)
class Asset:
    """A vendored file the page loads, with its Subresource Integrity hash."""

    file: str
    integrity: str


# Load order matters: the UMD builds find React, ReactDOM and GraphiQL as globals.
# The hashes pin the reviewed npm builds; the browser refuses a file that differs.
SCRIPTS = (
    Asset(
        "react.production.min.js",
        "sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8",
    ),
    Asset(
        "react-dom.production.min.js",
        "sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh",
    ),
    Asset(
        "graphiql.min.js",
        "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    ),
    Asset(
        "plugin-explorer.umd.js",
        "sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9",
    ),
)
STYLESHEETS = (
    Asset(
        "graphiql.min.css",
        "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
    ),
    Asset(
        "plugin-explorer.css",
        "sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi",
    ),
)

_DEFAULT_QUERY = """\
# The CRM's GraphQL API.
#
# Build a query with the Explorer (left bar),
# or type one here: Ctrl-Space completes names.
# Run it with Ctrl-Enter or the play button.
# Docs (left bar) describes every type and field.
#
# Credentials go in the Headers tab below, e.g.
#   {"Authorization": "Bearer <token>"}
# This browser keeps them across reloads.

{
  users(first: 5) {
    totalCount
  }
}
"""

# Fixed text, so that its hash can allow it in the Content-Security-Policy without
# allowing inline scripts in general. Nothing request-specific goes in here.
_BOOT_SCRIPT = (
    """
(function () {
  "use strict";
  var DEFAULT_QUERY = """
    + json.dumps(_DEFAULT_QUERY)
    + """;
  var params = new URLSearchParams(window.location.search);

  // The query and variables are kept in the address so that a link can be shared
  // (the welcome text is not worth a long URL). Headers are not: they may carry
  // credentials, which do not belong in URLs, browser history or proxy logs.
  function remember(name, value) {
    var next = new URLSearchParams(window.location.search);
    if (value && value !== DEFAULT_QUERY) {
      next.set(name, value);
    } else {
      next.delete(name);
    }
    var search = next.toString();
    history.replaceState(null, "", window.location.pathname + (search ? "?" + search : ""));
  }

  // Relative to the page, so it keeps working behind a proxy that adds a path prefix.
  var fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
  var explorer = GraphiQLPluginExplorer.explorerPlugin();

  function CrmGraphiQL() {
    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      plugins: [explorer],
      defaultQuery: DEFAULT_QUERY,
      query: params.get("q") || undefined,
      variables: params.get("variables") || undefined,
      onEditQuery: function (value) { remember("q", value); },
      onEditVariables: function (value) { remember("variables", value); },
      defaultEditorToolsVisibility: true,
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true
    });
  }

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(CrmGraphiQL));
})();
"""
)

_STYLE = """
body { margin: 0; }
#graphiql { height: 100vh; display: flex; }
.graphiql-explorer-actions select { margin-left: 4px; }
"""

_PAGE = Template(
    """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>CRM GraphQL - GraphiQL</title>
    <link rel="icon" href="data:,">
    <style>$style</style>
$stylesheets
  </head>
  <body>
    <div id="graphiql">Loading...</div>
$scripts
    <script>$boot</script>
  </body>
</html>
"""
)


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


#: Everything the page may load comes from this server. Inline styles are allowed
#: because GraphiQL's dialogs (Radix UI, through react-remove-scroll) add a <style>
#: element with computed content at run time and no nonce; a hash cannot cover it.
#: Inline scripts are not allowed, except the page's own by its hash. Fonts and the
#: icon are data: URLs inside the stylesheet and the page.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        f"script-src 'self' {_csp_hash(_BOOT_SCRIPT)}",
        "style-src 'self' 'unsafe-inline'",
        "connect-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)


def asset_url(root_path: str, asset: Asset) -> str:
    """The URL path of a vendored asset, under the application's root path."""
    return f"{root_path}{STATIC_PATH}/{ASSET_FOLDER}/{asset.file}"


def graphiql_html(root_path: str = "") -> str:
    """The GraphiQL page; ``root_path`` is the prefix the app is served under, if any."""

    def tag(template: str, asset: Asset) -> str:
        return template.format(
            url=escape(asset_url(root_path, asset)), integrity=escape(asset.integrity)
        )

    stylesheets = "\n".join(
        tag('    <link rel="stylesheet" href="{url}" integrity="{integrity}">', asset)
        for asset in STYLESHEETS
    )
    scripts = "\n".join(
        tag('    <script src="{url}" integrity="{integrity}"></script>', asset) for asset in SCRIPTS
    )
    return _PAGE.substitute(
        style=_STYLE, stylesheets=stylesheets, scripts=scripts, boot=_BOOT_SCRIPT
    )


def graphiql_response(request: Request) -> HTMLResponse:
    """The GraphiQL page as a response, with a Content-Security-Policy that keeps it offline."""
    root_path = request.scope.get("root_path", "").rstrip("/")
    return HTMLResponse(
        graphiql_html(root_path),
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
        },
    )


def graphiql_routes(settings: Settings) -> list[BaseRoute]:
    """The routes GraphiQL needs besides ``/graphql``: the static assets, when it is enabled.

    The files are found through the installed ``crm_graphql`` package, so this works
    from a wheel as well as from the source tree.
    """
    if not settings.graphiql:
        return []
    static = StaticFiles(packages=[("crm_graphql", "static")])
    return [Mount(STATIC_PATH, app=static, name="static")]
