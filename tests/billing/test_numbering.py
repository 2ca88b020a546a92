"""Issued invoices get consecutive numbers without gaps or duplicates, however many are
issued at once (a counter row locked in the issuing transaction)."""

from __future__ import annotations

import asyncio

from crm_graphql.domains.billing.models import InvoiceCounter
from tests.billing.flows import CREATE, ISSUE, line, mutate, ok
from tests.factories import gid, make_customer


async def _issue_at_once(gql, customer, count: int) -> list[str]:
    drafts = [
        await ok(
            gql,
            CREATE,
            {"input": {"customer": gid(customer), "currency": "EUR", "lines": [line(1, "10")]}},
        )
        for _ in range(count)
    ]
    payloads = await asyncio.gather(
        *(
            mutate(gql, ISSUE, {"id": d["id"], "version": d["version"], "date": "2026-06-01"})
            for d in drafts
        )
    )
    assert all(p["userErrors"] == [] for p in payloads), payloads
    return sorted(p["invoice"]["number"] for p in payloads)


async def test_twenty_concurrent_issues_get_twenty_consecutive_numbers(gql, db):
    customer = await make_customer()
    # The first issues of the year race to create the year's counter as well.
    numbers = await _issue_at_once(gql, customer, 20)
    assert numbers == [f"INV-2026-{n:05d}" for n in range(1, 21)]
    numbers = await _issue_at_once(gql, customer, 20)
    assert numbers == [f"INV-2026-{n:05d}" for n in range(21, 41)]
    counter = await InvoiceCounter.get(series="INV", year=2026)
    assert counter.last_number == 40


async def test_a_refused_issue_takes_no_number(gql, db):
    customer = await make_customer()
    draft = await ok(
        gql,
        CREATE,
        {"input": {"customer": gid(customer), "currency": "EUR", "lines": [line(1, "10")]}},
    )
    stale = await mutate(
        gql, ISSUE, {"id": draft["id"], "version": draft["version"] + 5, "date": "2026-06-01"}
    )
    assert [e["code"] for e in stale["userErrors"]] == ["CONFLICT"]
    done = await ok(
        gql, ISSUE, {"id": draft["id"], "version": draft["version"], "date": "2026-06-01"}
    )
    assert done["number"] == "INV-2026-00001"
