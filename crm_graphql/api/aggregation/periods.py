"""Calendar periods in a client's time zone, and the UTC offsets that place rows in them.

The database stores UTC. A row belongs to the local period of its local time, and the
local time is the UTC time plus the zone's offset at that instant. Neither SQLite nor a
MySQL server without time-zone tables can convert with zone names, so the offsets come
from ``zoneinfo`` here: :func:`offset_shifts` lists the few intervals of constant offset
that a range spans (one per daylight-saving change), and the SQL adds the offset of the
interval a row falls in.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm_graphql.api.enums import graphql_enum
from crm_graphql.api.errors import CrmError, ErrorCode

#: Offsets are looked up between these years when a range has no bound.
EARLIEST_YEAR = 1970
LATEST_YEAR = 2100


class Granularity(Enum):
    """The length of a calendar period (weeks start on Monday, as in ISO 8601)."""

    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    QUARTER = "QUARTER"
    YEAR = "YEAR"


graphql_enum(
    Granularity,
    "The length of the periods of a time series or a date group.",
    {
        "DAY": "Calendar days.",
        "WEEK": "Weeks from Monday to Sunday (ISO 8601).",
        "MONTH": "Calendar months.",
        "QUARTER": "Quarters: January-March, April-June, July-September, October-December.",
        "YEAR": "Calendar years.",
    },
)


@dataclass(frozen=True)
class Shift:
    """From ``start`` (inclusive) to ``end`` (exclusive), UTC, the zone is ``seconds`` ahead
    of UTC. A missing bound is open."""

    start: datetime | None
    end: datetime | None
    seconds: int


def time_zone(name: str, argument: str = "timeZone") -> ZoneInfo:
    """The IANA zone ``name``; an unknown name is a ``BAD_USER_INPUT`` error."""
    try:
        if not name or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise CrmError(
            f"Unknown time zone {name!r}: use an IANA name such as 'Europe/Berlin'.",
            ErrorCode.BAD_USER_INPUT,
            argument=argument,
        ) from None


def _offset(zone: ZoneInfo, instant: datetime) -> int:
    delta = instant.astimezone(zone).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


@functools.lru_cache(maxsize=4096)
def _transitions_in_year(zone: ZoneInfo, year: int) -> tuple[tuple[datetime, int], ...]:
    """Instants (UTC) in ``year`` at which the zone's offset changes, with the new offset.

    Offsets are compared a day apart and each change is narrowed to the second; zones
    do not change twice within a day.
    """
    found = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    before = _offset(zone, day)
    while day < end:
        after_day = day + timedelta(days=1)
        after = _offset(zone, after_day)
        if after != before:
            low, high = day, after_day  # offset(low) == before, offset(high) == after
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _offset(zone, middle) == before:
                    low = middle
                else:
                    high = middle
            found.append((high.replace(microsecond=0), after))
            before = after
        day = after_day
    return tuple(found)


def offset_shifts(zone: ZoneInfo, start: datetime | None, end: datetime | None) -> list[Shift]:
    """The intervals of constant offset covering ``start``..``end`` (UTC; None: open),
    oldest first. The first and last intervals are open-ended, so every instant falls in
    exactly one."""
    first = start.year if start is not None else EARLIEST_YEAR
    last = end.year if end is not None else LATEST_YEAR
    changes = [
        change
        for year in range(first, last + 1)
        for change in _transitions_in_year(zone, year)
        if (start is None or change[0] > start) and (end is None or change[0] < end)
    ]
    anchor = start if start is not None else datetime(first, 1, 1, tzinfo=UTC)
    shifts = []
    begin: datetime | None = None
    seconds = _offset(zone, anchor)
    for instant, offset in changes:
        shifts.append(Shift(begin, instant, seconds))
        begin, seconds = instant, offset
    shifts.append(Shift(begin, None, seconds))
    return shifts


def local_boundaries(
    granularity: Granularity, shifts: Sequence[Shift], start: datetime, end: datetime
) -> list[datetime]:
    """The instants (UTC) after ``start`` and before ``end`` where the local period of
    ``granularity`` may change: where one begins and where the offset changes. Between
    two of them every instant is in one local period. No ``shifts``: UTC."""
    found: list[datetime] = []
    for shift in shifts or (Shift(None, None, 0),):
        low = start if shift.start is None else max(start, shift.start)
        high = end if shift.end is None else min(end, shift.end)
        if low >= high:
            continue
        if low > start:
            found.append(low)
        # Wall-clock times as UTC-labelled instants: local = UTC + offset.
        offset = timedelta(seconds=shift.seconds)
        local_low, local_high = low + offset, high + offset
        day = next_period(period_start(local_low.date(), granularity), granularity)
        while (midnight := datetime.combine(day, time(), tzinfo=UTC)) < local_high:
            found.append(midnight - offset)
            day = next_period(day, granularity)
    return found


def displaced(shifts: Sequence[Shift], delta: timedelta) -> tuple[Shift, ...]:
    """Offsets that put an instant ``t`` at the local time of ``t + delta``: a period
    computed with them is the local period of ``t + delta``."""
    seconds = int(delta.total_seconds())
    return tuple(
        Shift(
            None if shift.start is None else shift.start - delta,
            None if shift.end is None else shift.end - delta,
            shift.seconds + seconds,
        )
        for shift in shifts or (Shift(None, None, 0),)
    )


# --------------------------------------------------------------------------- the calendar


def period_start(day: date, granularity: Granularity) -> date:
    """The first day of the period that contains ``day``."""
    if granularity is Granularity.DAY:
        return day
    if granularity is Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    if granularity is Granularity.MONTH:
        return day.replace(day=1)
    if granularity is Granularity.QUARTER:
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, 1, 1)


def next_period(start: date, granularity: Granularity) -> date:
    """The first day of the period after the one starting on ``start``."""
    if granularity is Granularity.DAY:
        return start + timedelta(days=1)
    if granularity is Granularity.WEEK:
        return start + timedelta(days=7)
    if granularity is Granularity.YEAR:
        return date(start.year + 1, 1, 1)
    months = 1 if granularity is Granularity.MONTH else 3
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_starts(first: date, last: date, granularity: Granularity, limit: int) -> list[date]:
    """The starts of every period from the one containing ``first`` to the one containing
    ``last``; more than ``limit`` periods is a ``TOO_MANY_PERIODS`` error."""
    starts: list[date] = []
    current = period_start(first, granularity)
    while current <= last:
        if len(starts) == limit:
            raise CrmError(
                f"The range has more than {limit} periods of one {granularity.value}: "
                "choose a shorter range or a longer granularity.",
                ErrorCode.TOO_MANY_PERIODS,
                maximum=limit,
            )
        starts.append(current)
        current = next_period(current, granularity)
    return starts


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant ``day`` begins in ``zone``, with the zone's offset (a midnight that a
    daylight-saving change skips becomes the first instant that exists)."""
    # fold=0 reads a skipped local time with the offset before the change, which lands
    # on the first instant after the gap.
    aware = datetime.combine(day, time(), tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone)


def period_label(start: date, granularity: Granularity) -> str:
    """A short name of the period: 2026-03-29, 2026-W13, 2026-03, 2026-Q1, 2026."""
    if granularity is Granularity.DAY:
        return start.isoformat()
    if granularity is Granularity.WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if granularity is Granularity.MONTH:
        return f"{start.year}-{start.month:02d}"
    if granularity is Granularity.QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def decode_period(value: Any, granularity: Granularity) -> date | None:
    """The period start of a bucket key read from SQL (see ``sql.LocalPeriod``)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and "-" in value:
        return date.fromisoformat(value[:10])
    number = int(value)
    if granularity is Granularity.WEEK:
        return date.fromisocalendar(number // 100, number % 100, 1)
    if granularity is Granularity.MONTH:
        return date(number // 100, number % 100, 1)
    if granularity is Granularity.QUARTER:
        return date(number // 10, (number % 10 - 1) * 3 + 1, 1)
    return date(number, 1, 1)
