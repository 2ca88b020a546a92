"""Reading a page's rows at once: the values a DataLoader would give, from one call of
its batch function, kept for later loads; partial rows with the attributes Tortoise
gives the same columns."""

from __future__ import annotations

import asyncio

from strawberry.dataloader import DataLoader

from crm_graphql.api.columns import select_columns
from crm_graphql.api.loaders import load_all
from crm_graphql.domains.interactions.models import Interaction
from tests.factories import make_customer, make_interaction


def _loader(calls: list[list[int]], fail: Exception | None = None) -> DataLoader[int, str]:
    async def batch(keys: list[int]) -> list[str]:
        calls.append(list(keys))
        await asyncio.sleep(0)
        if fail is not None:
            raise fail
        return [f"value {key}" for key in keys]

    return DataLoader(load_fn=batch)


async def test_load_all_gives_the_values_of_load_many_from_one_batch():
    calls: list[list[int]] = []
    loader = _loader(calls)
    assert await load_all(loader, [3, 1, 3]) == ["value 3", "value 1", "value 3"]
    assert calls == [[3, 1]]
    # Kept by the loader: later loads of the same keys read nothing more.
    assert await loader.load(1) == "value 1"
    assert await load_all(loader, [1, 3]) == ["value 1", "value 3"]
    assert calls == [[3, 1]]


async def test_a_load_while_load_all_reads_waits_for_that_read():
    calls: list[list[int]] = []
    loader = _loader(calls)
    reading = asyncio.ensure_future(load_all(loader, [1, 2]))
    await asyncio.sleep(0)  # the read has started
    assert calls == [[1, 2]]
    both = await asyncio.gather(reading, loader.load(2), loader.load(5))
    assert both == [["value 1", "value 2"], "value 2", "value 5"]
    # The key being read is not read again; the other one is batched as usual.
    assert calls == [[1, 2], [5]]


async def test_load_all_joins_a_batch_that_is_waiting():
    calls: list[list[int]] = []
    loader = _loader(calls)
    waiting = loader.load(5)
    assert await load_all(loader, [1, 2]) == ["value 1", "value 2"]
    assert await waiting == "value 5"
    assert calls == [[5, 1, 2]]


async def test_load_all_joins_the_loader_when_it_knows_some_keys():
    calls: list[list[int]] = []
    loader = _loader(calls)
    assert await loader.load(2) == "value 2"
    assert await load_all(loader, [1, 2, 3]) == ["value 1", "value 2", "value 3"]
    assert calls == [[2], [1, 3]]


async def test_a_failed_batch_fails_every_waiter():
    calls: list[list[int]] = []
    failure = RuntimeError("lost connection")
    loader = _loader(calls, fail=failure)
    reading = asyncio.ensure_future(load_all(loader, [1, 2]))
    await asyncio.sleep(0)
    outcomes = await asyncio.gather(reading, loader.load(1), return_exceptions=True)
    assert outcomes == [failure, failure]
    assert calls == [[1, 2]]
    # As with load_many, the failure is what the loader keeps for those keys.
    assert loader.cache_map.get(1).exception() is failure


async def test_partial_rows_have_the_attributes_tortoise_gives_the_same_columns(db):
    customer = await make_customer()
    await make_interaction(customer)
    await make_interaction(customer, author=None)
    columns = ("id", "occurred_at", "channel", "subject", "author_id")
    query = Interaction.filter(customer_id=customer.id).order_by("id")
    ours = await select_columns(query, columns)
    theirs = await query.only(*columns)
    assert len(ours) == len(theirs) == 2
    for built, read in zip(ours, theirs, strict=True):
        assert type(built) is Interaction
        assert built.__dict__ == read.__dict__
