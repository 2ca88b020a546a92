"""Business time: the working hours of a calendar, and clocks that run only in them.

A calendar has working periods per weekday (local times in an IANA time zone), public
holidays of a country (from the maintained ``holidays`` library) and custom days off.
Each local period becomes an interval of UTC instants, so a clock counts the real time
that passes inside working hours: a working day that a daylight-saving change shortens
has an hour less. Durations are exact to the microsecond; callers store whole seconds.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

#: No SLA target is longer than this: a clock that cannot finish within it has a calendar
#: without working time (refused when the calendar is saved).
LONGEST_SEARCH_DAYS = 3700
ZERO = timedelta(0)


class NoWorkingTime(ValueError):
    """The calendar has no working time in the span searched."""


@dataclass(frozen=True)
class WorkingPeriod:
    """Working time on one weekday (0 = Monday): from ``start`` to ``end`` local time;
    ``end`` None is the end of the day."""

    weekday: int
    start: time
    end: time | None

    def minutes(self) -> int:
        """Length on a day without a clock change."""
        end = 24 * 60 if self.end is None else self.end.hour * 60 + self.end.minute
        return end - (self.start.hour * 60 + self.start.minute)


def parse_hours(stored: Iterable[Iterable[object]]) -> tuple[WorkingPeriod, ...]:
    """Working periods from their stored form ``[weekday, "HH:MM", "HH:MM"]`` ("24:00"
    ends a period at midnight)."""
    periods = []
    for weekday, start, end in stored:
        periods.append(
            WorkingPeriod(
                int(weekday),  # type: ignore[call-overload]
                time.fromisoformat(str(start)),
                None if str(end) == "24:00" else time.fromisoformat(str(end)),
            )
        )
    return tuple(sorted(periods, key=lambda p: (p.weekday, p.start)))


def store_hours(periods: Iterable[WorkingPeriod]) -> list[list[object]]:
    """The stored form of working periods (see :func:`parse_hours`)."""
    return [
        [
            period.weekday,
            period.start.strftime("%H:%M"),
            "24:00" if period.end is None else period.end.strftime("%H:%M"),
        ]
        for period in sorted(periods, key=lambda p: (p.weekday, p.start))
    ]


@functools.lru_cache(maxsize=512)
def public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """The public holidays of a country (and subdivision) in one year."""
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year).keys())


def supported_holiday_regions() -> dict[str, list[str]]:
    """Countries the holidays library knows, with their subdivisions."""
    return holidays.list_supported_countries()


@dataclass(frozen=True)
class Calendar:
    """A business calendar, ready to count with (built from its row: :func:`of_row`)."""

    zone: ZoneInfo
    periods: tuple[WorkingPeriod, ...]
    country: str | None = None
    subdivision: str | None = None
    custom_holidays: frozenset[date] = frozenset()

    @functools.cached_property
    def _by_weekday(self) -> dict[int, tuple[WorkingPeriod, ...]]:
        found: dict[int, list[WorkingPeriod]] = {}
        for period in self.periods:
            found.setdefault(period.weekday, []).append(period)
        return {day: tuple(items) for day, items in found.items()}

    def is_day_off(self, day: date) -> bool:
        """A public or custom holiday."""
        if day in self.custom_holidays:
            return True
        return self.country is not None and day in public_holidays(
            self.country, self.subdivision, day.year
        )

    def _instant(self, day: date, moment: time | None) -> datetime:
        # A local time that a clock change skips reads with the offset before the change
        # (fold=0): it lands just after the gap, like the clock on the wall.
        if moment is None:
            day, moment = day + timedelta(days=1), time()
        return datetime.combine(day, moment, tzinfo=self.zone).astimezone(UTC)

    def windows(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working intervals (UTC) of one local day; none on a day off."""
        return _windows(self, day)

    def _compute_windows(self, day: date) -> list[tuple[datetime, datetime]]:
        periods = self._by_weekday.get(day.weekday(), ())
        if not periods or self.is_day_off(day):
            return []
        found = []
        for period in periods:
            start, end = self._instant(day, period.start), self._instant(day, period.end)
            if end > start:
                found.append((start, end))
        return found

    def _local_day(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def windows_forward(self, instant: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals from ``instant`` on, the first one cut at ``instant``."""
        day = self._local_day(instant) - timedelta(days=1)
        for _ in range(LONGEST_SEARCH_DAYS):
            for start, end in self.windows(day):
                if end > instant:
                    yield max(start, instant), end
            day += timedelta(days=1)
        raise NoWorkingTime("no working time found")

    def add(self, instant: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of working time has passed since ``instant``
        (``instant`` itself for no time; the end of a working interval, not the start
        of the next, when the time runs out exactly there)."""
        if duration <= ZERO:
            return instant
        left = duration
        for start, end in self.windows_forward(instant):
            if end - start >= left:
                return start + left
            left -= end - start
        raise NoWorkingTime("no working time found")  # pragma: no cover (the loop raises)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from ``start`` to ``end``; negative when ``end`` comes first."""
        if end < start:
            return -self.between(end, start)
        total = ZERO
        day = self._local_day(start) - timedelta(days=1)
        last = self._local_day(end) + timedelta(days=1)
        while day <= last:
            for window_start, window_end in self.windows(day):
                low, high = max(window_start, start), min(window_end, end)
                if high > low:
                    total += high - low
            day += timedelta(days=1)
        return total


@functools.lru_cache(maxsize=65536)
def _windows(calendar: Calendar, day: date) -> list[tuple[datetime, datetime]]:
    # Kept per calendar and day: clocks of many tickets cross the same days.
    return calendar._compute_windows(day)


#: Round the clock, every day, in UTC: the clock of tickets without an SLA policy.
ALWAYS = Calendar(ZoneInfo("UTC"), tuple(WorkingPeriod(day, time(), None) for day in range(7)))


def of_row(row: object) -> Calendar:
    """The calendar of a ``BusinessCalendar`` row."""
    return _cached(
        row.pk,  # type: ignore[attr-defined]
        row.version,  # type: ignore[attr-defined]
        row.time_zone,  # type: ignore[attr-defined]
        tuple(tuple(item) for item in row.working_hours),  # type: ignore[attr-defined]
        row.holiday_country,  # type: ignore[attr-defined]
        row.holiday_subdivision,  # type: ignore[attr-defined]
        tuple(row.custom_holidays or ()),  # type: ignore[attr-defined]
    )


@functools.lru_cache(maxsize=256)
def _cached(
    pk: int,
    version: int,
    zone: str,
    hours: tuple[tuple[object, ...], ...],
    country: str | None,
    subdivision: str | None,
    custom: tuple[str, ...],
) -> Calendar:
    return Calendar(
        ZoneInfo(zone),
        parse_hours(hours),
        country,
        subdivision,
        frozenset(date.fromisoformat(day) for day in custom),
    )


def seconds(duration: timedelta) -> int:
    """Whole seconds of a duration (rounded towards zero)."""
    return int(duration / timedelta(seconds=1))
