"""Background work of the support module: the SLA clock's events, one after another."""

from __future__ import annotations

from datetime import datetime

from crm_graphql.domains.support import services
from crm_graphql.domains.support.models import Ticket
from crm_graphql.events import Event, subscriber


@subscriber("support.sla_clock", events=["ticket.sla_warning", "ticket.sla_breached"])
async def plan_next_sla_event(event: Event) -> None:
    """An SLA event fired (the warning before a target, or the breach): plan the
    ticket's next one, strictly after the moment that fired. Nothing scans for breaches:
    each ticket has at most one scheduled SLA event, moved by every change."""
    pk = int(event.entity_id)
    fired = datetime.fromisoformat(str(event.data["scheduled_for"]))
    await services.plan_sla_event(pk, await Ticket.get_or_none(pk=pk), after=fired)
