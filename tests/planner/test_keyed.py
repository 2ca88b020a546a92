"""Statements over key lists are the ones pypika writes for the whole list, and
referenced rows are read with the columns their selected fields use."""

from __future__ import annotations

import re
from typing import Any

from crm_graphql.api.columns import row_builder
from crm_graphql.api.keyed import keyed_statement, keyed_values
from crm_graphql.domains.customers.loaders import _lifetime_values_query
from crm_graphql.domains.orders.models import Order, OrderItem, OrderStatus
from crm_graphql.domains.sales.models import Opportunity
from tests.customers.test_customer_360 import HEADLINE, _build_customers
from tests.factories import make_customer, make_order_with_total
from tests.helpers import count_statements


def _items_statement(keys: list[Any]) -> tuple[str, list[Any]]:
    query = (
        OrderItem.filter(order_id__in=keys, quantity__gte=2)
        .order_by("id")
        .only("id", "order_id", "quantity")
    )
    query._choose_db_if_not_chosen()
    query._make_query()
    return query.query.get_parameterized_sql()


async def test_a_keyed_statement_is_what_pypika_writes_for_the_whole_list(db):
    for keys in ([7], [3, 1, 3], list(range(1, 501))):
        assert keyed_statement(_items_statement, keys) == _items_statement(keys)


async def test_keys_that_are_not_plain_integers_are_built_as_given(db):
    built: list[list[Any]] = []

    def statement(keys: list[Any]) -> tuple[str, list[Any]]:
        built.append(keys)
        return _items_statement(keys)

    for keys in ([1, True], ["1", "2"], []):
        built.clear()
        assert keyed_statement(statement, keys) == _items_statement(list(keys))
        assert built == [list(keys)]


async def test_partial_rows_convert_enum_columns_as_tortoise_does(db):
    field = Opportunity._meta.fields_map["stage"]
    build = row_builder(Opportunity, ("id", "stage"))
    for member in field.enum_type:
        row = build({"id": 1, "stage": member.value})
        assert row.stage is field.to_python_value(member.value)
    assert build({"id": 1, "stage": None}).stage is None


async def test_referenced_rows_read_only_the_columns_their_fields_use(gql, db):
    await _build_customers(2, interactions=2, orders=2)
    with count_statements() as statements:
        data = await gql.data(HEADLINE, {"first": 5})
    assert data["customers"]["nodes"][0]["company"]["name"]
    plain = [sql.replace("`", '"') for sql in statements]
    companies = [sql for sql in plain if '"company"' in sql]
    # Read with the page of customers, joined.
    assert len(companies) == 1 and 'LEFT JOIN "company"' in companies[0], statements
    # The name, the key and the soft-delete flag: no address, no JSON columns.
    read = set(re.findall(r'"joined_company"\."(\w+)" ', companies[0]))
    assert read == {"id", "name", "deleted_at"}, companies[0]
    # The server's version is asked once per pool, by whichever request comes first
    # (every customer is on the page: totalCount needs no statement).
    assert len([sql for sql in statements if "VERSION()" not in sql]) == 6, statements


async def test_kept_value_statements_give_what_tortoise_reads(db):
    customers = [await make_customer() for _ in range(3)]
    for customer, totals in zip(customers, (["10.50", "2.25"], ["7.00"], []), strict=True):
        for total in totals:
            await make_order_with_total(customer, total)
        await make_order_with_total(customer, "99.99", currency="EUR")
        await make_order_with_total(customer, "5.00", status=OrderStatus.CANCELLED)
    ids = [customer.id for customer in customers]
    # The first call builds and keeps the statement, the others expand it.
    for keys in (ids, ids[:1], [ids[2], ids[0]], [*ids, 10**9]):
        kept = await keyed_values(Order, "lifetime value", _lifetime_values_query, keys)
        read = await _lifetime_values_query(keys)
        assert sorted(kept) == sorted(read)
        assert kept and all(type(a) is type(b) for a, b in zip(kept[0], read[0], strict=True))
