"""The subscribers of automation, run after the commit by the worker (or in the server
without a broker): lead assignment, matching rules to events, and running each rule."""

from __future__ import annotations

from crm_graphql.domains.automation import services
from crm_graphql.events import Event, subscriber


@subscriber(
    "automation.match",
    events=[
        "lead.created",
        "lead.updated",
        "lead.status_changed",
        "lead.assigned",
        "opportunity.created",
        "opportunity.updated",
        "opportunity.stage_changed",
        "task.created",
        "task.updated",
        "task.assigned",
        "task.due",
        "task.reminder_due",
    ],
)
async def match_rules(event: Event) -> None:
    """Which automation rules the event triggers: one run each. A new lead without an
    owner first gets one from the assignment rules (in the same transaction), so the
    rules' runs see it."""
    if event.type == "lead.created":
        await services.assign_lead(int(event.entity_id))
    await services.match(event.type, event.entity_id, event.data, event.id)


@subscriber("automation.time_due", events=["automation.time_due"])
async def time_due(event: Event) -> None:
    """A time-based rule's time came for one record: run it (its condition decides)."""
    await services.run_later(int(event.data["rule_id"]), str(event.data["record_id"]), event.id)


@subscriber("automation.run", events=["automation.rule_matched"])
async def run_rule(event: Event) -> None:
    """One run of one rule on one record; its delivery row is the run's record."""
    await services.execute(int(event.data["rule_id"]), str(event.data["record_id"]), event.id)
