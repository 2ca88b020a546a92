"""Duplicate detection and merging on a seeded database.

Plants known duplicates among the seeded customers (a copy with the same e-mail in
other case and a typo in the first name; one with the same phone; one at the same
company with two letters of the last name swapped), then times ``duplicateCandidates``
(the blocking statement alone, blocking and scoring, and the first page through the
API) and a few ``mergeCustomers``, and prints how many planted pairs were found.

    crm-graphql seed --customers 100000 ...   # on CRM_DATABASE_URL=mysql://.../crm_bench
    python -m benchmarks.duplicates --database-url mysql://root:@127.0.0.1:3306/crm_bench
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks.common import bench_settings, http_client, time_query
from crm_graphql.api.entities import entity_named
from crm_graphql.api.ids import to_global_id
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.duplicates.blocking import block_rows
from crm_graphql.domains.duplicates.enums import DuplicateEntity
from crm_graphql.domains.duplicates.matching import MATCHINGS, find_duplicates

MARK = "bench duplicate"
QUERY = """query($entity: DuplicateEntity!) { duplicateCandidates(entity: $entity, first: 20) {
  totalCount edges { node { score reasons first { id } second { id } } } } }"""
MERGE = """mutation($survivor: ID!, $merged: [ID!]!) {
  mergeCustomers(survivorId: $survivor, mergedIds: $merged) {
    customer { id } userErrors { code } } }"""


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 4:
        return text + "e"
    i = rng.randrange(1, len(text) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


async def plant(count: int, seed: int) -> list[tuple[int, int]]:
    """``count`` planted duplicates (original, copy); made once, found again later."""
    existing = await Customer.filter(job_title=MARK, deleted_at__isnull=True).values_list(
        "id", "custom_fields"
    )
    if len(existing) >= count:
        return [(int(fields["original"]), int(pk)) for pk, fields in existing[:count]]
    rng = random.Random(seed)
    rows = (
        await Customer.filter(deleted_at__isnull=True)
        .exclude(job_title=MARK)
        .values("id", "first_name", "last_name", "email", "phone", "company_id")
    )
    rng.shuffle(rows)
    copies = []
    kinds = [("email", "phone", "company_id")[i % 3] for i in range(count - len(existing))]
    pool = iter(rows)
    for kind in kinds:
        original = next(row for row in pool if row[kind])
        copy = {
            "first_name": original["first_name"],
            "last_name": original["last_name"],
            "job_title": MARK,
            "custom_fields": {"original": original["id"]},
        }
        if kind == "email":
            copy["email"] = f" {original['email'].upper()}"
            copy["first_name"] = original["first_name"][:-1] or "X"
        elif kind == "phone":
            copy["phone"] = original["phone"]
        else:
            copy["company_id"] = original["company_id"]
            copy["last_name"] = _typo(original["last_name"], rng)
        copies.append(Customer(**copy))
    await Customer.bulk_create(copies, batch_size=1000)
    return await plant(count, seed)


async def timed(run: Callable[[], Awaitable[Any]], repeat: int) -> tuple[float, Any]:
    samples, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = await run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), result


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--planted", type=int, default=999)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--merges", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    # The default 10 s limit of one operation is for interactive use; on a busy machine
    # the first page can take longer, and the point here is to measure it.
    settings = bench_settings(args.database_url, request_timeout_seconds=120)
    async with http_client(settings) as client:
        planted = await plant(args.planted, args.seed)
        total = await Customer.filter(deleted_at__isnull=True).count()
        print(f"customers: {total:,} (planted duplicates: {len(planted):,})")
        for kind, matching in MATCHINGS.items():
            registered = entity_named(matching.type_name)
            assert registered is not None
            condition = registered.visible_q
            count = await matching.model.filter(condition).count()
            sql_time, rows = await timed(
                lambda m=matching, c=condition: block_rows(m.model, c, m.columns, m.keys, m.order),
                args.repeat,
            )
            all_time, pairs = await timed(
                lambda m=matching, c=condition: find_duplicates(m, c, min_score=0.5), args.repeat
            )
            api = await time_query(
                client,
                f"{kind.value} first page",
                QUERY,
                {"entity": kind.value},
                runs=args.repeat,
                warmup=1,
            )
            line = (
                f"{kind.value:<9} {count:>7,} records: blocking SQL {sql_time * 1000:7.0f} ms "
                f"({len(rows):,} block rows), with scoring {all_time * 1000:7.0f} ms "
                f"({len(pairs):,} pairs >= 0.5), API first page {api.median:7.0f} ms"
            )
            print(line)
            if kind is DuplicateEntity.CUSTOMER:
                found = {(pair.first_id, pair.second_id) for pair in pairs}
                hits = sum((min(a, b), max(a, b)) in found for a, b in planted)
                print(f"planted pairs found: {hits:,} of {len(planted):,}")
        merge_times = []
        for original, copy in planted[: args.merges]:
            variables = {
                "survivor": to_global_id("Customer", original),
                "merged": [to_global_id("Customer", copy)],
            }
            started = time.perf_counter()
            response = await client.post("/graphql", json={"query": MERGE, "variables": variables})
            merge_times.append((time.perf_counter() - started) * 1000)
            body = response.json()
            assert not body.get("errors") and not body["data"]["mergeCustomers"]["userErrors"], body
        if merge_times:
            print(
                f"mergeCustomers: median {statistics.median(merge_times):.0f} ms "
                f"over {len(merge_times)} merges"
            )
    print("load average: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    asyncio.run(main())
