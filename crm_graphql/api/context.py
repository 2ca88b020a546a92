"""The per-request context every resolver receives."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from crm_graphql.settings import Settings

BatchFn = Callable[[list[Any]], Awaitable[Sequence[Any]]]


@dataclass
class Context:
    """Request, settings and the request's DataLoaders (built fresh for every request)."""

    settings: Settings
    request: Request | None = None
    _loaders: dict[Hashable, DataLoader[Any, Any]] = field(default_factory=dict)

    def loader(self, key: Hashable, batch: BatchFn) -> DataLoader[Any, Any]:
        """The request's DataLoader for ``key``, made from ``batch`` on first use.

        Loaders live for one request only, so no row is cached across users or time.
        """
        found = self._loaders.get(key)
        if found is None:
            found = self._loaders[key] = DataLoader(load_fn=batch)
        return found


Info = StrawberryInfo[Context, None]
