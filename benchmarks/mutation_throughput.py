"""Throughput of the write path: createCustomer, createOrder (5 items), createInteraction,
createOpportunity and changeOrderStatus (PLACED -> PAID: the order leaves its cells), 1 vs
8 clients, with and without the rollups' maintenance.

    python -m benchmarks.mutation_throughput \\
        --database-url mysql://root:@127.0.0.1:3306/crm_mut_bench
    python -m benchmarks.mutation_throughput --database-url sqlite://./mut-bench.sqlite3

Recreates the database (drop/create on MySQL/MariaDB, a new file on SQLite), migrates
it, then sends a fixed number of mutations per mode through the real app (in-process
HTTP) as an ADMIN: once from one client, once split over 8 concurrent clients (asyncio
tasks, each its own request loop). Prints mutations per second side by side with the
ratios. Every response is checked: a userError or a GraphQL error stops the run.

``--rollups both`` (the default) measures every case twice in turn, with the rollup
and tally maintenance hooks (``rollups.maintain``, ``tallies.maintain`` of
``crm_graphql.api.aggregation``) registered and with them switched off, and prints the
ratio: what keeping the dashboards' rollups exact in each change's transaction costs the
writer. ``--scope sales`` switches only what the sales views added (the customer and
pipeline rollups, the per-customer tallies); ``--scope support`` only what the support
views added (the surveys, the agents' backlog) and measures
ticket mutations instead: a ticket created for an agent, a ticket solved (and its survey
sent); ``--scope samples`` only the samples of the support leaderboard (each agent's
first-response and resolution times), on the same ticket mutations.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from benchmarks.common import bench_settings, http_client
from benchmarks.seed_throughput import recreate_mysql_database, remove_sqlite_file
from crm_graphql.api.aggregation.rollups import rebuild_all
from crm_graphql.api.ids import to_global_id
from crm_graphql.db.setup import migrate_database
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.orders.models import Order, OrderStatus, Product
from crm_graphql.modules import database_config

DEFAULT_URL = "mysql://root:@127.0.0.1:3306/crm_mut_bench"
CONCURRENCY = 8
#: Turns each mode takes (see ``run``).
ROUNDS = 5

CREATE_CUSTOMER = """mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { field code } } }"""
CREATE_ORDER = """mutation($input: CreateOrderInput!) {
  createOrder(input: $input) { order { id total } userErrors { field code } } }"""
CREATE_INTERACTION = """mutation($input: CreateInteractionInput!) {
  createInteraction(input: $input) { interaction { id } userErrors { field code } } }"""
CREATE_OPPORTUNITY = """mutation($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) { opportunity { id } userErrors { field code } } }"""
PAY_ORDER = """mutation($id: ID!, $version: Int!) {
  changeOrderStatus(id: $id, status: PAID, version: $version) {
    order { id } userErrors { field code } } }"""

Variables = Callable[[int], dict[str, Any]]


async def _send(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> None:
    body = (await client.post("/graphql", json={"query": query, "variables": variables})).json()
    payload = next(iter((body.get("data") or {}).values()), None)
    if body.get("errors") or not payload or payload["userErrors"]:
        raise SystemExit(f"mutation failed: {body}")


async def _rate(
    client: httpx.AsyncClient, query: str, variables: Variables, requests: int, clients: int
) -> float:
    """Mutations per second: ``requests`` split over ``clients`` concurrent loops."""
    counter = iter(range(10**9))

    async def loop(count: int) -> None:
        for _ in range(count):
            await _send(client, query, variables(next(counter)))

    shares = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]
    started = time.perf_counter()
    await asyncio.gather(*(loop(share) for share in shares))
    return requests / (time.perf_counter() - started)


CREATE_TICKET = """mutation($input: CreateTicketInput!) {
  createTicket(input: $input) { ticket { id } userErrors { field code } } }"""
SOLVE_TICKET = """mutation($id: ID!) {
  changeTicketStatus(id: $id, status: SOLVED, version: 1) {
    surveyToken userErrors { field code } } }"""

#: The rollups the sales views read (``--scope sales`` switches only them, and the tallies).
SALES_ROLLUPS = ("customers", "opportunities_by_stage")
#: What the support views added (``--scope support`` switches only them): the rollups of
#: the surveys, the tally of each agent's backlog (the times per agent: ``samples``).
SUPPORT_ROLLUPS = ("surveys", "surveys_by_assignee")
SUPPORT_TALLIES = ("agent_backlog",)
#: The scopes measured on ticket mutations: what the support views added, and the samples
#: of the support leaderboard (``--scope samples``: their hook alone).
TICKET_SCOPES = ("support", "samples")


def _maintaining(on: bool, scope: str = "all") -> None:
    """Register or switch off the maintenance hooks of the rollups, tallies and samples
    (``scope`` "all"), only of the sales views' rollups and the tallies ("sales"), only
    what the support views added ("support") or only the samples' hook ("samples")."""
    from crm_graphql.api.aggregation import rollups, samples, tallies
    from crm_graphql.api.mutations import changes

    if scope == "support":
        _switch_support(on)
        return
    hooks = {
        "sales": [tallies.maintain],
        "samples": [samples.maintain],
        "all": [rollups.maintain, tallies.maintain, samples.maintain],
    }[scope]
    for hook in hooks:
        registered = hook in changes._HOOKS
        if on and not registered:
            changes.on_change(hook)
        elif not on and registered:
            changes.forget(hook)
    if scope == "sales":
        declared = {r.name: r for r in rollups.registered()} | _switched_off
        for name in SALES_ROLLUPS:
            rollup = declared[name]
            kept = rollups._ROLLUPS[rollup.source]
            if on and rollup not in kept:
                # Narrow rollups first, as declared.
                kept.insert(0 if name == "opportunities_by_stage" else len(kept), rollup)
                _switched_off.pop(name, None)
            elif not on and rollup in kept:
                kept.remove(rollup)
                _switched_off[name] = rollup


