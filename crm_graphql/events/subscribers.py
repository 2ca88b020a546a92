"""Subscribers: async handlers registered for event types, and the modules declaring them."""

from __future__ import annotations

import importlib
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any

#: Event types are dotted lower-case names: ``<entity>.<what happened>``.
EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
#: Patterns a subscriber listens to: event types where ``*`` stands for any part.
_PATTERN = re.compile(r"^(\*|[a-z][a-z0-9_]*(\.([a-z][a-z0-9_]*|\*))*)$")
_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,99}$")


@dataclass(frozen=True, slots=True)
class Event:
    """One event as a subscriber receives it."""

    #: The outbox row's ID: stable across redeliveries (the key to de-duplicate on).
    id: int
    #: e.g. ``opportunity.stage_changed``.
    type: str
    entity_type: str
    entity_id: str
    data: dict[str, Any]
    actor_id: int | None
    #: When the change was written (for a scheduled event: when it became due).
    created_at: datetime
    #: 1 on the first attempt of this subscriber on this event, 2 on the first retry...
    attempt: int


Handler = Callable[[Event], Awaitable[None]]


class PermanentFailure(Exception):
    """Raised by a handler for a failure that retrying cannot fix (a bad template, a
    deleted record): the run is recorded as failed at once, with this message."""


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A registered handler and the event types it runs on."""

    name: str
    events: tuple[str, ...]
    handler: Handler
    #: True: the handler's database writes commit together with the record that it ran
    #: (exactly once in effect). False: it has external effects and runs outside a
    #: transaction, at least once; it de-duplicates on ``event.id``.
    transactional: bool = True
    max_attempts: int | None = None
    retry_base_seconds: float | None = None
    retry_max_seconds: float | None = None
    timeout_seconds: float | None = None
    #: Only with ``transactional=False``: the run renews its claim every third of this
    #: while it is alive (a heartbeat), and another worker takes the run over only after
    #: this long without a renewal. None: the claim lasts the time limit (plus a margin).
    lease_seconds: float | None = None

    def matches(self, event_type: str) -> bool:
        """True when this subscriber runs on events of ``event_type``."""
        return any(fnmatchcase(event_type, pattern) for pattern in self.events)


_registry: dict[str, Subscriber] = {}


class SubscriberError(ValueError):
    """A subscriber declaration is wrong (a bad name or pattern, a duplicate name)."""


def subscriber(
    name: str,
    *,
    events: Iterable[str],
    transactional: bool = True,
    max_attempts: int | None = None,
    retry_base_seconds: float | None = None,
    retry_max_seconds: float | None = None,
    timeout_seconds: float | None = None,
    lease_seconds: float | None = None,
) -> Callable[[Handler], Handler]:
    """Register an async handler ``async def handle(event: Event) -> None``.

    ``events`` are event types or patterns (``opportunity.*``, ``*.created``, ``*``). The
    name is the subscriber's identity in the delivery records: keep it stable. Settings
    not given here (attempts, retry delays, time limit) come from ``CRM_EVENTS_*``.
    ``lease_seconds`` gives a long run with external effects a heartbeat (see
    :attr:`Subscriber.lease_seconds`).
    """
    patterns = tuple(events)
    if not _NAME.match(name):
        raise SubscriberError(f"subscriber name {name!r}: lower-case letters, digits, . _ -")
    if not patterns:
        raise SubscriberError(f"subscriber {name!r} listens to no events")
    for pattern in patterns:
        if not _PATTERN.match(pattern):
            raise SubscriberError(f"subscriber {name!r}: {pattern!r} is not an event pattern")
    if max_attempts is not None and max_attempts < 1:
        raise SubscriberError(f"subscriber {name!r}: max_attempts must be at least 1")
    if lease_seconds is not None and (transactional or lease_seconds <= 0):
        raise SubscriberError(f"subscriber {name!r}: a lease is for non-transactional runs")

    def register(handler: Handler) -> Handler:
        known = _registry.get(name)
        if known is not None and known.handler.__qualname__ != handler.__qualname__:
            raise SubscriberError(f"two subscribers are named {name!r}")
        _registry[name] = Subscriber(
            name=name,
            events=patterns,
            handler=handler,
            transactional=transactional,
            max_attempts=max_attempts,
            retry_base_seconds=retry_base_seconds,
            retry_max_seconds=retry_max_seconds,
            timeout_seconds=timeout_seconds,
            lease_seconds=lease_seconds,
        )
        subscribers_for.cache_clear()
        return handler

    return register


def unregister(name: str) -> None:
    """Forget a subscriber (tests that register handlers of their own)."""
    _registry.pop(name, None)
    subscribers_for.cache_clear()


def get_subscriber(name: str) -> Subscriber | None:
    """The subscriber registered under ``name`` in this process, if any."""
    return _registry.get(name)


def all_subscribers() -> list[Subscriber]:
    """Every subscriber registered in this process."""
    return list(_registry.values())


@lru_cache(maxsize=1024)
def subscribers_for(event_type: str) -> tuple[Subscriber, ...]:
    """The subscribers that run on an event of ``event_type``."""
    return tuple(sub for sub in _registry.values() if sub.matches(event_type))


def load_subscriber_modules(modules: Iterable[str]) -> None:
    """Import the modules that declare subscribers (registration happens on import)."""
    for module in modules:
        importlib.import_module(module)
