"""The rules of automation: choosing a new lead's owner, matching automation rules to
events, and carrying out their actions. Run by the subscribers in ``tasks.py``, in the
delivery's transaction (a failure rolls the action back and is retried)."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import F
from tortoise.models import Model

from crm_graphql.api import audit
from crm_graphql.api.filters import FilterInput
from crm_graphql.domains.automation.conditions import InvalidCondition, holds
from crm_graphql.domains.automation.models import (
    AssignmentKind,
    AssignmentRule,
    AutomationAction,
    AutomationEntity,
    AutomationRule,
    AutomationTrigger,
)
from crm_graphql.domains.leads.filters import LeadFilter
from crm_graphql.domains.leads.models import Lead, LeadStatus
from crm_graphql.domains.sales.filters import OpportunityFilter
from crm_graphql.domains.sales.models import Opportunity
from crm_graphql.domains.tasks.filters import TaskFilter
from crm_graphql.domains.tasks.models import Task, TaskPriority
from crm_graphql.domains.users.models import User
from crm_graphql.events import PermanentFailure, emit, schedule

#: Per entity: the model, its filter input, the event prefix and its owner column.
ENTITIES: dict[AutomationEntity, tuple[type[Model], type[FilterInput], str, str]] = {
    AutomationEntity.LEAD: (Lead, LeadFilter, "lead", "owner_id"),
    AutomationEntity.OPPORTUNITY: (Opportunity, OpportunityFilter, "opportunity", "owner_id"),
    AutomationEntity.TASK: (Task, TaskFilter, "task", "assignee_id"),
}
ENTITY_OF_PREFIX = {prefix: entity for entity, (_, _, prefix, _) in ENTITIES.items()}
#: Fields SET_FIELD may set, per entity (GraphQL name -> column, and how to read a value).
SETTABLE: dict[AutomationEntity, dict[str, tuple[str, Any]]] = {
    AutomationEntity.LEAD: {"status": ("status", LeadStatus), "score": ("score", int)},
    AutomationEntity.OPPORTUNITY: {"probability": ("probability", int)},
    AutomationEntity.TASK: {"priority": ("priority", TaskPriority)},
}
SYSTEM = audit.AuditMeta(actor_label="automation")


def now() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- assignment


def _pool(rule: AssignmentRule, lead: Lead) -> list[int]:
    if rule.kind == AssignmentKind.ROUND_ROBIN:
        return list(rule.user_ids)
    country = (lead.country or "").upper()
    region = f"{country}-{lead.region}".upper() if lead.region else None
    if region and region in rule.territories:
        return list(rule.territories[region])
    return list(rule.territories.get(country, []))


async def assign_lead(lead_id: int) -> int | None:
    """Give an unassigned lead the owner chosen by the first active assignment rule
    (by position) whose condition holds and that has an active user for it; the rule is
    recorded on the lead. Deactivated users are skipped. Returns the owner."""
    lead = await Lead.filter(pk=lead_id).select_for_update().first()
    if lead is None or lead.owner_id is not None:
        return None
    for rule in await AssignmentRule.filter(active=True).order_by("position", "id"):
        candidates = _pool(rule, lead)
        if not candidates:
            continue
        if rule.condition and not await holds(Lead, LeadFilter, rule.condition, lead.pk):
            continue
        found = await User.filter(pk__in=candidates, is_active=True).values_list("id", flat=True)
        active = {int(pk) for pk in found}  # type: ignore[call-overload]
        pool = [user for user in candidates if user in active]
        if not pool:
            continue
        # The turn is counted on the rule's row, locked: concurrent runs take turns.
        locked = await AssignmentRule.filter(pk=rule.pk).select_for_update().first()
        assert locked is not None
        owner = pool[locked.assigned % len(pool)]
        await AssignmentRule.filter(pk=rule.pk).update(assigned=F("assigned") + 1)
        await Lead.filter(pk=lead.pk).update(
            owner_id=owner,
            assigned_by_rule_id=rule.pk,
            version=F("version") + 1,
            updated_at=now(),
        )
        await audit.record(
            "lead.assign",
            SYSTEM,
            entity_type="Lead",
            entity_id=lead.pk,
            changes={"owner_id": owner, "assignment_rule_id": rule.pk},
        )
        return owner
    return None


# --------------------------------------------------------------------------- matching


async def match(event_type: str, entity_id: str, data: dict[str, Any], event_id: int) -> int:
    """Emit ``automation.rule_matched`` for every active rule the event triggers (one run
    each, recorded and retried on its own); plan the time-based rules of a new record.
    Returns how many rules matched."""
    prefix, _, what = event_type.partition(".")
    if what not in ("created", "due", "reminder_due", "deleted"):
        what = "updated"  # status_changed, stage_changed, assigned: fields changed
    entity = ENTITY_OF_PREFIX.get(prefix)
    if entity is None:
        return 0
    rules = await AutomationRule.filter(active=True, entity=entity).order_by("id")
    matched = 0
    for rule in rules:
        fires = False
        if what == "created" and rule.trigger == AutomationTrigger.CREATED:
            fires = True
        elif what == "created" and rule.trigger == AutomationTrigger.TIME_AFTER_CREATED:
            await schedule(
                now() + timedelta(hours=rule.delay_hours or 0),
                "automation.time_due",
                "automation_rule",
                rule.pk,
                {"rule_id": rule.pk, "record_id": entity_id},
                key=f"rule:{rule.pk}:{prefix}:{entity_id}",
            )
        elif what == "updated" and rule.trigger == AutomationTrigger.FIELD_CHANGED:
            changed = data.get("changed", {})
            if rule.field in changed and (
                rule.to_value is None or str(changed[rule.field]) == rule.to_value
            ):
                fires = True
        elif (what == "due" and rule.trigger == AutomationTrigger.TASK_DUE) or (
            what == "reminder_due" and rule.trigger == AutomationTrigger.TASK_REMINDER
        ):
            fires = True
        if fires:
            await run_later(rule.pk, entity_id, event_id)
            matched += 1
    return matched


async def run_later(rule_id: int, record_id: str, event_id: int) -> None:
    """One run of a rule on a record: an event of its own, so that each run is its own
    delivery (attempts, backoff, error) that ``automationRuns`` shows."""
    await emit(
        "automation.rule_matched",
        entity="automation_rule",
        entity_id=rule_id,
        data={"rule_id": rule_id, "record_id": record_id, "source_event_id": event_id},
    )


# --------------------------------------------------------------------------- actions


class _Fields(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        raise PermanentFailure(f"the title template names an unknown field {{{key}}}")


def render(template: str, record: Model) -> str:
    """A title template: ``{name}`` etc. become the record's fields."""
    values = _Fields(
        {name: getattr(record, name) for name in record._meta.fields if hasattr(record, name)}
    )
    if isinstance(record, Lead):
        values["name"] = " ".join(p for p in (record.first_name, record.last_name) if p)
    try:
        return string.Formatter().vformat(template, (), values)[:200]
    except (ValueError, IndexError, AttributeError) as exc:
        raise PermanentFailure(f"bad title template: {exc}") from None


