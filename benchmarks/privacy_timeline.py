"""The customer timeline and privacy requests on a customer with a long history.

    python -m benchmarks.privacy_timeline --database-url mysql://root:@127.0.0.1:3306/test \\
        [--entries 2000] [--others 2000] [--runs 20]

A fresh database (``crm_privacy_bench`` next to the one in the URL; SQLite: a temporary
file) gets one customer with ``--entries`` interactions and orders, a quarter as many
opportunities (each with a stage change), tickets (two comments each) and tasks, a tenth
as many invoices, payments and campaign responses, and ``--others`` customers with ten
interactions and two orders each. Measured side by side in one run, through the real
app: the timeline's first page and a page deep in the feed, against the plain
``Customer.interactions(first: 20)`` list as the yardstick; then the export of the
customer and its erasure (once each). The database is dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

from tortoise import Tortoise

from benchmarks.common import (
    bench_settings,
    captured_statements,
    http_client,
    server_statement,
    time_query,
)
from crm_graphql.api.ids import to_global_id
from crm_graphql.db.setup import migrate_database
from crm_graphql.domains.billing.models import Invoice, InvoiceStatus, Payment, PaymentMethod
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.interactions.models import Channel, Direction, Interaction
from crm_graphql.domains.marketing.models import (
    Campaign,
    CampaignMember,
    CampaignType,
    MemberStatus,
)
from crm_graphql.domains.orders.models import Order, OrderStatus
from crm_graphql.domains.sales.models import Opportunity, OpportunityStage, OpportunityStageChange
from crm_graphql.domains.support.models import Ticket, TicketChannel, TicketComment
from crm_graphql.domains.tasks.models import Task
from crm_graphql.modules import database_config

BENCH_DATABASE = "crm_privacy_bench"
START = datetime(2020, 1, 1, tzinfo=UTC)

TIMELINE = """query($id: ID!, $after: String) { node(id: $id) { ... on Customer {
  timeline(first: 20, after: $after) { edges { at kind node { __typename
    ... on InteractionEntry { interaction { subject channel } }
    ... on OrderEntry { order { number status total } }
    ... on OpportunityStageChangeEntry { opportunity { name } change { stage } }
    ... on TicketEntry { ticket { number subject } }
    ... on TicketCommentEntry { comment { body } }
    ... on TaskEntry { task { title } }
    ... on CampaignResponseEntry { member { status } }
    ... on InvoiceEntry { invoice { number total } }
    ... on PaymentEntry { payment { amount } } } }
  pageInfo { endCursor } } } } }"""
INTERACTIONS = """query($id: ID!) { node(id: $id) { ... on Customer {
  interactions(first: 20) { nodes { subject channel } pageInfo { endCursor } } } } }"""
EXPORT = """mutation($id: ID!) { exportPersonalData(customerId: $id) { document } }"""
ERASE = """mutation($id: ID!) { erasePersonalData(customerId: $id, reason: "benchmark") {
  erased { interactions copies } userErrors { code } } }"""


async def _customer_with_history(n: int, label: str) -> Customer:
    customer = await Customer.create(
        first_name=f"Heavy{label}", last_name="History", email=f"heavy{label}@bench.example"
    )
    at = [START + timedelta(minutes=17 * i) for i in range(n)]
    await Interaction.bulk_create(
        [
            Interaction(
                customer_id=customer.pk,
                channel=Channel.EMAIL,
                direction=Direction.OUTBOUND,
                subject=f"Mail {i}",
                body=f"Body {i}",
                occurred_at=at[i],
            )
            for i in range(n)
        ],
        batch_size=1000,
    )
    await Order.bulk_create(
        [
            Order(
                customer_id=customer.pk,
                number=f"B{label}-{i:07d}",
                status=OrderStatus.PAID,
                currency="USD",
                subtotal=Decimal("10.00"),
                total=Decimal("10.00"),
                placed_at=at[i] + timedelta(minutes=3),
            )
            for i in range(n)
        ],
        batch_size=1000,
    )
    quarter = max(1, n // 4)
    await Opportunity.bulk_create(
        [
            Opportunity(
                customer_id=customer.pk,
                name=f"Deal {i}",
                amount=Decimal("100.00"),
                currency="USD",
                stage=OpportunityStage.PROPOSAL,
            )
            for i in range(quarter)
        ]
    )
    deals = await Opportunity.filter(customer_id=customer.pk).values_list("id", flat=True)
    await OpportunityStageChange.bulk_create(
        [
            OpportunityStageChange(
                opportunity_id=pk, stage=OpportunityStage.PROPOSAL, changed_at=at[i * 4]
            )
            for i, pk in enumerate(deals)
        ]
    )
    await Ticket.bulk_create(
        [
            Ticket(
                customer_id=customer.pk,
                number=f"T{label}-{i:07d}",
                subject=f"Help {i}",
                channel=TicketChannel.EMAIL,
            )
            for i in range(quarter)
        ]
    )
    tickets = await Ticket.filter(customer_id=customer.pk).values_list("id", flat=True)
    await TicketComment.bulk_create(
        [
            TicketComment(ticket_id=pk, body=f"Reply {k}", public=k == 0)
            for pk in tickets
            for k in range(2)
        ],
        batch_size=1000,
    )
    await Task.bulk_create(
        [Task(title=f"Call {i}", due_at=at[i * 4], customer_id=customer.pk) for i in range(quarter)]
    )
    tenth = max(1, n // 10)
    await Invoice.bulk_create(
        [
            Invoice(
                customer_id=customer.pk,
                series="INV",
                number=f"I{label}-{i:07d}",
                status=InvoiceStatus.ISSUED,
                currency="USD",
                issue_date=(START - timedelta(days=4000)).date(),
                issued_at=at[i * 10] + timedelta(minutes=5),
                total=Decimal("10.00"),
            )
            for i in range(tenth)
        ]
    )
    await Payment.bulk_create(
        [
            Payment(
                customer_id=customer.pk,
                amount=Decimal("10.00"),
                currency="USD",
                method=PaymentMethod.CARD,
                received_at=at[i * 10] + timedelta(minutes=7),
            )
            for i in range(tenth)
        ]
    )
    campaigns = await Campaign.bulk_create(
        [
            Campaign(name=f"C{label}-{i}", type=CampaignType.EMAIL, currency="USD")
            for i in range(tenth)
        ]
    )
    campaign_ids = await Campaign.filter(name__startswith=f"C{label}-").values_list("id", flat=True)
    del campaigns
    await CampaignMember.bulk_create(
        [
            CampaignMember(
                campaign_id=pk,
                customer_id=customer.pk,
                status=MemberStatus.RESPONDED,
                status_at=at[i * 10] + timedelta(minutes=9),
            )
            for i, pk in enumerate(campaign_ids)
        ]
    )
    return customer


async def _others(count: int) -> None:
    await Customer.bulk_create(
        [Customer(first_name=f"Other{i}", last_name="Person") for i in range(count)],
        batch_size=1000,
    )
    ids = await Customer.filter(first_name__startswith="Other").values_list("id", flat=True)
    await Interaction.bulk_create(
        [
            Interaction(
                customer_id=pk,
                channel=Channel.CALL,
                direction=Direction.INBOUND,
                subject="Call",
                occurred_at=START + timedelta(minutes=k * 31 + pk),
            )
            for pk in ids
            for k in range(10)
        ],
        batch_size=2000,
    )
    await Order.bulk_create(
        [
            Order(
                customer_id=pk,
                number=f"O-{pk}-{k}",
                status=OrderStatus.PAID,
                currency="USD",
                subtotal=Decimal("5.00"),
                total=Decimal("5.00"),
                placed_at=START + timedelta(minutes=k * 47 + pk),
            )
            for pk in ids
            for k in range(2)
        ],
        batch_size=2000,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="mysql://root:@127.0.0.1:3306/test")
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--others", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="crm-privacy-bench-"))
    mysql = args.database_url.startswith("mysql://")
    if mysql:
        with contextlib.suppress(Exception):  # a run that was interrupted left it behind
            await server_statement(args.database_url, f"DROP DATABASE {BENCH_DATABASE}")
        await server_statement(
            args.database_url, f"CREATE DATABASE {BENCH_DATABASE} CHARACTER SET utf8mb4"
        )
        url = urlparse(args.database_url)._replace(path=f"/{BENCH_DATABASE}").geturl()
    else:
        url = f"sqlite://{folder / 'bench.sqlite3'}"
    settings = bench_settings(url)
    try:
        await migrate_database(database_config(settings))
        await Tortoise.init(config=database_config(settings), _enable_global_fallback=True)
        started = time.perf_counter()
        heavy = await _customer_with_history(args.entries, "A")
        second = await _customer_with_history(args.entries, "B")
        await _others(args.others)
        print(f"data made in {time.perf_counter() - started:.1f} s", flush=True)
        await Tortoise.close_connections()
        heavy_id = to_global_id("Customer", heavy.pk)
        async with http_client(settings) as client:
            first = await client.post(
                "/graphql", json={"query": TIMELINE, "variables": {"id": heavy_id}}
            )
            cursor = first.json()["data"]["node"]["timeline"]["pageInfo"]["endCursor"]
            # A cursor deep in the feed: page on 50 times.
            for _ in range(50):
                page = await client.post(
                    "/graphql",
                    json={"query": TIMELINE, "variables": {"id": heavy_id, "after": cursor}},
                )
                cursor = page.json()["data"]["node"]["timeline"]["pageInfo"]["endCursor"]
            with captured_statements() as statements:
                await client.post(
                    "/graphql", json={"query": TIMELINE, "variables": {"id": heavy_id}}
                )
            rounds = []
            for _ in range(3):  # interleaved, so that load changes hit every side alike
                rounds.append(
                    (
                        await time_query(
                            client,
                            "interactions(first: 20)",
                            INTERACTIONS,
                            {"id": heavy_id},
                            runs=args.runs,
                        ),
                        await time_query(
                            client,
                            "timeline(first: 20)",
                            TIMELINE,
                            {"id": heavy_id},
                            runs=args.runs,
                        ),
                        await time_query(
                            client,
                            "timeline(first: 20, after: 1,000 entries in)",
                            TIMELINE,
                            {"id": heavy_id, "after": cursor},
                            runs=args.runs,
                        ),
                    )
                )
            started = time.perf_counter()
            export = await client.post(
                "/graphql", json={"query": EXPORT, "variables": {"id": heavy_id}}
            )
            export_ms = (time.perf_counter() - started) * 1000
            document = export.json()["data"]["exportPersonalData"]["document"]
            records = sum(len(value) for value in document.values() if isinstance(value, list))
            started = time.perf_counter()
            erase = await client.post(
                "/graphql",
                json={"query": ERASE, "variables": {"id": to_global_id("Customer", second.pk)}},
            )
            erase_ms = (time.perf_counter() - started) * 1000
            erased = erase.json()["data"]["erasePersonalData"]
        entries = args.entries * 2 + (args.entries // 4) * 5 + (args.entries // 10) * 3
        print()
        print(
            f"database: {'MariaDB' if mysql else 'SQLite'}; one customer with ~{entries:,} "
            f"timeline entries, {args.others:,} other customers; load {os.getloadavg()[0]:.2f}"
        )
        print(
            f"timeline statements per page (without the session check): "
            f"{sum(not s.authentication for s in statements)}"
        )
        for base, head, deep in rounds:
            print(
                f"  {base.line()}\n  {head.line()}  x{head.median / base.median:.2f}\n"
                f"  {deep.line()}  x{deep.median / base.median:.2f}"
            )
        print(f"exportPersonalData: {records:,} top-level records in {export_ms:.0f} ms")
        print(f"erasePersonalData: {erased['erased']} in {erase_ms:.0f} ms")
    finally:
        await Tortoise.close_connections()
        if mysql:
            await server_statement(args.database_url, f"DROP DATABASE {BENCH_DATABASE}")


if __name__ == "__main__":
    asyncio.run(main())
