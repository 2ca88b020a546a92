"""Process-local wake-ups: a running relay or scheduler in this process is told at once
when something was written, instead of waiting for its next look (other processes find
the rows on their next look)."""

from __future__ import annotations

import asyncio

_outbox: set[asyncio.Event] = set()
_schedule: set[asyncio.Event] = set()


def listen_outbox(event: asyncio.Event) -> None:
    """Have ``event`` set whenever this process writes an outbox row."""
    _outbox.add(event)


def listen_schedule(event: asyncio.Event) -> None:
    """Have ``event`` set whenever this process schedules or moves an event."""
    _schedule.add(event)


def forget(event: asyncio.Event) -> None:
    """Stop setting ``event``."""
    _outbox.discard(event)
    _schedule.discard(event)


def outbox_written() -> None:
    """An outbox row was written (it is visible once its transaction commits)."""
    for event in _outbox:
        event.set()


def schedule_changed() -> None:
    """A scheduled event was added or moved."""
    for event in _schedule:
        event.set()
