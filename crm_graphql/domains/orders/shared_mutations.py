"""Helpers shared by the product and order mutations: diffs, unique keys, audit events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from tortoise.exceptions import IntegrityError

from crm_graphql.api.context import Info
from crm_graphql.api.mutations import Problems, UserErrorCode, plain
from crm_graphql.domains.audit import services as audit
from crm_graphql.domains.audit.services import meta_from

Path = list[str | int]


def _diff(values: dict[str, Any]) -> dict[str, Any]:
    return {name: plain(value) for name, value in values.items()}


@asynccontextmanager
async def _unique(problems: Problems, path: Sequence[str | int], message: str) -> AsyncIterator:
    """Turn a unique-key violation into DUPLICATE.

    The lookup before the write answers the usual case; this catches the race where a
    concurrent transaction commits the same value between that lookup and our write.
    """
    try:
        yield
    except IntegrityError:
        problems.fail(path, message, UserErrorCode.DUPLICATE)


async def _record(info: Info, action: str, entity_type: str, pk: int, **changes: Any) -> None:
    await audit.record(
        action, meta_from(info.context), entity_type=entity_type, entity_id=pk, **changes
    )
