"""The loop the module view benchmarks share: each view once to record its SQL and the
paths that served its aggregates, then the API, that SQL and (unless left out) the same
API with the rollups off, alternately (see :func:`benchmarks.dashboard_views.measure`),
and the table of medians they print."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import asyncmy
import httpx

from benchmarks.dashboard_views import Row, capture, explain, measure
from crm_graphql.app import create_app
from crm_graphql.settings import Settings


@asynccontextmanager
async def rows_client(
    settings: Settings, client: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    """A second app over the same database with ``analytics_rollups`` off, signed in as
    ``client`` is: every aggregate reads the rows."""
    without = settings.model_copy(update={"analytics_rollups": False})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(without)),
        base_url="http://bench",
        headers={"Authorization": client.headers["Authorization"]},
    ) as rows:
        yield rows


async def measure_views(
    client: httpx.AsyncClient,
    connection: asyncmy.Connection,
    views: Iterable[tuple[str, str]],
    runs: int,
    *,
    show_plans: bool = False,
    rows: httpx.AsyncClient | None = None,
) -> list[Row]:
    """Medians of every ``(name, document)``, printed as they come; with ``show_plans``
    each statement's EXPLAIN first (the session check left out); with ``rows`` also
    through that client (the rollups off)."""
    measured: list[Row] = []
    for name, document in views:
        statements, path = await capture(client, name, document)
        if show_plans:
            for statement in statements:
                if not statement.authentication:
                    print(f"  {name}: {' '.join(statement.sql.split())[:300]}")
                    await explain(connection, statement, False)
        row = await measure(client, connection, name, document, statements, runs, rows)
        row.path = path
        measured.append(row)
        print(
            f"  {name}: API {row.api_ms:.1f} ms, SQL {row.sql_ms:.1f} ms"
            + (f", rows {row.rows_ms:.1f} ms ({path})" if rows is not None else ""),
            flush=True,
        )
    return measured


def print_views_table(rows: list[Row], *, target: bool = True) -> None:
    """The Markdown table of ``rows`` (with the verdict against the view targets, and
    the rollups-off medians when measured)."""
    width = max([len("view"), *(len(row.view) for row in rows)])
    with_rows = any(row.rows_ms for row in rows)
    columns = f"| {'view':<{width}} | API median | raw SQL median | ratio | statements |"
    if with_rows:
        columns += " rows (no rollups) | speed-up | path         |"
    header = columns + (" target |" if target else "")
    print(header)
    print("|" + "|".join("-" * len(part) for part in header.split("|")[1:-1]) + "|")
    for row in rows:
        line = (
            f"| {row.view:<{width}} | {row.api_ms:7.1f} ms | {row.sql_ms:11.1f} ms "
            f"| {row.ratio:5.2f} | {len(row.statements):10d} |"
        )
        if with_rows:
            speedup = row.rows_ms / row.api_ms if row.api_ms > 0 else 0.0
            line += f" {row.rows_ms:14.1f} ms | {speedup:7.1f}x | {row.path:<12} |"
        print(line + (f" {row.verdict} |" if target else ""))
    print(
        "\nStatements include the one that checks the caller's session; the raw side runs "
        "them one after another on one connection."
        + (
            ' "rows": the same API with the rollups off, in alternating runs; "path": '
            "which path served the view's aggregates with them on."
            if with_rows
            else ""
        )
    )
