"""The SLA clocks of a ticket: when its targets fall due, as it moves through statuses.

Plain functions over a ticket's columns (any object with the ``Ticket`` model's
attributes), each returning the column values that change. The database keeps:

- ``first_response_due_at``: creation + the first-response target in business time;
  the first public reply stops this clock (``first_response_seconds``, and
  ``first_response_breached`` when it came after the due time).
- the resolution clock: it runs while the ticket is NEW or OPEN and is stopped while it
  is PENDING or ON_HOLD (waiting on the customer or a third party), SOLVED or CLOSED.
  ``resolution_clock_seconds`` is the business time it ran before
  ``resolution_clock_started_at`` (None while stopped); while it runs,
  ``resolution_due_at`` is when the target falls due (None while stopped). Stopping
  adds the run to the seconds and records ``resolution_breached`` when the run went past
  the due time; resuming computes a new due time from the time left.

A ticket without a policy has no due times; its clocks still count (round the clock)
so that the dashboards can report its response and resolution times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from crm_graphql.domains.support.calendars import Calendar, seconds


@dataclass(frozen=True)
class Targets:
    """The targets of a ticket's SLA policy, and the calendar they count in."""

    first_response: timedelta
    resolution: timedelta
    calendar: Calendar

    @property
    def resolution_seconds(self) -> int:
        return seconds(self.resolution)


def start(targets: Targets | None, calendar: Calendar, now: datetime) -> dict[str, Any]:
    """The clocks of a new ticket, created ``now``."""
    return {
        "first_response_due_at": calendar.add(now, targets.first_response) if targets else None,
        "first_response_seconds": None,
        "first_response_breached": False,
        "resolution_due_at": calendar.add(now, targets.resolution) if targets else None,
        "resolution_clock_started_at": now,
        "resolution_clock_seconds": 0,
        "resolution_seconds": None,
        "resolution_breached": False,
    }


def first_response(row: Any, calendar: Calendar, now: datetime) -> dict[str, Any]:
    """The first public reply, given ``now``: stops the first-response clock."""
    if row.first_responded_at is not None:
        return {}
    due = row.first_response_due_at
    return {
        "first_responded_at": now,
        "first_response_seconds": seconds(calendar.between(row.created_at, now)),
        "first_response_breached": due is not None and now > due,
    }


def stop(row: Any, calendar: Calendar, now: datetime) -> dict[str, Any]:
    """Stop the resolution clock (a pause, or the ticket is solved)."""
    started = row.resolution_clock_started_at
    if started is None:
        return {}
    ran = row.resolution_clock_seconds + seconds(calendar.between(started, now))
    due = row.resolution_due_at
    return {
        "resolution_clock_started_at": None,
        "resolution_clock_seconds": ran,
        "resolution_due_at": None,
        "resolution_breached": row.resolution_breached or (due is not None and now > due),
    }


def resume(row: Any, targets: Targets | None, calendar: Calendar, now: datetime) -> dict[str, Any]:
    """Run the resolution clock again from ``now`` with the time that is left (a due time
    of ``now`` when none is left)."""
    if row.resolution_clock_started_at is not None:
        return {}
    due = None
    if targets is not None:
        left = targets.resolution - timedelta(seconds=row.resolution_clock_seconds)
        due = calendar.add(now, left)
    return {"resolution_clock_started_at": now, "resolution_due_at": due}


def retarget(
    row: Any,
    old_calendar: Calendar,
    targets: Targets | None,
    calendar: Calendar,
    now: datetime,
) -> dict[str, Any]:
    """New targets for a ticket (its priority changed, so did its policy): the due times
    count from the ticket's creation and the time its clocks already ran.

    ``old_calendar`` measured the clocks so far; ``calendar`` counts from now on.
    """
    values: dict[str, Any] = {
        "first_response_due_at": (
            calendar.add(row.created_at, targets.first_response) if targets else None
        )
    }
    if row.first_responded_at is not None:
        due = values["first_response_due_at"]
        values["first_response_breached"] = due is not None and row.first_responded_at > due
    started = row.resolution_clock_started_at
    if started is None:
        values["resolution_breached"] = (
            targets is not None and row.resolution_clock_seconds > targets.resolution_seconds
        )
        return values
    # Running: close the current run under the old calendar, start a new one now.
    ran = row.resolution_clock_seconds + seconds(old_calendar.between(started, now))
    values["resolution_clock_started_at"] = now
    values["resolution_clock_seconds"] = ran
    values["resolution_due_at"] = (
        calendar.add(now, targets.resolution - timedelta(seconds=ran)) if targets else None
    )
    values["resolution_breached"] = targets is not None and ran > targets.resolution_seconds
    return values


def first_response_breached(row: Any, now: datetime) -> bool:
    """Whether the first response came, or is still missing, after its due time."""
    if row.first_responded_at is not None:
        return bool(row.first_response_breached)
    due = row.first_response_due_at
    return due is not None and now > due


def resolution_breached(row: Any, now: datetime) -> bool:
    """Whether the resolution clock ran past its target."""
    if row.resolution_breached:
        return True
    due = row.resolution_due_at
    return row.resolution_clock_started_at is not None and due is not None and now > due


def remaining(row: Any, calendar: Calendar, now: datetime) -> timedelta | None:
    """Business time left until the next target the ticket still has to meet: the first
    response while there is none, else the resolution while its clock runs (negative:
    overdue). None when no target is pending (no policy, paused, solved)."""
    if row.first_responded_at is None and row.first_response_due_at is not None:
        return calendar.between(now, row.first_response_due_at)
    if row.resolution_clock_started_at is not None and row.resolution_due_at is not None:
        return calendar.between(now, row.resolution_due_at)
    return None


class SlaEventKind(StrEnum):
    """The SLA events of a ticket, each at its own time."""

    FIRST_RESPONSE_WARNING = "FIRST_RESPONSE_WARNING"
    FIRST_RESPONSE_BREACHED = "FIRST_RESPONSE_BREACHED"
    RESOLUTION_WARNING = "RESOLUTION_WARNING"
    RESOLUTION_BREACHED = "RESOLUTION_BREACHED"


@dataclass(frozen=True)
class SlaEvent:
    """An SLA event of a ticket and when it falls due."""

    kind: SlaEventKind
    at: datetime


def next_event(row: Any, after: datetime, warning: timedelta) -> SlaEvent | None:
    """The ticket's next SLA event strictly after ``after``: "about to breach" ``warning``
    before a due time, and "breached" at it. None when no clock is heading for a target.

    This is what a scheduler plans (and plans again whenever the ticket changes, since a
    change moves or cancels the due times); nothing scans for breaches.
    """
    candidates = []
    if row.first_responded_at is None and row.first_response_due_at is not None:
        due = row.first_response_due_at
        candidates += [
            SlaEvent(SlaEventKind.FIRST_RESPONSE_WARNING, due - warning),
            SlaEvent(SlaEventKind.FIRST_RESPONSE_BREACHED, due),
        ]
    if (
        row.resolution_clock_started_at is not None
        and row.resolution_due_at is not None
        and not row.resolution_breached
    ):
        due = row.resolution_due_at
        candidates += [
            SlaEvent(SlaEventKind.RESOLUTION_WARNING, due - warning),
            SlaEvent(SlaEventKind.RESOLUTION_BREACHED, due),
        ]
    upcoming = [event for event in candidates if event.at > after]
    return min(upcoming, key=lambda event: event.at) if upcoming else None
