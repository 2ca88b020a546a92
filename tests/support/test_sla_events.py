"""SLA events: each ticket has one scheduled SLA event at its due time, moved by every
change of the ticket; when it fires, the next one is planned (nothing scans for breaches)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm_graphql.domains.support import services
from crm_graphql.domains.support.models import Ticket
from crm_graphql.events import load_subscriber_modules
from crm_graphql.events.models import OutboxEvent, ScheduledEvent
from crm_graphql.events.worker import InProcessEvents
from crm_graphql.modules import subscriber_modules
from tests.events.conftest import fast_settings, wait_until
from tests.factories import make_calendar, make_customer, make_sla_policy
from tests.support.documents import COMMENT
from tests.support.test_ticket_mutations import ALWAYS, _create, _status

WARNING = timedelta(minutes=30)


def utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _planned(ticket: Ticket) -> ScheduledEvent | None:
    return await ScheduledEvent.get_or_none(key=services.sla_schedule_key(ticket.pk))


async def test_one_scheduled_sla_event_per_ticket_moved_by_every_change(gql, db):
    await make_sla_policy(await make_calendar(working_hours=ALWAYS), resolution_minutes=600)
    created = await _create(gql, await make_customer())
    ticket = await Ticket.get(number=created["number"])
    planned = await _planned(ticket)
    assert planned is not None
    assert (planned.type, planned.data["target"]) == ("ticket.sla_warning", "FIRST_RESPONSE")
    assert utc(planned.due_at) == utc(ticket.first_response_due_at) - WARNING

    # The first public reply stops the first-response clock: the resolution clock's
    # warning replaces the event (same key, one row).
    reply = await gql.data(COMMENT, {"id": created["id"], "body": "On it", "kind": "PUBLIC_REPLY"})
    assert reply["addTicketComment"]["userErrors"] == []
    ticket = await Ticket.get(pk=ticket.pk)
    planned = await _planned(ticket)
    assert planned is not None and planned.data["target"] == "RESOLUTION"
    assert utc(planned.due_at) == utc(ticket.resolution_due_at) - WARNING
    assert await ScheduledEvent.filter(entity_type="ticket").count() == 1

    # Waiting on the customer pauses the clock: nothing is due; working on it again
    # plans the warning anew; solving it ends the clock.
    opened = (await _status(gql, reply["addTicketComment"]["ticket"], "OPEN"))["ticket"]
    pending = (await _status(gql, opened, "PENDING"))["ticket"]
    assert await _planned(ticket) is None
    resumed = (await _status(gql, pending, "OPEN"))["ticket"]
    assert (await _planned(ticket)).type == "ticket.sla_warning"
    await _status(gql, resumed, "SOLVED")
    assert await _planned(ticket) is None


async def test_the_warning_fires_and_the_breach_is_planned_at_the_due_time(gql, db):
    await make_sla_policy(await make_calendar(working_hours=ALWAYS))
    created = await _create(gql, await make_customer())
    ticket = await Ticket.get(number=created["number"])
    # As if 40 minutes had passed: the target is 20 minutes away, its warning is due.
    due = (datetime.now(UTC) + timedelta(minutes=20)).replace(microsecond=0)
    await Ticket.filter(pk=ticket.pk).update(first_response_due_at=due)
    await ScheduledEvent.filter(key=services.sla_schedule_key(ticket.pk)).update(
        due_at=due - WARNING
    )
    load_subscriber_modules(subscriber_modules())  # as the server does
    events = InProcessEvents(fast_settings(db), concurrency=2)
    await events.start()
    try:

        async def breach_planned() -> bool:
            planned = await _planned(ticket)
            return planned is not None and planned.type == "ticket.sla_breached"

        await wait_until(breach_planned)
    finally:
        await events.stop()
    fired = await OutboxEvent.get(type="ticket.sla_warning", entity_id=str(ticket.pk))
    assert fired.data["target"] == "FIRST_RESPONSE"
    planned = await _planned(ticket)
    assert utc(planned.due_at) == due and planned.data["target"] == "FIRST_RESPONSE"
