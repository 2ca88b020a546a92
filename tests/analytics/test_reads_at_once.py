"""Independent reads of a view run at once (``core.at_once``)."""

from __future__ import annotations

import asyncio

import pytest

from crm_graphql.api.aggregation.core import at_once


async def test_reads_at_once_answer_in_the_order_asked_whatever_finishes_first():
    async def read(value: int, delay: float) -> int:
        await asyncio.sleep(delay)
        return value

    assert await at_once(read(1, 0.03), read(2, 0.0), read(3, 0.01)) == [1, 2, 3]


async def test_a_failed_read_lets_the_others_end_and_is_raised_as_it_is():
    # A statement cancelled midway can leave its pooled connection unusable: the other
    # reads run to their end, then the failure is raised.
    finished: list[str] = []

    async def slow() -> None:
        await asyncio.sleep(0.05)
        finished.append("slow")

    async def failing() -> None:
        await asyncio.sleep(0.01)
        raise LookupError("no such cell")

    with pytest.raises(LookupError, match="no such cell"):
        await at_once(slow(), failing())
    assert finished == ["slow"]
