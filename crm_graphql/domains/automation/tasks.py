"""The subscribers of automation, run after the commit by the worker (or in the server
without a broker): lead and ticket assignment, matching rules to events, planning the
time-based rules, and running each rule."""

from __future__ import annotations

from crm_graphql.domains.automation import services
from crm_graphql.domains.automation.models import (
    AssignmentTarget,
    AutomationRule,
    AutomationTrigger,
)
from crm_graphql.events import Event, subscriber

#: The event the rule mutations write when a rule is saved (its plans follow it).
RULE_SAVED = "automation.rule_saved"


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
        "ticket.created",
        "interaction.created",
        "interaction.updated",
    ],
)
async def match_rules(event: Event) -> None:
    """Which automation rules the event triggers: one run each. A new lead (or ticket)
    without an owner first gets one from the assignment rules (in the same transaction),
    so the rules' runs see it. An interaction starts the quiet periods of its customer's
    open opportunities again."""
    if event.type == "lead.created":
        await services.assign(AssignmentTarget.LEAD, int(event.entity_id))
    elif event.type == "ticket.created":
        await services.assign(AssignmentTarget.TICKET, int(event.entity_id))
        return
    elif event.type.startswith("interaction."):
        await services.interaction_changed(int(event.entity_id))
        return
    await services.match(event.type, event.entity_id, event.data, event.id)


@subscriber("automation.time_due", events=["automation.time_due"])
async def time_due(event: Event) -> None:
    """A time-based rule's time came for one record: run it (its condition decides)."""
    rule_id = int(event.data["rule_id"])
    record_type = event.data.get("record_type")
    if record_type is None:  # scheduled before the record type was kept with it
        rule = await AutomationRule.get_or_none(pk=rule_id)
        if rule is None:
            return
        record_type = services.ENTITIES[rule.entity][2]
    await services.run_later(rule_id, str(record_type), str(event.data["record_id"]), event.id)


@subscriber("automation.quiet_due", events=[services.QUIET_DUE])
async def quiet_due(event: Event) -> None:
    """No interaction with an open opportunity's customer for the rule's days (unless one
    came meanwhile: then the period is planned again)."""
    await services.quiet_due(int(event.data["rule_id"]), int(event.data["record_id"]), event.id)


@subscriber("automation.plan", events=[RULE_SAVED])
async def plan_rule(event: Event) -> None:
    """A NO_INTERACTION rule was created, changed or enabled: plan it for every open
    opportunity (in batches of a thousand, one upsert statement per 500)."""
    rule = await AutomationRule.get_or_none(pk=int(event.entity_id))
    if rule is not None and rule.active and rule.trigger == AutomationTrigger.NO_INTERACTION:
        await services.plan_quiet([rule])


@subscriber("automation.run", events=["automation.rule_matched"])
async def run_rule(event: Event) -> None:
    """One run of one rule on one record; its delivery row is the run's record."""
    await services.execute(int(event.data["rule_id"]), str(event.data["record_id"]), event.id)