_switched_off: dict[str, Any] = {}


def _switch_support(on: bool) -> None:
    """Declare or take out only what the support views added (last of their records'
    rollups and tallies, as declared)."""
    from crm_graphql.api.aggregation import rollups, tallies

    declared = (
        {r.name: r for r in rollups.registered()}
        | {t.name: t for t in tallies.registered()}
        | _switched_off
    )
    for name in (*SUPPORT_ROLLUPS, *SUPPORT_TALLIES):
        item = declared[name]
        kept = (rollups._ROLLUPS if name in SUPPORT_ROLLUPS else tallies._TALLIES)[item.source]
        if on and item not in kept:
            kept.append(item)
            _switched_off.pop(name, None)
        elif not on and item in kept:
            kept.remove(item)
            _switched_off[name] = item


async def _support_cases(
    args: argparse.Namespace, customer: Customer
) -> list[tuple[str, str, Variables]]:
    """Tickets assigned to an agent created, and new tickets solved (each sends a
    survey): the writes the support views' rollups and tally follow."""
    from crm_graphql.api.roles import Role
    from crm_graphql.domains.support.models import Ticket
    from crm_graphql.domains.users.models import User

    agent = await User.create(
        name="Bench Agent", email="bench.agent@example.com", role=Role.SUPPORT
    )
    # Every solve needs a ticket of its own: as many as the runs send (both modes, one
    # and eight clients, the warm-up).
    needed = args.warmup + 4 * max(1, args.requests // ROUNDS) * ROUNDS
    await Ticket.bulk_create(
        [
            Ticket(
                number=f"TCK-BENCH-{n:06d}",
                subject=f"Bench {n}",
                customer_id=customer.pk,
                channel="EMAIL",
                assignee_id=agent.pk,
            )
            for n in range(needed)
        ]
    )
    ids = iter(await Ticket.all().order_by("id").values_list("id", flat=True))
    return [
        (
            "createTicket (assigned)",
            CREATE_TICKET,
            lambda n: {
                "input": {
                    "customer": to_global_id("Customer", customer.pk),
                    "subject": f"Bench {n}",
                    "channel": "EMAIL",
                    "assignee": to_global_id("User", agent.pk),
                }
            },
        ),
        (
            "changeTicketStatus",
            SOLVE_TICKET,
            lambda n: {"id": to_global_id("Ticket", next(ids))},
        ),
    ]


async def run(args: argparse.Namespace) -> list[tuple[str, float, float]]:
    """Recreate and migrate the database, then measure each mutation in both modes."""
    settings = bench_settings(args.database_url, db_pool_max=max(10, 2 * CONCURRENCY))
    if settings.is_sqlite:
        remove_sqlite_file(args.database_url)
    else:
        await recreate_mysql_database(args.database_url)
    await migrate_database(database_config(settings))
    results = []
    async with http_client(settings) as client:
        customer = await Customer.create(first_name="Bench", last_name="Buyer")
        products = [
            await Product.create(
                sku=f"BENCH-{n}",
                name=f"Bench product {n}",
                unit_price=Decimal("9.99"),
                currency="USD",
            )
            for n in range(5)
        ]
        order_input = {
            "customer": to_global_id("Customer", customer.pk),
            "currency": "USD",
            "items": [
                {"product": to_global_id("Product", p.pk), "quantity": n + 1}
                for n, p in enumerate(products)
            ],
        }
        cases: list[tuple[str, str, Variables]] = (
            await _support_cases(args, customer) if args.scope in TICKET_SCOPES else []
        )
        cases += (
            []
            if args.scope in TICKET_SCOPES
            else [
                (
                    "createCustomer",
                    CREATE_CUSTOMER,
                    lambda n: {"input": {"firstName": "Bench", "lastName": f"Customer {n}"}},
                ),
                ("createOrder (5 items)", CREATE_ORDER, lambda n: {"input": order_input}),
                (
                    "createInteraction",
                    CREATE_INTERACTION,
                    lambda n: {
                        "input": {
                            "customer": to_global_id("Customer", customer.pk),
                            "channel": ("EMAIL", "CALL", "MEETING")[n % 3],
                            "direction": "OUTBOUND",
                            "subject": f"Bench {n}",
                            "occurredAt": f"2026-0{1 + n % 9}-1{n % 10}T1{n % 10}:{n % 60:02d}:00Z",
                            "durationSeconds": n % 900,
                        }
                    },
                ),
                (
                    "createOpportunity",
                    CREATE_OPPORTUNITY,
                    lambda n: {
                        "input": {
                            "customer": to_global_id("Customer", customer.pk),
                            "name": f"Bench deal {n}",
                            "stage": "PROPOSAL",
                            "amount": f"{n % 9000 + 100}.50",
                            "currency": "USD",
                        }
                    },
                ),
            ]
        )
        modes = {"both": (True, False), "on": (True,), "off": (False,)}[args.rollups]
        if args.scope not in TICKET_SCOPES:
            # Placed orders, each paid once (it leaves its PLACED cells for the PAID ones).
            needed = args.warmup + len(modes) * 2 * max(1, args.requests // ROUNDS) * ROUNDS
            await Order.bulk_create(
                [
                    Order(
                        customer=customer,
                        number=f"BENCH-{n}",
                        status=OrderStatus.PLACED,
                        currency="USD",
                        subtotal=Decimal(f"{n % 900 + 10}.25"),
                        total=Decimal(f"{n % 900 + 10}.25"),
                        placed_at=datetime(2026, 1 + n % 12, 1 + n % 28, n % 24, tzinfo=UTC),
                    )
                    for n in range(needed)
                ]
            )
            await rebuild_all()
            to_pay = itertools.count()
            order_ids = (
                await Order.filter(status=OrderStatus.PLACED)
                .order_by("id")
                .values_list("id", flat=True)
            )
            cases.append(
                (
                    "changeOrderStatus (to PAID)",
                    PAY_ORDER,
                    lambda n: {"id": to_global_id("Order", order_ids[next(to_pay)]), "version": 1},
                )
            )
        for label, query, variables in cases:
            await _rate(client, query, variables, args.warmup, 1)
            # The modes take turns in short rounds: a change in the machine's load during
            # the run affects both alike.
            seconds = {(on, clients): 0.0 for on in modes for clients in (1, CONCURRENCY)}
            share = max(1, args.requests // ROUNDS)
            for _ in range(ROUNDS):
                for on in modes:
                    _maintaining(on, args.scope)
                    for clients in (1, CONCURRENCY):
                        rate = await _rate(client, query, variables, share, clients)
                        seconds[on, clients] += share / rate
            for on in modes:
                suffix = "" if len(modes) == 1 else (" +rollups" if on else " -rollups")
                done = share * ROUNDS
                results.append(
                    (label + suffix, done / seconds[on, 1], done / seconds[on, CONCURRENCY])
                )
        _maintaining(True, args.scope)
    return results


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, run the benchmark, print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL, help=f"default {DEFAULT_URL}")
    parser.add_argument("--requests", type=int, default=300, help="mutations per mode")
    parser.add_argument("--warmup", type=int, default=20, help="mutations before timing")
    parser.add_argument(
        "--rollups",
        choices=("both", "on", "off"),
        default="both",
        help="measure with the rollups' maintenance, without it, or both in turn",
    )
    parser.add_argument(
        "--scope",
        choices=("all", "sales", "support", "samples"),
        default="all",
        help="switch every rollup, tally and samples, only the sales views' rollups and the "
        "tallies, only what the support views added, or only the samples of the support "
        "leaderboard (the last two: ticket mutations)",
    )
    args = parser.parse_args(argv)
    results = asyncio.run(run(args))
    print(f"backend: {args.database_url}   {args.requests} mutations per mode")
    print(f"{'mutation':<34}{'1 client':>14}{f'{CONCURRENCY} clients':>14}{'ratio':>9}")
    for label, single, parallel in results:
        print(f"{label:<34}{single:>10.0f} /s{parallel:>10.0f} /s{parallel / single:>8.2f}x")
    if args.rollups == "both":
        for (label, on1, on8), (_, off1, off8) in zip(results[::2], results[1::2], strict=True):
            print(
                f"{label.removesuffix(' +rollups')}: with / without rollups "
                f"{on1 / off1:.2f}x (1 client), {on8 / off8:.2f}x ({CONCURRENCY} clients)"
            )


if __name__ == "__main__":
    main()
