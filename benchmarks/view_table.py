"""The loop the module view benchmarks share: each view once to record its SQL, then the
API and that SQL alternately (see :func:`benchmarks.dashboard_views.measure`), and the
table of medians they print."""

from __future__ import annotations

from collections.abc import Iterable

import asyncmy
import httpx

from benchmarks.dashboard_views import Row, capture, explain, measure


async def measure_views(
    client: httpx.AsyncClient,
    connection: asyncmy.Connection,
    views: Iterable[tuple[str, str]],
    runs: int,
    *,
    show_plans: bool = False,
) -> list[Row]:
    """Medians of every ``(name, document)``, printed as they come; with ``show_plans``
    each statement's EXPLAIN first (the session check left out)."""
    rows: list[Row] = []
    for name, document in views:
        statements = await capture(client, name, document)
        if show_plans:
            for statement in statements:
                if not statement.authentication:
                    print(f"  {name}: {' '.join(statement.sql.split())[:300]}")
                    await explain(connection, statement, False)
        row = await measure(client, connection, name, document, statements, runs)
        rows.append(row)
        print(f"  {name}: API {row.api_ms:.1f} ms, SQL {row.sql_ms:.1f} ms", flush=True)
    return rows


def print_views_table(rows: list[Row], *, target: bool = True) -> None:
    """The Markdown table of ``rows`` (with the verdict against the view targets)."""
    width = max([len("view"), *(len(row.view) for row in rows)])
    columns = f"| {'view':<{width}} | API median | raw SQL median | ratio | statements |"
    header = columns + (" target |" if target else "")
    print(header)
    print("|" + "|".join("-" * len(part) for part in header.split("|")[1:-1]) + "|")
    for row in rows:
        line = (
            f"| {row.view:<{width}} | {row.api_ms:7.1f} ms | {row.sql_ms:11.1f} ms "
            f"| {row.ratio:5.2f} | {len(row.statements):10d} |"
        )
        print(line + (f" {row.verdict} |" if target else ""))
    print(
        "\nStatements include the one that checks the caller's session; the raw side runs "
        "them one after another on one connection."
    )
