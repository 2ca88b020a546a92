"""Campaign results through the HTTP API, side by side with the same SQL run directly.

    python -m benchmarks.marketing_views                   # crm_marketing_bench on MariaDB
    python -m benchmarks.marketing_views --explain         # plus EXPLAIN of each statement

Like ``benchmarks.dashboard_views`` (whose measuring it reuses): each view once through
the real app over HTTP to record its SQL, then the GraphQL request and those statements
on a plain connection in turn, ``--runs`` times each after 3 warm-ups. Targets: within
1.3x of the raw SQL and under 200 ms. Then ``addCampaignMembersFromSegment`` once into
a new campaign (the customers of a segment of every customer), timed, and removed again.

The database must be migrated and seeded with campaigns, e.g. 200 campaigns with
1,000,000 members in total::

    crm-graphql seed --customers 20000 --interactions-per-customer 2 \\
        --orders-per-customer 1 --opportunities-per-customer 2 --tickets 0 \\
        --campaigns 200 --members-per-campaign 5000
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import time
from contextlib import AsyncExitStack

from benchmarks.common import bench_settings, http_client
from benchmarks.dashboard_views import Row, raw_connection
from benchmarks.view_table import measure_views, print_views_table, rows_client
from crm_graphql.api.ids import to_global_id

DEFAULT_URL = "mysql://root:@127.0.0.1:3306/crm_marketing_bench"

RESULTS = """members sent opened clicked responded converted bounced unsubscribed openRate
  clickRate responseRate conversionRate leads convertedLeads leadConversionRate
  opportunities wonOpportunities currency
  pipelineAmount wonAmount cost costPerLead roi"""


def views(campaign: str, segment: str) -> list[tuple[str, str]]:
    """The views measured, for the IDs of a large campaign and a segment."""
    return [
        (
            "campaignResults(5,000 members)",
            f'{{ campaignResults(id: "{campaign}") {{ {RESULTS} }} }}',
        ),
        (
            "campaigns(first: 20) with results",
            f"{{ campaigns(first: 20) {{ nodes {{ name status type "
            f"results {{ {RESULTS} }} }} }} }}",
        ),
        (
            "campaigns(first: 100) with results",
            f"{{ campaigns(first: 100) {{ nodes {{ name results {{ {RESULTS} }} }} }} }}",
        ),
        (
            "campaignsAggregate(type x status x month)",
            """{ campaignsAggregate(filter: {currency: {eq: "USD"}}, groupBy: [{field: TYPE},
                 {field: STATUS}, {field: STARTS_ON, granularity: MONTH}], first: 1000) {
               hasMore groups { key { type status startsOn } count
                                sum { budget actualCost } } } }""",
        ),
        (
            "campaignsAggregate(type x status x created month)",
            """{ campaignsAggregate(filter: {currency: {eq: "USD"}}, groupBy: [{field: TYPE},
                 {field: STATUS}, {field: CREATED_AT, granularity: MONTH}], first: 1000) {
               hasMore groups { key { type status createdAt } count
                                sum { budget actualCost } } } }""",
        ),
        (
            "campaignsAggregate(type x status)",
            """{ campaignsAggregate(filter: {currency: {eq: "USD"}},
                 groupBy: [{field: TYPE}, {field: STATUS}]) {
               hasMore groups { key { type status } count sum { budget actualCost } } } }""",
        ),
        (
            "segment count + customers(first: 50)",
            f"""{{ segment(id: "{segment}") {{ count customers(first: 50) {{ totalCount
                 nodes {{ lastName lifecycleStage }} }} }} }}""",
        ),
        (
            "segments with counts",
            "{ segments { nodes { name count } } }",
        ),
    ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="Print EXPLAIN per statement.")
    parser.add_argument(
        "--no-rows", action="store_true", help="Do not measure the views without rollups."
    )
    parser.add_argument(
        "--no-add",
        action="store_true",
        help="Do not time addCampaignMembersFromSegment (a segment of every customer: at a "
        "million customers longer than one request may take).",
    )
    args = parser.parse_args()
    settings = bench_settings(
        args.database_url, cache_key_prefix=f"crm-bench:{secrets.token_hex(4)}:", db_pool_max=5
    )
    connection = await raw_connection(args.database_url)
    async with connection.cursor() as cursor:
        await cursor.execute(
            "SELECT campaign_id FROM campaign_member GROUP BY campaign_id "
            "ORDER BY COUNT(*) DESC, campaign_id LIMIT 1"
        )
        (campaign_id,) = await cursor.fetchone()
        await cursor.execute("SELECT id FROM segment ORDER BY id LIMIT 1")
        (segment_id,) = await cursor.fetchone()
        await cursor.execute("SELECT COUNT(*), COUNT(DISTINCT campaign_id) FROM campaign_member")
        members, campaigns = await cursor.fetchone()
    rows: list[Row] = []
    try:
        async with http_client(settings) as client, AsyncExitStack() as stack:
            measured = views(
                to_global_id("Campaign", campaign_id), to_global_id("Segment", segment_id)
            )
            without = None
            if not args.no_rows:
                without = await stack.enter_async_context(rows_client(settings, client))
            rows = await measure_views(
                client, connection, measured, args.runs, show_plans=args.explain, rows=without
            )
            added, seconds = (None, 0.0) if args.no_add else await add_from_segment(client)
    finally:
        connection.close()
    print()
    print(
        f"database: {args.database_url} ({members:,} members in {campaigns} campaigns), "
        f"medians of {args.runs} runs"
    )
    print_views_table(rows)
    if added is not None:
        print(
            f"\naddCampaignMembersFromSegment: {added:,} members in {seconds:.2f} s "
            "(one INSERT ... SELECT, through the API)"
        )


async def add_from_segment(client) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    """Time ``addCampaignMembersFromSegment`` of a segment of every customer into a new
    EVENT campaign; the campaign and the segment are deleted again."""

    async def call(document: str, variables: dict | None = None) -> dict:  # type: ignore[type-arg]
        response = await client.post(
            "/graphql", json={"query": document, "variables": variables or {}}
        )
        body = response.json()
        assert not body.get("errors"), body
        return body["data"]

    segment = (
        await call(
            'mutation { createSegment(input: {name: "Everyone (benchmark)"}) { segment { id } } }'
        )
    )["createSegment"]["segment"]["id"]
    campaign = (
        await call(
            'mutation { createCampaign(input: {name: "Benchmark", type: EVENT, currency: "USD"}) '
            "{ campaign { id } } }"
        )
    )["createCampaign"]["campaign"]["id"]
    started = time.perf_counter()
    added = (
        await call(
            "mutation($c: ID!, $s: ID!) { addCampaignMembersFromSegment(campaignId: $c, "
            "segmentId: $s) { added userErrors { code } } }",
            {"c": campaign, "s": segment},
        )
    )["addCampaignMembersFromSegment"]["added"]
    seconds = time.perf_counter() - started
    await call(
        "mutation($id: ID!) { deleteCampaign(id: $id) { userErrors { code } } }", {"id": campaign}
    )
    await call(
        "mutation($id: ID!) { deleteSegment(id: $id) { userErrors { code } } }", {"id": segment}
    )
    return int(added), seconds


if __name__ == "__main__":
    asyncio.run(main())
