"""SLA clocks: due times, pauses, breaches and the next SLA event, at exact instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from crm_graphql.domains.support import sla
from crm_graphql.domains.support.calendars import Calendar, parse_hours

CALENDAR = Calendar(ZoneInfo("UTC"), parse_hours([[day, "09:00", "17:00"] for day in range(5)]))
TARGETS = sla.Targets(timedelta(hours=1), timedelta(hours=8), CALENDAR)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in March 2026 (March 2 is a Monday)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def ticket(created: datetime) -> SimpleNamespace:
    row = SimpleNamespace(created_at=created, first_responded_at=None)
    vars(row).update(sla.start(TARGETS, CALENDAR, created))
    return row


def apply(row: SimpleNamespace, values: dict) -> SimpleNamespace:
    vars(row).update(values)
    return row


def test_due_times_count_business_hours_from_creation():
    row = ticket(at(6, 16, 30))  # Friday 16:30
    assert row.first_response_due_at == at(9, 9, 30)  # 30 min on Friday, 30 on Monday
    assert row.resolution_due_at == at(9, 16, 30)  # 30 min on Friday + 7.5 h on Monday
    # Time that runs out at the close falls due at the close, not the next morning.
    assert ticket(at(6, 16)).first_response_due_at == at(6, 17)


def test_first_response_after_its_due_time_is_breached():
    row = ticket(at(2, 9))
    apply(row, sla.first_response(row, CALENDAR, at(2, 10, 30)))
    assert (row.first_response_seconds, row.first_response_breached) == (5400, True)
    assert sla.first_response_breached(row, at(2, 11))
    on_time = ticket(at(2, 9))
    apply(on_time, sla.first_response(on_time, CALENDAR, at(2, 9, 45)))
    assert (on_time.first_response_seconds, on_time.first_response_breached) == (2700, False)
    # A missing response counts as breached once its due time has passed.
    silent = ticket(at(2, 9))
    assert not sla.first_response_breached(silent, at(2, 9, 59))
    assert sla.first_response_breached(silent, at(2, 10, 1))


def test_pause_stops_the_resolution_clock_and_resume_moves_the_due_time():
    row = ticket(at(2, 9))  # Monday 09:00, due Monday 17:00
    apply(row, sla.stop(row, CALENDAR, at(2, 11)))  # PENDING after 2 h
    assert row.resolution_due_at is None
    assert row.resolution_clock_seconds == 2 * 3600
    # Waiting on the customer past the original due time is no breach.
    assert not sla.resolution_breached(row, at(3, 12))
    apply(row, sla.resume(row, TARGETS, CALENDAR, at(4, 13)))  # OPEN Wednesday 13:00
    assert row.resolution_due_at == at(5, 11)  # 6 h left: 4 h Wednesday, 2 h Thursday
    apply(row, sla.stop(row, CALENDAR, at(5, 10)))  # SOLVED Thursday 10:00
    assert row.resolution_clock_seconds == (2 + 4 + 1) * 3600
    assert not row.resolution_breached


def test_running_past_the_due_time_is_a_breach_that_a_pause_keeps():
    row = ticket(at(2, 9))
    assert sla.resolution_breached(row, at(2, 17, 1))
    apply(row, sla.stop(row, CALENDAR, at(3, 10)))  # paused the next morning
    assert row.resolution_breached
    assert row.resolution_clock_seconds == 9 * 3600
    apply(row, sla.resume(row, TARGETS, CALENDAR, at(4, 9)))
    assert row.resolution_due_at == at(4, 9)  # no time left
    assert sla.resolution_breached(row, at(4, 9, 1))


def test_remaining_business_minutes_count_to_the_next_pending_target():
    row = ticket(at(6, 16, 30))  # Friday 16:30; first response due Monday 09:30
    assert sla.remaining(row, CALENDAR, at(6, 16, 40)) == timedelta(minutes=50)
    apply(row, sla.first_response(row, CALENDAR, at(9, 8)))  # answered before opening
    assert sla.remaining(row, CALENDAR, at(9, 10)) == timedelta(hours=6, minutes=30)
    assert sla.remaining(row, CALENDAR, at(9, 17)) == -timedelta(minutes=30)
    apply(row, sla.stop(row, CALENDAR, at(9, 12)))
    assert sla.remaining(row, CALENDAR, at(9, 13)) is None


def test_new_targets_count_from_creation_and_the_time_already_run():
    row = ticket(at(2, 9))
    urgent = sla.Targets(timedelta(minutes=15), timedelta(hours=2), CALENDAR)
    apply(row, sla.retarget(row, CALENDAR, urgent, CALENDAR, at(2, 10)))
    assert row.first_response_due_at == at(2, 9, 15)
    assert row.resolution_due_at == at(2, 11)  # 1 h ran, 1 h left
    assert row.resolution_clock_seconds == 3600
    apply(row, sla.retarget(row, CALENDAR, TARGETS, CALENDAR, at(2, 12)))
    assert row.resolution_due_at == at(2, 17)
    assert not row.resolution_breached


def test_next_sla_event_is_the_warning_then_the_breach_of_the_nearest_target():
    row = ticket(at(2, 9))
    warning = timedelta(minutes=10)
    assert sla.next_event(row, at(2, 9), warning) == sla.SlaEvent(
        sla.SlaEventKind.FIRST_RESPONSE_WARNING, at(2, 9, 50)
    )
    assert sla.next_event(row, at(2, 9, 50), warning) == sla.SlaEvent(
        sla.SlaEventKind.FIRST_RESPONSE_BREACHED, at(2, 10)
    )
    apply(row, sla.first_response(row, CALENDAR, at(2, 9, 30)))
    assert sla.next_event(row, at(2, 9, 30), warning).kind is sla.SlaEventKind.RESOLUTION_WARNING
    apply(row, sla.stop(row, CALENDAR, at(2, 12)))  # paused: nothing is heading for a target
    assert sla.next_event(row, at(2, 12), warning) is None
