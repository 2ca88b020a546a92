"""GraphiQL that works offline: the IDE page and the browser assets it loads.

Strawberry's own page pulls React, GraphiQL and the explorer plugin from a public
CDN, so on a network without internet it never gets past "Loading...". This page
loads the same builds from ``crm_graphql/static/graphiql/`` (see the README there
for versions and licenses), plus this project's own script (the sign-in form and
GraphiQL's set-up) and stylesheet, served by the ``/static`` mount that
:func:`graphiql_routes` returns.

Asset URLs carry a version (``?v=`` and a hash of the file), so browsers may keep
them for a year: a changed file gets a new URL.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib.resources import files
from os import PathLike
from pathlib import Path
from string import Template
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from crm_graphql.settings import Settings

#: URL path the ``crm_graphql/static`` folder is served under.
STATIC_PATH = "/static"
#: Folder of the GraphiQL assets, inside ``crm_graphql/static``.
ASSET_FOLDER = "graphiql"

#: Cache-Control of an asset requested with its current version: a changed file has
#: another URL, so the old one may be kept "forever".
IMMUTABLE = "public, max-age=31536000, immutable"
#: Cache-Control of an asset requested without it: ask again (the ETag makes that cheap).
REVALIDATE = "no-cache"


@dataclass(frozen=True)
class Asset:
    """A file the page loads, with its Subresource Integrity hash.

    The vendored npm builds are pinned to the reviewed hash (the browser refuses a
    file that differs); this project's own files get theirs computed from the file.
    """

    file: str
    integrity: str | None = None

    @property
    def content(self) -> bytes:
        """The file's bytes, from the installed package."""
        return _read(self.file)

    @property
    def sri(self) -> str:
        """The ``integrity`` attribute of the page's tag."""
        return (
            self.integrity
            or "sha384-" + base64.b64encode(hashlib.sha384(self.content).digest()).decode()
        )

    @property
    def version(self) -> str:
        """A short hash of the content, put in the URL."""
        return asset_version(self.file)


@cache
def _read(file: str) -> bytes:
    return files("crm_graphql").joinpath("static", ASSET_FOLDER, file).read_bytes()


@cache
def asset_version(file: str) -> str:
    """The version of an asset of the GraphiQL folder: the start of its SHA-256."""
    return hashlib.sha256(_read(file)).hexdigest()[:16]


# Load order matters: the UMD builds find React, ReactDOM and GraphiQL as globals,
# and the page's own script uses all of them.
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
    Asset("crm-graphiql.js"),
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
    Asset("crm-graphiql.css"),
)

# No inline script or style: everything the page runs is a file of this server.
_PAGE = Template(
    """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>CRM GraphQL - GraphiQL</title>
    <link rel="icon" href="data:,">
$stylesheets
  </head>
  <body>
    <form id="crm-session" class="crm-session" autocomplete="on">
      <span class="crm-session-title">CRM GraphQL</span>
      <span id="crm-session-fields">
        <label>E-mail <input id="crm-email" name="email" type="email"
          autocomplete="username" required></label>
        <label>Password <input id="crm-password" name="password" type="password"
          autocomplete="current-password" required></label>
        <button id="crm-sign-in" type="submit">Sign in</button>
      </span>
      <span id="crm-session-status" class="crm-session-status" role="status"></span>
      <button id="crm-sign-out" type="button" hidden>Sign out</button>
    </form>
    <div id="graphiql">Loading...</div>
$scripts
  </body>
</html>
"""
)

#: Everything the page may load comes from this server, and no inline script runs.
#: Inline styles are allowed because GraphiQL's dialogs (Radix UI, through
#: react-remove-scroll) add a <style> element with computed content at run time and
#: no nonce; a hash cannot cover it. Fonts and the icon are data: URLs. The sign-in
#: form is sent by the script, never by the browser (form-action 'none').
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "connect-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)

#: Headers of the page besides the policy.
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Frames: frame-ancestors for current browsers, X-Frame-Options for older ones.
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    # The page is small and names the current asset versions: always fetch it anew.
    "Cache-Control": "no-cache",
}


def asset_url(root_path: str, asset: Asset) -> str:
    """The URL of an asset, under the application's root path, with its version."""
    return f"{root_path}{STATIC_PATH}/{ASSET_FOLDER}/{asset.file}?v={asset.version}"


def graphiql_html(root_path: str = "") -> str:
    """The GraphiQL page; ``root_path`` is the prefix the app is served under, if any."""

    def tag(template: str, asset: Asset) -> str:
        return template.format(url=escape(asset_url(root_path, asset)), integrity=asset.sri)

    stylesheets = "\n".join(
        tag('    <link rel="stylesheet" href="{url}" integrity="{integrity}">', asset)
        for asset in STYLESHEETS
    )
    scripts = "\n".join(
        tag('    <script src="{url}" integrity="{integrity}"></script>', asset) for asset in SCRIPTS
    )
    return _PAGE.substitute(stylesheets=stylesheets, scripts=scripts)


def graphiql_response(request: Request) -> HTMLResponse:
    """The GraphiQL page as a response, with a Content-Security-Policy that keeps it offline."""
    root_path = request.scope.get("root_path", "").rstrip("/")
    return HTMLResponse(graphiql_html(root_path), headers=PAGE_HEADERS)


class VersionedStaticFiles(StaticFiles):
    """Static files with cache headers: long-lived when the URL names the file's
    current version, revalidated (ETag, Last-Modified) otherwise."""

    def file_response(
        self,
        full_path: str | PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        """Starlette's file response (or 304), plus Cache-Control and nosniff."""
        response = super().file_response(full_path, stat_result, scope, status_code)
        asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v", [""])[0]
        current = _file_version(str(full_path), stat_result.st_mtime_ns, stat_result.st_size)
        response.headers["Cache-Control"] = IMMUTABLE if asked == current else REVALIDATE
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


@cache
def _file_version(path: str, mtime_ns: int, size: int) -> str:
    # Keyed by modification time and size too: a replaced file is hashed again.
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def graphiql_routes(settings: Settings) -> list[BaseRoute]:
    """The routes GraphiQL needs besides ``/graphql``: the static assets, when it is enabled.

    The files are found through the installed ``crm_graphql`` package, so this works
    from a wheel as well as from the source tree.
    """
    if not settings.graphiql:
        return []
    static = VersionedStaticFiles(packages=[("crm_graphql", "static")])
    return [Mount(STATIC_PATH, app=static, name="static")]
