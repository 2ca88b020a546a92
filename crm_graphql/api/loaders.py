"""Batch loads shared by every domain: rows by primary key, one statement per model."""

from __future__ import annotations

from typing import Any, TypeVar

from tortoise.models import Model

from crm_graphql.api.context import Info

M = TypeVar("M", bound=Model)


async def load_by_id(info: Info, model: type[M], pk: int | None) -> M | None:
    """The row of ``model`` with primary key ``pk``, batched with every other such load."""
    if pk is None:
        return None

    async def batch(keys: list[int]) -> list[Any]:
        rows = {row.pk: row for row in await model.filter(pk__in=keys)}
        return [rows.get(key) for key in keys]

    return await info.context.loader(("by_id", model.__name__), batch).load(pk)