async def _active_user(user_id: int | None) -> int | None:
    if user_id is None:
        return None
    if not await User.filter(pk=user_id, is_active=True).exists():
        # Retried: an ADMIN may reactivate the user (or change the rule) meanwhile.
        raise RuntimeError(f"user {user_id} is deactivated or deleted")
    return user_id


async def execute(rule_id: int, record_id: str, event_id: int) -> str:
    """Carry out one run of a rule on a record (in the delivery's transaction). Returns
    what was done; raises to retry, :class:`PermanentFailure` to give up at once."""
    rule = await AutomationRule.get_or_none(pk=rule_id)
    if rule is None or not rule.active:
        return "skipped: the rule is disabled or deleted"
    model, filter_cls, prefix, owner_column = ENTITIES[rule.entity]
    record = await model.filter(pk=int(record_id)).select_for_update().first()
    if record is None:
        raise PermanentFailure(f"{prefix} {record_id} no longer exists")
    try:
        if not await holds(model, filter_cls, rule.condition, record.pk):
            return "skipped: the condition does not hold"
    except InvalidCondition as exc:
        raise PermanentFailure(f"invalid condition: {exc}") from None
    params = rule.params
    if rule.action == AutomationAction.CREATE_TASK:
        key = f"{rule.pk}:{event_id}"
        if await Task.filter(origin_key=key).exists():
            return "done before"
        who = params.get("assignee", "OWNER")
        assignee = (
            getattr(record, owner_column, None)
            if who == "OWNER"
            else getattr(record, "created_by_id", None) or rule.created_by_id
            if who == "CREATOR"
            else params.get("user_id")
        )
        task = await Task.create(
            title=render(params.get("title", "Follow up"), record),
            due_at=now() + timedelta(days=int(params.get("due_in_days", 1))),
            priority=TaskPriority(params.get("priority", "NORMAL")),
            assignee_id=await _active_user(assignee),
            created_by_id=rule.created_by_id,
            origin_key=key,
            **{f"{prefix}_id": record.pk},
        )
        await audit.record(
            "task.create",
            SYSTEM,
            entity_type="Task",
            entity_id=task.pk,
            changes={"title": task.title, "automation_rule_id": rule.pk},
        )
        return f"created task {task.pk}"
    if rule.action == AutomationAction.ASSIGN_OWNER:
        user = await _active_user(params.get("user_id"))
        await model.filter(pk=record.pk).update(
            **{owner_column: user}, version=F("version") + 1, updated_at=now()
        )
        await audit.record(
            f"{prefix}.assign",
            SYSTEM,
            entity_type=model.__name__,
            entity_id=record.pk,
            changes={owner_column: user, "automation_rule_id": rule.pk},
        )
        return f"assigned to user {user}"
    column, kind = SETTABLE[rule.entity][params["field"]]
    value = kind(params["value"])
    await model.filter(pk=record.pk).update(
        **{column: value}, version=F("version") + 1, updated_at=now()
    )
    await audit.record(
        f"{prefix}.set_field",
        SYSTEM,
        entity_type=model.__name__,
        entity_id=record.pk,
        changes={column: value, "automation_rule_id": rule.pk},
    )
    return f"set {params['field']}"
