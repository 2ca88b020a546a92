"""The ``crm-graphql`` command: serve, worker, migrate, seed, create-user, export-schema."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
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
    demo: Annotated[
        bool,
        typer.Option(
            help="Fill an empty database with demo data, add one user per role "
            "(<role>@example.com, password demo-password) and, when CRM_JWT_SECRET is "
            "not set, use a random one."
        ),
    ] = False,
    reload: Annotated[bool, typer.Option(help="Restart when the code changes.")] = False,
) -> None:
    """Run the HTTP server (GraphQL at /graphql).

    On the embedded SQLite database, migrations are applied first.
    """
    import uvicorn

    settings = _settings(host=host, port=port, workers=workers)
    if demo and not (settings.jwt_secret and settings.jwt_secret.get_secret_value()):
        # A demo must start with nothing configured; its sessions end with the process.
        settings = _settings(
            host=host, port=port, workers=workers, jwt_secret=secrets.token_urlsafe(48)
        )
        console.print(
            "demo: CRM_JWT_SECRET is not set, generated a random one for this run "
            "(tokens stop working when the server restarts)"
        )
    try:
        settings.validate_for_serving()
    except SettingsError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if settings.is_sqlite:
        from crm_graphql.db.setup import migrate_database
        from crm_graphql.modules import database_config

        asyncio.run(migrate_database(database_config(settings)))
    if demo:
        from crm_graphql.demo.seed import seed_if_empty

        created = asyncio.run(seed_if_empty(settings, DEMO_CUSTOMERS, DEMO_SEED))
        if created:
            console.print(f"demo data: {created} customers created")
        else:
            console.print("demo data: database already has customers, reusing it")
        asyncio.run(_demo_users(settings))
    # Workers and the reloader import the app afresh; they read the same variables.
    os.environ["CRM_DATABASE_URL"] = settings.database_url
    if settings.jwt_secret is not None:
        os.environ["CRM_JWT_SECRET"] = settings.jwt_secret.get_secret_value()
    from crm_graphql.api.observability.logs import logging_config
    from crm_graphql.api.observability.workers import metrics_shared_by_workers

    workers = 1 if reload else settings.workers
    with metrics_shared_by_workers(workers) as metrics_folder:
        if metrics_folder:
            console.print(f"metrics of the {workers} workers are added up in {metrics_folder}")
        uvicorn.run(
            "crm_graphql.app:app_from_env",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=None if reload else workers,
            reload=reload,
            log_level=settings.log_level,
            log_config=logging_config(settings),
            # One line per request comes from the app, with more in it than uvicorn knows.
            access_log=False,
            # X-Forwarded-For is trusted only from CRM_TRUSTED_PROXIES, by the app itself;
            # uvicorn's default would trust it from 127.0.0.1 (and FORWARDED_ALLOW_IPS).
            proxy_headers=False,
            forwarded_allow_ips=[],
            # SIGTERM: stop accepting, let in-flight requests finish for this long, then
            # run the lifespan's shutdown (which closes the connection pool).
            # uvicorn annotates it as int; it is a timeout in seconds, fractions work.
            timeout_graceful_shutdown=settings.shutdown_timeout,  # type: ignore[arg-type]
            # Half-sent requests (slow headers or body) are cut: CRM_HEADER_TIMEOUT_SECONDS
            # and CRM_BODY_TIMEOUT_SECONDS.
            http="crm_graphql.api.limits.protocol:TimedHttpToolsProtocol",
        )


@app.command()
def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, max=1000, help="Runs at once (default: CRM_EVENTS_CONCURRENCY)."),
    ] = None,
    import_: Annotated[
        list[str] | None,
        typer.Option(
            "--import",
            help="Also import this module of subscribers (repeatable), e.g. tests.events.handlers.",
        ),
    ] = None,
) -> None:
    """Run the event worker: relay the outbox to the job queue (CRM_BROKER_URL), fire
    scheduled events, and run subscribers from the queue, until SIGTERM or Ctrl-C.

    Without CRM_BROKER_URL it runs the subscribers in this process.
    """
    import logging.config

    from crm_graphql.api.observability.logs import logging_config
    from crm_graphql.events.worker import run_worker
    from crm_graphql.modules import database_config, subscriber_modules

    settings = _settings()
    log_config = logging_config(settings)
    # taskiq logs every message it runs at INFO; our own log says what matters.
    log_config["loggers"]["taskiq"] = {"level": "WARNING"}
    logging.config.dictConfig(log_config)
    if settings.is_sqlite:  # as `serve` does: the embedded database needs no setup
        from crm_graphql.db.setup import migrate_database

        asyncio.run(migrate_database(database_config(settings)))
    modules = [*subscriber_modules(), *settings.events_subscriber_modules, *(import_ or [])]
    asyncio.run(
        run_worker(
            settings,
            config=database_config(settings),
            concurrency=concurrency,
            modules=modules,
        )
    )


@app.command()
def migrate() -> None:
    """Apply the database migrations that have not been applied yet."""
    from crm_graphql.db.setup import migrate_database
    from crm_graphql.modules import database_config

    settings = _settings()
    asyncio.run(migrate_database(database_config(settings)))
    console.print("migrations applied")


@app.command()
def seed(
    customers: Annotated[int, typer.Option(min=1, help="How many customers to create.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 42,
    batch_size: Annotated[int, typer.Option(min=100, help="Rows per INSERT.")] = 2000,
    interactions_per_customer: Annotated[
        float | None,
        typer.Option(min=0, help="Mean interactions per customer (default 20; skewed draws)."),
    ] = None,
    orders_per_customer: Annotated[
        float | None,
        typer.Option(min=0, help="Mean orders per customer (default 5; skewed draws)."),
    ] = None,
    opportunities_per_customer: Annotated[
        float | None,
        typer.Option(min=0, help="Mean opportunities per customer (default 2; skewed draws)."),
    ] = None,
    tickets: Annotated[
        int | None,
        typer.Option(min=0, help="Support tickets to create (default 0.6 per customer)."),
    ] = None,
    comments_per_ticket: Annotated[
        float | None,
        typer.Option(min=0, help="Mean comments per support ticket (default 4)."),
    ] = None,
    campaigns: Annotated[
        int | None,
        typer.Option(min=0, help="Marketing campaigns to create (default 1 per 200 customers)."),
    ] = None,
    members_per_campaign: Annotated[
        int | None,
        typer.Option(min=0, help="Members per campaign (default 300)."),
    ] = None,
) -> None:
    """Fill the database with realistic demo data (companies, staff, products, history);
    migrations not applied yet are applied first."""
    from crm_graphql.db.setup import migrate_database
    from crm_graphql.demo.history import History
    from crm_graphql.demo.seed import seed_database
    from crm_graphql.modules import database_config

    settings = _settings()
    asyncio.run(migrate_database(database_config(settings)))
    # Options left out keep the generator's defaults (and so the data a seed gave before).
    means = {
        "interactions": interactions_per_customer,
        "orders": orders_per_customer,
        "opportunities": opportunities_per_customer,
    }
    history = History(**{name: value for name, value in means.items() if value is not None})
    # Options of the modules' demo steps; those left out keep the steps' defaults.
    given = {"tickets": tickets, "comments_per_ticket": comments_per_ticket}
    given.update(campaigns=campaigns, members_per_campaign=members_per_campaign)
    options = {name: value for name, value in given.items() if value is not None}
    report = asyncio.run(
        seed_database(
            settings, customers, seed, batch_size=batch_size, history=history, options=options
        )
    )
    console.print(report.summary())


async def _demo_users(settings: Settings) -> None:
    from crm_graphql.api.roles import Role
    from crm_graphql.db.setup import open_database
    from crm_graphql.domains.auth.services import DEMO_PASSWORD, demo_email, ensure_demo_users
    from crm_graphql.modules import database_config

    async with open_database(database_config(settings)):
        created = await ensure_demo_users()
    what = f"{created} created" if created else "already there"
    console.print(
        f"demo users ({what}): {', '.join(demo_email(role) for role in Role)}; "
        f"password {DEMO_PASSWORD!r}"
    )


def _read_password(password_stdin: bool) -> str:
    if password_stdin or not sys.stdin.isatty():
        # The whole first line, without its line break; blanks are part of a password.
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@app.command("create-user")
def create_user(
    email: Annotated[str, typer.Option(help="E-mail address; the user signs in with it.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    role: Annotated[
        str, typer.Option(help="ADMIN, MANAGER, SALES, SUPPORT, MARKETING or ANALYST.")
    ],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from the first line of stdin (also when stdin is not a "
            "terminal); otherwise it is asked for twice.",
        ),
    ] = False,
) -> None:
    """Create a user who signs in with a password, e.g. the first ADMIN."""
    from crm_graphql.api.errors import CrmError
    from crm_graphql.api.roles import Role
    from crm_graphql.db.setup import open_database
    from crm_graphql.domains.users import services
    from crm_graphql.modules import database_config

    try:
        chosen = Role(role.strip().upper())
    except ValueError:
        console.print(f"[red]error:[/red] unknown role {role!r}: use one of {', '.join(Role)}")
        raise typer.Exit(2) from None
    settings = _settings()
    password = _read_password(password_stdin)

    async def run() -> int:
        if settings.is_sqlite:  # as `serve` does: the embedded database needs no setup
            from crm_graphql.db.setup import migrate_database

            await migrate_database(database_config(settings))
        async with open_database(database_config(settings)):
            user = await services.create_user(email, name, chosen, password)
            return user.pk

    try:
        user_id = asyncio.run(run())
    except CrmError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from None
    console.print(f"created {chosen.value} user {services.normalise_email(email)} (id {user_id})")


@app.command("purge-sessions")
def purge_sessions() -> None:
    """Delete expired refresh tokens, ended sessions and old failed logins (the server
    also does it every CRM_SESSION_PURGE_MINUTES)."""
    from crm_graphql.db.setup import open_database
    from crm_graphql.domains.auth.services import purge_expired
    from crm_graphql.modules import database_config

    settings = _settings()

    async def run() -> dict[str, int]:
        async with open_database(database_config(settings)):
            return await purge_expired(settings)

    counts = asyncio.run(run())
    console.print("deleted " + ", ".join(f"{count} {name}" for name, count in counts.items()))


@app.command("rebuild-campaign-tally")
def rebuild_campaign_tally() -> None:
    """Count every campaign's members per status again into the tally the campaign
    results read (after members were loaded into the database by other means)."""
    from tortoise.transactions import in_transaction

    from crm_graphql.db.setup import open_database
    from crm_graphql.domains.marketing.members import rebuild_tally
    from crm_graphql.modules import database_config

    settings = _settings()

    async def run() -> int:
        async with open_database(database_config(settings)), in_transaction():
            return await rebuild_tally()

    console.print(f"campaign member tally rebuilt: {asyncio.run(run())} rows")


rollups_app = typer.Typer(
    help="The dashboards' rollup tables: rebuild them from the records, or check them.",
    no_args_is_help=True,
)
app.add_typer(rollups_app, name="rollups")


def _chosen(only: list[str] | None) -> set[str] | None:
    """The rollup and tally names ``--only`` names (None: every one); an unknown name
    stops the command with the list of known ones."""
    from crm_graphql.api.aggregation import rollups, samples, tallies

    if not only:
        return None
    known = [r.name for r in rollups.registered()] + [t.name for t in tallies.registered()]
    known += [s.name for s in samples.registered()]
    unknown = sorted(set(only) - set(known))
    if unknown:
        console.print(f"[red]unknown rollup or tally: {', '.join(unknown)}[/red]")
        console.print(f"known: {', '.join(known)}", highlight=False)
        raise typer.Exit(2)
    return set(only)


_ONLY_HELP = "A rollup, tally or samples by name (repeatable); without it, every one."


@rollups_app.command("rebuild")
def rollups_rebuild(
    only: Annotated[list[str] | None, typer.Option("--only", help=_ONLY_HELP)] = None,
) -> None:
    """Count every rollup again from the records in SQL, one rollup and month per
    transaction (the server may keep serving: changes of the month being counted wait
    for it), every per-customer tally, and the samples of each month. After a migration
    that adds a rollup, ``--only`` counts just that one."""
    from crm_graphql.api.aggregation import rollups, samples, tallies
    from crm_graphql.db.setup import open_database
    from crm_graphql.modules import database_config

    settings = _settings()

    def progress(rollup: rollups.Rollup, batch: rollups.Batch, cells: int) -> None:
        console.print(f"  {rollup.name} {batch.label}: {cells} cells", highlight=False)

    async def run() -> int:
        async with open_database(database_config(settings)):
            chosen = _chosen(only)  # the models, with their rollups, are loaded now
            picked = [
                [r for r in group if chosen is None or r.name in chosen]
                for group in rollups.by_source()
            ]
            cells = await rollups.rebuild_groups(picked, progress=progress)
            for tally in tallies.registered():
                if chosen is None or tally.name in chosen:
                    rows = await tallies.rebuild(tally)
                    console.print(f"  {tally.name}: {rows} rows", highlight=False)
                    cells += rows
            for kind in samples.registered():
                if chosen is None or kind.name in chosen:
                    rows = await samples.rebuild(kind)
                    console.print(f"  {kind.name}: {rows} cells", highlight=False)
                    cells += rows
            return cells

    console.print(f"rollups rebuilt: {asyncio.run(run())} cells")


@rollups_app.command("repair")
def rollups_repair(
    only: Annotated[list[str] | None, typer.Option("--only", help=_ONLY_HELP)] = None,
) -> None:
    """Count the minimums and maximums of every stale rollup cell again from its records
    (a cell goes stale when a record holding its extreme leaves it; the event the change
    writes has the worker do this, this command catches up), a cell per transaction."""
    from crm_graphql.api.aggregation import rollups
    from crm_graphql.db.setup import open_database
    from crm_graphql.modules import database_config

    settings = _settings()

    async def run() -> int:
        async with open_database(database_config(settings)):
            chosen = _chosen(only)  # the models, with their rollups, are loaded now
            repaired = 0
            for rollup in rollups.registered():
                if chosen is None or rollup.name in chosen:
                    repaired += await rollups.repair(rollup)
            return repaired

    console.print(f"stale cells repaired: {asyncio.run(run())}")


@rollups_app.command("verify")
def rollups_verify(
    show: Annotated[int, typer.Option(min=0, help="Differences to print at most.")] = 20,
    only: Annotated[list[str] | None, typer.Option("--only", help=_ONLY_HELP)] = None,
) -> None:
    """Compare every rollup cell with the records it counts; exit status 1 on any
    difference (``rollups rebuild`` repairs them)."""
    from crm_graphql.api.aggregation import rollups, samples, tallies
    from crm_graphql.db.setup import open_database
    from crm_graphql.modules import database_config

    settings = _settings()

    async def run() -> list[rollups.Difference]:
        async with open_database(database_config(settings)):
            chosen = _chosen(only)  # the models, with their rollups, are loaded now
            found = []
            for rollup in rollups.registered():
                if chosen is None or rollup.name in chosen:
                    found += await rollups.verify(rollup)
            for tally in tallies.registered():
                if chosen is None or tally.name in chosen:
                    found += await tallies.verify(tally)
            for kind in samples.registered():
                if chosen is None or kind.name in chosen:
                    found += await samples.verify(kind)
            return found

    differences = asyncio.run(run())
    for difference in differences[:show]:
        console.print(
            f"  {difference.rollup} {difference.cell}: stored {difference.stored}, "
            f"counted {difference.counted}",
            highlight=False,
        )
    if differences:
        console.print(f"[red]{len(differences)} cells differ[/red]")
        raise typer.Exit(1)
    console.print("rollups match the records")


@app.command("export-schema")
def export_schema(
    output: Annotated[Path, typer.Option(help="Where to write the SDL.")] = Path("schema.graphql"),
) -> None:
    """Write the GraphQL schema (SDL) generated from the code."""
    from crm_graphql.schema import schema_sdl

    output.write_text(schema_sdl())
    console.print(f"wrote {output}")


def main() -> None:
    """Entry point of the ``crm-graphql`` script."""
    app()


if __name__ == "__main__":
    main()
