"""The ``crm-graphql`` command: serve, migrate, seed, export-schema."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from crm_graphql.settings import Settings, SettingsError, load_settings

app = typer.Typer(help="crm-graphql: a CRM backend serving one GraphQL API.", no_args_is_help=True)
console = Console(stderr=True)

#: Demo data made by ``serve --demo``: enough to explore, quick to make.
DEMO_CUSTOMERS = 300
DEMO_SEED = 42


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address [env CRM_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [env CRM_PORT].")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes [env CRM_WORKERS].")] = None,
    demo: Annotated[bool, typer.Option(help="Fill an empty database with demo data.")] = False,
    reload: Annotated[bool, typer.Option(help="Restart when the code changes.")] = False,
) -> None:
    """Run the HTTP server (GraphQL at /graphql).

    On the embedded SQLite database, migrations are applied first.
    """
    import uvicorn

    settings = _settings(host=host, port=port, workers=workers)
    if settings.is_sqlite:
        from crm_graphql.db.setup import migrate_database

        asyncio.run(migrate_database(settings))
    if demo:
        from crm_graphql.demo.generator import seed_if_empty

        created = asyncio.run(seed_if_empty(settings, DEMO_CUSTOMERS, DEMO_SEED))
        if created:
            console.print(f"demo data: {created} customers created")
        else:
            console.print("demo data: database already has customers, reusing it")
    # Workers and the reloader import the app afresh; they read the same variables.
    os.environ["CRM_DATABASE_URL"] = settings.database_url
    uvicorn.run(
        "crm_graphql.app:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=None if reload else settings.workers,
        reload=reload,
        log_level=settings.log_level,
    )


@app.command()
def migrate() -> None:
    """Apply the database migrations that have not been applied yet."""
    from crm_graphql.db.setup import migrate_database

    settings = _settings()
    asyncio.run(migrate_database(settings))
    console.print("migrations applied")


@app.command()
def seed(
    customers: Annotated[int, typer.Option(min=1, help="How many customers to create.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 42,
    batch_size: Annotated[int, typer.Option(min=100, help="Rows per INSERT.")] = 2000,
) -> None:
    """Fill the database with realistic demo data (companies, staff, products, history)."""
    from crm_graphql.demo.generator import seed_database

    settings = _settings()
    report = asyncio.run(seed_database(settings, customers, seed, batch_size=batch_size))
    console.print(report.summary())


@app.command("export-schema")
def export_schema(
    output: Annotated[Path, typer.Option(help="Where to write the SDL.")] = Path("schema.graphql"),
) -> None:
    """Write the GraphQL schema (SDL) generated from the code."""
    from crm_graphql.api.schema import schema_sdl

    output.write_text(schema_sdl())
    console.print(f"wrote {output}")


def main() -> None:
    """Entry point of the ``crm-graphql`` script."""
    app()
