"""Candidate pairs of duplicate records, found by blocking keys in SQL.

Comparing every record with every other is quadratic: 100,000 customers are five
billion pairs. Instead each record gets a few *blocking keys* (its normalised e-mail,
its phone, the first letters of its name within its company...), and only records
that share a key are compared. The database finds the blocks in one statement for all
keys: a ``COUNT(*) OVER (PARTITION BY key)`` keeps the rows of the blocks with two or
more members, ordered by key and name.

A small block gives all its pairs; a large one (a name prefix shared by hundreds of
people at a big company, an office switchboard number) gives each record's next
:data:`NEIGHBOURS` in name order only (the sorted-neighbourhood method), so the number
of pairs stays linear in the number of records.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from tortoise.expressions import Q
from tortoise.models import Model

from crm_graphql.api.aggregation.core import is_mysql

#: Blocks up to this size give every pair of their members.
SMALL_BLOCK = 30
#: In a larger block, each record is paired with this many records after it.
NEIGHBOURS = 8


@dataclass(frozen=True)
class BlockingKey:
    """One way records are grouped before they are compared."""

    #: Its name, the reason a pair found by it is a candidate (e.g. ``EMAIL``).
    name: str
    #: SQL parts over the record's columns whose concatenation is the key.
    parts: tuple[str, ...]
    #: SQL condition: the records that have the key.
    where: str
    #: The order of the records within its blocks (SQL over ``base``, as many terms as
    #: the default order), when not the default: records next to each other in this
    #: order are compared in a large block.
    order: tuple[str, ...] = ()


def _key_sql(parts: Sequence[str], mysql: bool) -> str:
    if len(parts) == 1:
        return parts[0]
    if mysql:
        return "CONCAT(" + ", ':', ".join(parts) + ")"
    return " || ':' || ".join(parts)


def _base_sql(model: type[Model], condition: Q, columns: Sequence[str]) -> tuple[str, list[Any]]:
    """The statement (and its parameters) reading ``columns`` of the rows that match
    ``condition``: the records the caller may see."""
    query = model.filter(condition).only(*columns)
    query._choose_db_if_not_chosen()
    query._make_query()
    sql, params = query.query.get_parameterized_sql()
    return sql, list(params)


def blocks_sql(
    model: type[Model],
    condition: Q,
    columns: Sequence[str],
    keys: Sequence[BlockingKey],
    order: Sequence[str],
) -> tuple[str, list[Any]]:
    """One statement giving, for every blocking key, the records of its blocks with two
    or more members: ``(block_no, block_key, *columns)``, ordered by block, key, then
    ``order`` (or the key's own order).

    The blocks are counted over narrow rows (key number, key hash, ID): on MySQL the
    key is partitioned by its ``CRC32`` (an integer), so the window's temporary table
    stays small; the few hash collisions are told apart by the key itself, which the
    result carries. Only the rows of real blocks are joined back to their columns.
    """
    mysql = is_mysql(model)
    base, params = _base_sql(model, condition, columns)
    quote = "`" if mysql else '"'
    names = ", ".join(f"base.{quote}{column}{quote}" for column in columns)
    key_sql = [_key_sql(key.parts, mysql) for key in keys]
    hashed = [f"CRC32({sql})" if mysql else sql for sql in key_sql]
    # One pass over the records, each read once and given every key (a cross join with
    # the key numbers): a UNION of one scan per key reads the table as often.
    numbers = " UNION ALL ".join(f"SELECT {number} AS block_no" for number in range(len(keys)))
    hash_case = " ".join(f"WHEN {number} THEN {sql}" for number, sql in enumerate(hashed))
    where_case = " ".join(f"WHEN {number} THEN {key.where}" for number, key in enumerate(keys))
    keyed = (
        f"SELECT numbers.block_no, CASE numbers.block_no {hash_case} END AS block_hash, id "
        f"FROM base CROSS JOIN ({numbers}) numbers "
        f"WHERE CASE numbers.block_no {where_case} END"
    )
    real_key = " ".join(f"WHEN {number} THEN {sql}" for number, sql in enumerate(key_sql))
    terms = []
    for position, default in enumerate(order):
        special = " ".join(
            f"WHEN {number} THEN {key.order[position]}"
            for number, key in enumerate(keys)
            if key.order
        )
        terms.append(f"CASE sized.block_no {special} ELSE {default} END" if special else default)
    ordering = ", ".join(terms)
    # From the (few) rows of real blocks to their records by primary key: left to itself
    # MariaDB probes the window's result once per record instead.
    join = "STRAIGHT_JOIN" if mysql else "JOIN"
    sql = (
        f"WITH base AS ({base}), keyed AS ({keyed}), "
        f"sized AS (SELECT block_no, block_hash, id, COUNT(*) OVER "
        f"(PARTITION BY block_no, block_hash) AS block_size FROM keyed) "
        f"SELECT sized.block_no, CASE sized.block_no {real_key} END AS block_key, {names} "
        f"FROM sized {join} base ON base.id = sized.id WHERE sized.block_size > 1 "
        f"ORDER BY sized.block_no, sized.block_hash, block_key, {ordering}"
    )
    return sql, params


async def block_rows(
    model: type[Model],
    condition: Q,
    columns: Sequence[str],
    keys: Sequence[BlockingKey],
    order: Sequence[str],
) -> list[dict[str, Any]]:
    """The rows of :func:`blocks_sql`, as dictionaries."""
    sql, params = blocks_sql(model, condition, columns, keys, order)
    return list(await model._meta.db.execute_query_dict(sql, params))


def pairs_in(members: Sequence[int]) -> Iterator[tuple[int, int]]:
    """The pairs of one block (members in name order), smaller ID first."""
    if len(members) <= SMALL_BLOCK:
        candidates: Iterator[tuple[int, int]] = combinations(members, 2)
    else:
        candidates = (
            (members[i], members[j])
            for i in range(len(members))
            for j in range(i + 1, min(i + 1 + NEIGHBOURS, len(members)))
        )
    for a, b in candidates:
        if a != b:
            yield (a, b) if a < b else (b, a)


def candidate_pairs(
    rows: Sequence[dict[str, Any]], keys: Sequence[BlockingKey]
) -> dict[tuple[int, int], set[str]]:
    """Every candidate pair of the blocks in ``rows`` (ordered by block), with the
    names of the blocking keys that found it."""
    found: dict[tuple[int, int], set[str]] = {}
    block: list[int] = []
    current: tuple[Any, Any] | None = None

    def flush() -> None:
        if current is not None and len(block) > 1:
            for pair in pairs_in(block):
                found.setdefault(pair, set()).add(current[0])

    for row in rows:
        key = (keys[int(row["block_no"])].name, row["block_key"])
        if key != current:
            flush()
            current, block = key, []
        block.append(int(row["id"]))
    flush()
    return found
