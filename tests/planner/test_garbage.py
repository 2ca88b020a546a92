"""Once a request has answered, what it read is freed by reference counting: nothing of
it waits for the cyclic garbage collector, whose collections would otherwise run every
few dozen requests and pause the process for tens of milliseconds
(``Context.release``)."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

from graphql.execution.executor import Executor
from strawberry.dataloader import DataLoader
from tortoise.models import Model

from crm_graphql.api.context import Context
from crm_graphql.api.roles import Role
from tests.customers.test_customer_360 import HEADLINE, _build_customers

#: What a request's resolvers make and hold: its rows, loaders, futures, executor.
REQUEST_KINDS = (Model, Context, Executor, DataLoader, asyncio.Future)


async def _left_for_the_collector(client: Any, query: str, variables: dict) -> list[str]:
    """The request's objects that only the cyclic collector would free."""
    await client.execute(query, variables)  # first: whatever is kept across requests
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        body = await client.execute(query, variables)
        gc.collect()
        left = [type(found).__name__ for found in gc.garbage if isinstance(found, REQUEST_KINDS)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert "data" in body and body["data"] is not None
    return left


async def test_a_read_leaves_nothing_of_its_rows_for_the_cyclic_collector(gql, db):
    await _build_customers(3, interactions=2, orders=2)
    assert await _left_for_the_collector(gql, HEADLINE, {"first": 5}) == []


async def test_a_read_with_a_denied_field_leaves_nothing_for_the_cyclic_collector(gql_as, db):
    await _build_customers(2, interactions=1, orders=1)
    analyst = await gql_as(Role.ANALYST)
    query = "{ customers(first: 5) { nodes { id email interactions(first: 2) { totalCount } } } }"
    assert await _left_for_the_collector(analyst, query, {}) == []


async def test_a_mutation_leaves_nothing_for_the_cyclic_collector(gql, db):
    mutation = """mutation($input: CreateCustomerInput!) {
      createCustomer(input: $input) { customer { id firstName } } }"""
    left = await _left_for_the_collector(
        gql, mutation, {"input": {"firstName": "Ada", "lastName": "Lovelace"}}
    )
    assert left == []
