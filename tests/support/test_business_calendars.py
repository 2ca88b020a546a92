"""Business time: working hours, weekends, public and custom holidays, daylight saving."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from crm_graphql.domains.support.calendars import Calendar, WorkingPeriod, parse_hours

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = parse_hours([[day, "09:00", "17:00"] for day in range(5)])


def local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)


def test_clock_stops_over_the_weekend():
    calendar = Calendar(ZoneInfo("UTC"), OFFICE)
    friday = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    assert calendar.add(friday, timedelta(hours=2)) == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
    assert calendar.between(friday, datetime(2026, 3, 9, 10, 0, tzinfo=UTC)) == timedelta(hours=2)


def test_time_outside_working_hours_starts_counting_at_the_next_opening():
    calendar = Calendar(ZoneInfo("UTC"), OFFICE)
    evening = datetime(2026, 3, 3, 20, 30, tzinfo=UTC)
    assert calendar.add(evening, timedelta(minutes=30)) == datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
    # Exactly the working hours of a day end at the close, not the next morning.
    morning = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    assert calendar.add(morning, timedelta(hours=8)) == datetime(2026, 3, 3, 17, 0, tzinfo=UTC)


def test_public_holidays_of_the_country_are_days_off():
    # Easter 2026 in Germany: Good Friday April 3 and Easter Monday April 6.
    calendar = Calendar(BERLIN, OFFICE, "DE")
    thursday = local(BERLIN, 2026, 4, 2, 16, 0)
    assert calendar.add(thursday, timedelta(hours=2)) == local(BERLIN, 2026, 4, 7, 10, 0)
    # Regional holidays need the subdivision: Epiphany (January 6) in Bavaria only.
    january_5 = local(BERLIN, 2026, 1, 5, 16, 0)
    assert Calendar(BERLIN, OFFICE, "DE").add(january_5, timedelta(hours=2)) == local(
        BERLIN, 2026, 1, 6, 10, 0
    )
    assert Calendar(BERLIN, OFFICE, "DE", "BY").add(january_5, timedelta(hours=2)) == local(
        BERLIN, 2026, 1, 7, 10, 0
    )


def test_custom_holidays_are_days_off():
    calendar = Calendar(ZoneInfo("UTC"), OFFICE, custom_holidays=frozenset({date(2026, 3, 4)}))
    tuesday = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
    assert calendar.add(tuesday, timedelta(hours=2)) == datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
    assert calendar.between(tuesday, datetime(2026, 3, 5, 10, 0, tzinfo=UTC)) == timedelta(hours=2)


def test_working_hours_follow_the_local_clock_across_a_daylight_saving_change():
    calendar = Calendar(BERLIN, OFFICE)
    # Friday March 27 2026 16:00 CET (UTC+1); clocks go forward on Sunday March 29.
    friday = local(BERLIN, 2026, 3, 27, 16, 0)
    due = calendar.add(friday, timedelta(hours=2))
    assert due == local(BERLIN, 2026, 3, 30, 10, 0)  # Monday 10:00 CEST
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def test_a_day_shortened_by_daylight_saving_has_an_hour_less_of_working_time():
    round_the_clock = Calendar(BERLIN, tuple(WorkingPeriod(d, time(), None) for d in range(7)))
    spring = round_the_clock.between(local(BERLIN, 2026, 3, 29), local(BERLIN, 2026, 3, 30))
    autumn = round_the_clock.between(local(BERLIN, 2026, 10, 25), local(BERLIN, 2026, 10, 26))
    assert (spring, autumn) == (timedelta(hours=23), timedelta(hours=25))
    # Working hours that span the change: 01:00-04:00 local is 2 real hours that night.
    night = Calendar(BERLIN, (WorkingPeriod(6, time(1), time(4)),))
    assert night.between(local(BERLIN, 2026, 3, 29), local(BERLIN, 2026, 3, 30)) == timedelta(
        hours=2
    )


def test_working_time_between_is_negative_backwards_and_adds_back_exactly():
    calendar = Calendar(NEW_YORK, OFFICE, "US")
    rng = random.Random(7)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for _ in range(200):
        begin = start + timedelta(minutes=rng.randrange(0, 600 * 24 * 60))
        duration = timedelta(minutes=rng.randrange(1, 5 * 8 * 60))
        end = calendar.add(begin, duration)
        assert calendar.between(begin, end) == duration
        assert calendar.between(end, begin) == -duration
