"""A short-lived cache of dashboard views, shared by server processes through Redis.

Without ``CRM_CACHE_URL`` nothing is cached: ``cached_view`` computes every time.

With it, a view's result is kept for ``CRM_CACHE_SECONDS`` per (view, arguments, the
caller's role): dashboards poll every few seconds, and many people looking at the same
dashboard then cost one computation. Every successful mutation bumps a generation counter
(:func:`views_changed`); an entry made under an older generation is not used, so a read
after a write sees the write. Writes made outside the API (the seed command, SQL by hand)
show once the entries age out.

Redis is an optimisation, never a requirement: when it cannot be reached the views are
computed as if there were no cache, and one warning is logged per outage, not per request.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from redis import asyncio as aioredis
from redis.exceptions import RedisError
from starlette.applications import Starlette
from strawberry.types.unset import UnsetType

from crm_graphql.api.context import Context, Info
from crm_graphql.api.mutations.transaction import after_commit
from crm_graphql.settings import Settings

T = TypeVar("T")

logger = logging.getLogger("crm_graphql.cache")

#: After Redis failed, views skip it for this long before trying again: an outage then
#: costs one short connection attempt now and then, not one per request.
RETRY_AFTER_SECONDS = 10.0
#: Redis answers in well under a millisecond on a healthy network; waiting longer than this
#: for it is slower than computing the view.
REDIS_TIMEOUT_SECONDS = 0.25


class ViewCache:
    """The Redis client of one app, the key layout and the outage bookkeeping."""

    def __init__(self, settings: Settings) -> None:
        assert settings.cache_url is not None
        # from_url does not connect: the pool opens connections on first use.
        self.redis = aioredis.Redis.from_url(
            settings.cache_url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )
        self.prefix = settings.cache_key_prefix
        self.ttl_ms = max(1, round(settings.cache_seconds * 1000))
        self.generation_key = f"{self.prefix}generation"
        self._down_until = 0.0
        self._down = False
        self._unusable: set[str] = set()

    def available(self) -> bool:
        """False while an outage is recent: views then skip Redis altogether."""
        return time.monotonic() >= self._down_until

    def failed(self, exc: Exception) -> None:
        """Note that Redis failed: warn once for this outage and leave it alone a while."""
        self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
        if not self._down:
            self._down = True
            logger.warning(
                "view cache unavailable (%s: %s); views are computed without it and Redis is "
                "tried again every %.0f s",
                type(exc).__name__,
                exc,
                RETRY_AFTER_SECONDS,
            )
        else:
            logger.debug("view cache still unavailable: %s", exc)

    def unusable(self, view: str, reason: str) -> None:
        """Log once per view that it cannot be cached (a fault in the view's code)."""
        if view not in self._unusable:
            self._unusable.add(view)
            logger.error("view %s is computed every time, not cached: %s", view, reason)

    def succeeded(self) -> None:
        """Note that Redis answered (logs the end of an outage)."""
        if self._down:
            self._down = False
            logger.info("view cache available again")

    def entry_key(self, view: str, arguments: dict[str, Any], role: str) -> str:
        """The key of one (view, arguments, role): a digest of their canonical text."""
        text = json.dumps(
            [view, role, _canonical(arguments)], sort_keys=True, separators=(",", ":")
        )
        return f"{self.prefix}view:{view}:{hashlib.sha256(text.encode()).hexdigest()}"

    async def aclose(self) -> None:
        """Close the client's connections."""
        await self.redis.aclose()


def view_cache(context: Context) -> ViewCache | None:
    """The app's view cache, made on first use; None when no cache is configured."""
    if context.settings.cache_url is None or context.request is None:
        return None
    state = context.request.app.state
    cache: ViewCache | None = getattr(state, "view_cache", None)
    if cache is None:
        cache = state.view_cache = ViewCache(context.settings)
    return cache


async def close_view_cache(app: Starlette) -> None:
    """Close the app's Redis connections, if it opened any (at the end of its lifespan)."""
    cache: ViewCache | None = getattr(app.state, "view_cache", None)
    if cache is not None:
        app.state.view_cache = None
        await cache.aclose()


async def cached_view(
    info: Info, view: str, arguments: dict[str, Any], compute: Callable[[], Awaitable[T]]
) -> T:
    """The result of ``compute()`` for (``view``, ``arguments``, the caller's role).

    ``compute`` returns plain data (dicts, lists, str, int, float, bool, None, Decimal,
    date, datetime), not GraphQL objects, so that the result can be stored and read back.
    """
    context = info.context
    cache = view_cache(context)
    if cache is None or not cache.available():
        return await compute()
    principal = context.principal
    role = principal.role.value if principal is not None else "anonymous"
    try:
        key = cache.entry_key(view, arguments, role)
    except TypeError as exc:
        cache.unusable(view, f"arguments cannot be part of a cache key: {exc}")
        return await compute()

    try:
        generation_text, stored = await cache.redis.mget(cache.generation_key, key)
    except (RedisError, OSError) as exc:
        cache.failed(exc)
        return await compute()
    cache.succeeded()
    generation = int(generation_text or 0)
    if stored is not None:
        try:
            entry = decode(stored)
        except (ValueError, KeyError, TypeError):
            # Not this version's encoding (e.g. during a rolling upgrade): recompute.
            entry = None
        # An entry made before the latest write is stale even if it has not aged out.
        if isinstance(entry, dict) and entry.get("generation") == generation and "value" in entry:
            return entry["value"]

    value = await compute()
    try:
        payload = encode({"generation": generation, "value": value})
    except TypeError as exc:
        cache.unusable(view, f"result is not plain data: {exc}")
        return value
    try:
        await cache.redis.set(key, payload, px=cache.ttl_ms)
    except (RedisError, OSError) as exc:
        cache.failed(exc)
    return value


@after_commit
async def views_changed(context: Context) -> None:
    """Make later reads of every view fresh: runs after every committed mutation."""
    cache = view_cache(context)
    if cache is None or not cache.available():
        return
    try:
        await cache.redis.incr(cache.generation_key)
    except (RedisError, OSError) as exc:
        # The write itself succeeded; entries made before it age out within the TTL.
        cache.failed(exc)
    else:
        cache.succeeded()


# --------------------------------------------------------------------------- encoding

#: The key that marks an encoded non-JSON value (or a dict that needed escaping).
_TAG = "$t"


def encode(value: Any) -> str:
    """JSON text of plain data that :func:`decode` turns back into equal values of the
    same types: Decimal, date, datetime (with its zone), tuple and dicts with any keys.

    Raises ``TypeError`` for anything else (enum members, GraphQL objects, ...).
    """
    return json.dumps(_tagged(value), separators=(",", ":"), allow_nan=True)


def decode(text: str | bytes) -> Any:
    """The value :func:`encode` was given."""
    return json.loads(text, object_hook=_untagged)


def _tagged(value: Any) -> Any:
    kind = type(value)
    # Exact types: a str or int enum member must not come back as a bare str or int.
    if value is None or kind in (str, int, float, bool):
        return value
    if kind is list:
        return [_tagged(item) for item in value]
    if kind is dict:
        if all(type(key) is str for key in value) and _TAG not in value:
            return {key: _tagged(item) for key, item in value.items()}
        return {_TAG: "map", "v": [[_tagged(k), _tagged(v)] for k, v in value.items()]}
    if kind is tuple:
        return {_TAG: "tuple", "v": [_tagged(item) for item in value]}
    if kind is Decimal:
        return {_TAG: "decimal", "v": str(value)}
    if kind is datetime:
        tagged = {_TAG: "datetime", "v": value.isoformat()}
        if isinstance(value.tzinfo, ZoneInfo):
            # An offset alone would lose the zone (and with it later DST changes).
            tagged["zone"] = value.tzinfo.key
        return tagged
    if kind is date:
        return {_TAG: "date", "v": value.isoformat()}
    raise TypeError(f"cannot cache a value of type {kind.__name__}")


def _untagged(obj: dict[str, Any]) -> Any:
    tag = obj.get(_TAG)
    if tag is None:
        return obj
    payload = obj["v"]
    if tag == "decimal":
        return Decimal(payload)
    if tag == "datetime":
        moment = datetime.fromisoformat(payload)
        return moment.astimezone(ZoneInfo(obj["zone"])) if "zone" in obj else moment
    if tag == "date":
        return date.fromisoformat(payload)
    if tag == "tuple":
        return tuple(payload)
    if tag == "map":
        return dict(payload)
    raise ValueError(f"unknown cache value tag {tag!r}")


def _canonical(value: Any) -> Any:
    """Arguments as JSON-able data that differs whenever the arguments differ."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, UnsetType):
        return {_TAG: "unset"}
    if isinstance(value, Enum):
        return {_TAG: type(value).__qualname__, "v": value.name}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_canonical(item) for item in value]
        if isinstance(value, set | frozenset):
            items.sort(key=lambda item: json.dumps(item, sort_keys=True))
        return items
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Strawberry input objects (filters) are dataclasses.
        fields = {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {_TAG: type(value).__qualname__, "v": fields}
    if isinstance(value, datetime | date | Decimal):
        return {_TAG: type(value).__name__, "v": _tagged(value)}
    raise TypeError(f"cannot make a cache key of a {type(value).__name__}")
