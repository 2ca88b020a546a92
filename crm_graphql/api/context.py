"""The per-request context every resolver receives."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from crm_graphql.api.auth import Principal
from crm_graphql.api.kept import KeptPreparation
from crm_graphql.api.limits.cost import QueryCost
from crm_graphql.settings import Settings

BatchFn = Callable[[list[Any]], Awaitable[Sequence[Any]]]


@dataclass
class Context:
    """Request, settings, caller and the request's DataLoaders (fresh for every request)."""

    settings: Settings
    request: Request | None = None
    #: Who is asking; set by the ``Authentication`` extension before any resolver runs.
    #: ``None`` only in public operations (``login``, ``refreshToken``, introspection).
    principal: Principal | None = None
    _loaders: dict[Hashable, DataLoader[Any, Any]] = field(default_factory=dict)
    #: Values computed once per request (e.g. a field's selection, read by every row).
    memo: dict[Hashable, Any] = field(default_factory=dict)
    #: The operation's cost: ``requested`` (worst case, before execution) and ``actual``
    #: (nodes returned, after it); set by the query limits, read by metrics and logs.
    cost: QueryCost = field(default_factory=QueryCost)
    #: Values prepared from the document alone, shared with later requests of the same
    #: document and caller (see :mod:`crm_graphql.api.kept`); None: kept per request.
    kept_preparation: KeptPreparation | None = None
    _kept: tuple[Any, Principal | None, dict[Hashable, Any]] | None = None
    #: Objects of the request's execution that refer back to themselves (graphql-core's
    #: executor through its helpers' bound methods): their cycles are cut by
    #: :meth:`release`.
    _cyclic: list[Any] = field(default_factory=list)

    def kept(self, operation: Any) -> dict[Hashable, Any]:
        """The values prepared for ``operation`` (the executing operation's node) and
        this request's caller, kept across requests when the app keeps them (else for
        this request only). Only for values that depend on nothing else: the document,
        the caller (role, IDs), the settings and the argument values in the key."""
        found = self._kept
        if found is not None and found[0] is operation and found[1] is self.principal:
            return found[2]
        if self.kept_preparation is None:
            kept = self.memo.setdefault(("kept", id(operation)), {})
        else:
            kept = self.kept_preparation.of(operation, self.principal)
        self._kept = (operation, self.principal, kept)
        return kept

    def holds(self, cyclic: Any) -> None:
        """Have :meth:`release` cut the cycle of ``cyclic`` (an executor of this
        request's operation) once the operation has answered."""
        self._cyclic.append(cyclic)

    def release(self) -> None:
        """Once the operation has answered: drop what only its resolvers use.

        The request's loaders refer back to this context (their batch functions hold the
        resolvers' ``info``), and graphql-core's executor to itself: without cutting
        those cycles, everything the request read (rows, pages, futures, a few hundred
        objects) would wait for the cyclic garbage collector, whose young collections
        then run every few dozen requests and take tens of milliseconds each. Cut, it
        is freed by reference counting as soon as the response is sent. The cost and
        the caller stay (metrics and the log line read them after)."""
        self._loaders.clear()
        self.memo.clear()
        self._kept = None
        for cyclic in self._cyclic:
            release = getattr(cyclic, "release", None)
            if release is not None:
                release()
        self._cyclic.clear()

    def loader(self, key: Hashable, batch: BatchFn) -> DataLoader[Any, Any]:
        """The request's DataLoader for ``key``, made from ``batch`` on first use.

        Loaders live for one request only, so no row is cached across users or time.
        """
        found = self._loaders.get(key)
        if found is None:
            found = self._loaders[key] = DataLoader(load_fn=batch)
        return found

    @property
    def request_id(self) -> str | None:
        """The request's ID (``X-Request-ID``), set by :class:`RequestIdMiddleware`."""
        if self.request is None:
            return None
        return getattr(self.request.state, "request_id", None)

    @property
    def client_address(self) -> str | None:
        """The client's IP address: the peer's, or the one ``X-Forwarded-For`` names when
        the peer is one of ``CRM_TRUSTED_PROXIES``."""
        client = self.request.client if self.request is not None else None
        return client.host if client is not None else None


Info = StrawberryInfo[Context, None]
