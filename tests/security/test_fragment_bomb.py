"""Issue 12, finding 1: a fragment bomb (each fragment spreads the previous one twice)
is refused for its expanded size before any other rule walks it, and signed out."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable

import httpx
import pytest

from tests.limits.conftest import LimitedFactory


def fragment_bomb(depth: int) -> str:
    """``fragment F1 on Query {...F0 ...F0}`` ... ``{...F<depth>}``: 2^depth fields."""
    fragments = ["fragment F0 on Query { __typename }"]
    for i in range(1, depth + 1):
        fragments.append(f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}")
    return " ".join(fragments) + f" {{ ...F{depth} }}"


async def test_fragment_bomb_is_refused_for_its_expanded_size_without_signing_in(
    limited: LimitedFactory,
) -> None:
    client = await limited(signed_in=False)
    error = await client.error(fragment_bomb(30))
    assert error["extensions"]["code"] == "QUERY_TOO_LARGE"
    assert error["extensions"]["maximumFields"] == 2000
    assert "2000" in error["message"]


async def test_unused_fragment_bomb_is_refused_too(limited: LimitedFactory) -> None:
    client = await limited(signed_in=False)
    document = fragment_bomb(30).rsplit(" {", 1)[0] + " { __typename }"
    error = await client.error(document)
    assert error["extensions"]["code"] == "QUERY_TOO_LARGE"


@pytest.mark.parametrize("limit, accepted", [(4000, True), (3000, False)])
async def test_expanded_size_counts_every_spread_of_a_fragment(
    limited: LimitedFactory, limit: int, accepted: bool
) -> None:
    # 2^10 = 1,024 fields and 2,047 spreads once expanded (3,071 selections), from a
    # document of eleven short fragments.
    # (Root fields are not limited here: every one of them is a root __typename.)
    client = await limited(signed_in=False, max_query_fields=limit, max_root_fields=0)
    body = await client.execute(fragment_bomb(10))
    if accepted:
        assert body["data"] == {"__typename": "Query"}, body
    else:
        assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_LARGE"


async def test_long_fragment_chains_count_every_spread(limited: LimitedFactory) -> None:
    """1,024 fields, each at the end of a chain of 300 spreads: few fields, but every
    walk through the fragments visits 300,000 spreads."""
    chain = ["fragment C0 on Query { __typename }"]
    chain += [f"fragment C{i} on Query {{ ...C{i - 1} }}" for i in range(1, 301)]
    doubling = ["fragment D0 on Query { ...C300 }"]
    doubling += [f"fragment D{i} on Query {{ ...D{i - 1} ...D{i - 1} }}" for i in range(1, 11)]
    client = await limited(signed_in=False)
    error = await client.error(" ".join(chain + doubling) + " { ...D10 }")
    assert error["extensions"]["code"] == "QUERY_TOO_LARGE"


async def test_fragment_cycle_is_refused_as_invalid(limited: LimitedFactory) -> None:
    client = await limited(signed_in=False)
    error = await client.error("fragment A on Query { ...B } fragment B on Query { ...A } { ...A }")
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "within itself" in error["message"]


async def test_ordinary_queries_with_fragments_still_run(limited: LimitedFactory) -> None:
    client = await limited()
    data = await client.data(
        "fragment Row on Customer { id email } fragment Page on CustomerConnection"
        " { totalCount nodes { ...Row } } { customers(first: 5) { ...Page } }"
    )
    assert data == {"customers": {"totalCount": 0, "nodes": []}}


async def test_fragment_bomb_is_refused_at_once_while_the_server_keeps_answering(
    real_server: str,
) -> None:
    """Over TCP to a real uvicorn: before the fix, n=30 held the event loop for hours
    (n=20 took 15 s, each +1 doubles it) and /healthz waited as long."""

    async def timed(request: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
        started = time.perf_counter()
        response = await request
        return response, time.perf_counter() - started

    async with httpx.AsyncClient(base_url=real_server, timeout=60) as http:
        bomb = asyncio.create_task(timed(http.post("/graphql", json={"query": fragment_bomb(30)})))
        await asyncio.sleep(0.05)  # the bomb is on its way
        health, health_seconds = await timed(http.get("/healthz"))
        refused, bomb_seconds = await bomb
    assert refused.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_LARGE"
    assert bomb_seconds < 1.0
    assert health.status_code == 200
    assert health_seconds < 1.0
