"""What the server's browser pages (GraphiQL, the dashboards) share.

Each page is a small HTML document that loads files of ``crm_graphql/static/`` from
this server only: no CDN, no inline script, every file pinned by a Subresource
Integrity hash. Asset URLs carry a version (``?v=`` and a hash of the file), so
browsers may keep them for a year: a changed file gets a new URL. The sign-in bar
(its form and its script, ``static/session/``) is the same on every page.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterable, Mapping
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
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from crm_graphql.settings import Settings

#: URL path the ``crm_graphql/static`` folder is served under.
STATIC_PATH = "/static"
#: Folders of ``crm_graphql/static`` that are always served: the sign-in bar's, the
#: dashboards'. GraphiQL's only while GraphiQL is on.
ASSET_FOLDERS = ("session", "dashboards")
GRAPHIQL_FOLDER = "graphiql"

#: Cache-Control of an asset requested with its current version: a changed file has
#: another URL, so the old one may be kept "forever".
IMMUTABLE = "public, max-age=31536000, immutable"
#: Cache-Control of an asset requested without it: ask again (the ETag makes that cheap).
REVALIDATE = "no-cache"


@dataclass(frozen=True)
class Asset:
    """A file of ``crm_graphql/static/<folder>/`` that a page loads, with its integrity hash.

    Vendored npm builds are pinned to the reviewed hash (the browser refuses a file
    that differs); this project's own files get theirs computed from the file.
    """

    folder: str
    file: str
    integrity: str | None = None

    @property
    def content(self) -> bytes:
        """The file's bytes, from the installed package."""
        return _read(self.folder, self.file)

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
        return asset_version(self.folder, self.file)

    def url(self, root_path: str = "") -> str:
        """The asset's URL, under the application's root path, with its version."""
        return f"{root_path}{STATIC_PATH}/{self.folder}/{self.file}?v={self.version}"


@cache
def _read(folder: str, file: str) -> bytes:
    return files("crm_graphql").joinpath("static", folder, file).read_bytes()


@cache
def asset_version(folder: str, file: str) -> str:
    """The version of an asset: the start of its SHA-256."""
    return hashlib.sha256(_read(folder, file)).hexdigest()[:16]


#: The sign-in bar's script and stylesheet, loaded by every page before its own.
SESSION_SCRIPT = Asset("session", "crm-session.js")
SESSION_STYLESHEET = Asset("session", "crm-session.css")

#: The sign-in bar. ``crm-session.js`` sends the form (``login``), keeps the token in
#: sessionStorage and signs out; ``$title`` names the page, ``$links`` lead to the others,
#: ``$signed_out`` is shown while nobody is signed in.
_SESSION_FORM = Template(
    """<form id="crm-session" class="crm-session" autocomplete="on">
      <span class="crm-session-title">$title</span>
      <span id="crm-session-fields">
        <label>E-mail <input id="crm-email" name="email" type="email"
          autocomplete="username" required></label>
        <label>Password <input id="crm-password" name="password" type="password"
          autocomplete="current-password" required></label>
        <button id="crm-sign-in" type="submit">Sign in</button>
      </span>
      <span id="crm-session-status" class="crm-session-status" role="status"
        data-signed-out="$signed_out"></span>
      <button id="crm-sign-out" type="button" hidden>Sign out</button>
      <nav class="crm-session-links" aria-label="Pages">$links</nav>
    </form>"""
)

_PAGE = Template(
    """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>$title</title>
    <link rel="icon" href="data:,">
$stylesheets
  </head>
  <body$body_attributes>
    $session_form
$body
$scripts
  </body>
</html>
"""
)


def content_security_policy(*, inline_styles: bool = False) -> str:
    """Everything a page may load comes from this server, and no inline script runs.

    Fonts and the icon are data: URLs. The sign-in form is sent by the script, never
    by the browser (``form-action 'none'``). ``inline_styles`` allows ``<style>``
    elements, which GraphiQL's dialogs insert at run time with computed content.
    """
    styles = "style-src 'self' 'unsafe-inline'" if inline_styles else "style-src 'self'"
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            styles,
            "connect-src 'self'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


def page_headers(policy: str) -> dict[str, str]:
    """The headers of a page: its Content-Security-Policy and the other protections."""
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        # Frames: frame-ancestors for current browsers, X-Frame-Options for older ones.
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
        # The page is small and names the current asset versions: always fetch it anew.
        "Cache-Control": "no-cache",
    }


@dataclass(frozen=True)
class Page:
    """A browser page: its title, its own assets and markup; the sign-in bar comes first."""

    title: str
    heading: str
    #: What the sign-in bar says while nobody is signed in.
    signed_out: str
    stylesheets: tuple[Asset, ...]
    scripts: tuple[Asset, ...]
    body: str
    policy: str

    def html(
        self,
        root_path: str = "",
        links: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
    ) -> str:
        """The page; ``root_path`` is the prefix the app is served under, if any,
        ``links`` (text to path) lead to the other pages, and ``data`` become ``data-*``
        attributes of ``<body>`` (settings for the scripts)."""

        def tags(template: str, assets: Iterable[Asset]) -> str:
            return "\n".join(
                template.format(url=escape(asset.url(root_path)), integrity=asset.sri)
                for asset in assets
            )

        anchors = " ".join(
            f'<a href="{escape(root_path + path)}">{escape(text)}</a>'
            for text, path in (links or {}).items()
        )
        attributes = "".join(
            f' data-{name}="{escape(value)}"' for name, value in (data or {}).items()
        )
        return _PAGE.substitute(
            title=escape(self.title),
            stylesheets=tags(
                '    <link rel="stylesheet" href="{url}" integrity="{integrity}">',
                (SESSION_STYLESHEET, *self.stylesheets),
            ),
            body_attributes=attributes,
            session_form=_SESSION_FORM.substitute(
                title=escape(self.heading), signed_out=escape(self.signed_out), links=anchors
            ),
            body=self.body,
            scripts=tags(
                '    <script src="{url}" integrity="{integrity}"></script>',
                (SESSION_SCRIPT, *self.scripts),
            ),
        )

    def response(
        self,
        request: Request,
        links: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        """The page as a response, with its security headers."""
        root_path = request.scope.get("root_path", "").rstrip("/")
        return HTMLResponse(self.html(root_path, links, data), headers=page_headers(self.policy))

    @property
    def assets(self) -> tuple[Asset, ...]:
        """Every file the page loads, sign-in bar included."""
        return (SESSION_STYLESHEET, *self.stylesheets, SESSION_SCRIPT, *self.scripts)


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


def static_mount(settings: Settings) -> Mount:
    """``/static``: the pages' assets (GraphiQL's only while it is served), found through
    the installed ``crm_graphql`` package, so this works from a wheel as well as from
    the source tree."""
    folders = [*ASSET_FOLDERS, *([GRAPHIQL_FOLDER] if settings.graphiql else [])]
    return Mount(
        STATIC_PATH,
        routes=[
            Mount(
                f"/{folder}",
                app=VersionedStaticFiles(packages=[("crm_graphql", f"static/{folder}")]),
            )
            for folder in folders
        ],
        name="static",
    )
