"""The rules of automation: choosing a new lead's owner, matching automation rules to
events, and carrying out their actions. Run by the subscribers in ``tasks.py``, in the
delivery's transaction (a failure rolls the action back and is retried)."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import F
from tortoise.functions import Max
from tortoise.models import Model

from crm_graphql.api import audit
from crm_graphql.api.filters import FilterInput
from crm_graphql.api.ids import to_global_id
from crm_graphql.domains.automation.conditions import InvalidCondition, holds
from crm_graphql.domains.automation.models import (
    AssignmentKind,
    AssignmentRule,
    AssignmentTarget,
    AutomationAction,
    AutomationEntity,
    AutomationRule,
    AutomationRun,
    AutomationTrigger,
)
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.integration import webhooks
from crm_graphql.domains.integration.models import WebhookEndpoint
from crm_graphql.domains.integration.payloads import record_of
from crm_graphql.domains.interactions.models import Interaction
from crm_graphql.domains.leads.filters import LeadFilter
from crm_graphql.domains.leads.models import Lead, LeadStatus
from crm_graphql.domains.sales.filters import OpportunityFilter
from crm_graphql.domains.sales.models import OPEN_STAGES, Opportunity
from crm_graphql.domains.support.filters import TicketFilter
from crm_graphql.domains.support.models import Ticket
from crm_graphql.domains.tasks.filters import TaskFilter
from crm_graphql.domains.tasks.models import Task, TaskPriority
from crm_graphql.domains.users.models import User
from crm_graphql.events import PermanentFailure, emit, schedule, schedule_many

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
#: The event type of the webhook deliveries a CALL_WEBHOOK rule makes.
WEBHOOK_EVENT = "automation.rule_fired"


def now() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- assignment

#: Per target: the model, its filter input, the owner column, the audit prefix and type.
TARGETS: dict[AssignmentTarget, tuple[type[Model], type[FilterInput], str, str, str]] = {
    AssignmentTarget.LEAD: (Lead, LeadFilter, "owner_id", "lead", "Lead"),
    AssignmentTarget.TICKET: (Ticket, TicketFilter, "assignee_id", "ticket", "Ticket"),
}


def _pool(rule: AssignmentRule, country: str | None, region: str | None) -> list[int]:
    if rule.kind == AssignmentKind.ROUND_ROBIN:
        return list(rule.user_ids)
    country = (country or "").upper()
    code = f"{country}-{region}".upper() if region else None
    if code and code in rule.territories:
        return list(rule.territories[code])
    return list(rule.territories.get(country, []))


async def _territory(target: AssignmentTarget, record: Any) -> tuple[str | None, str | None]:
    """The country and region a record is assigned by (a ticket: its customer's)."""
    if target == AssignmentTarget.LEAD:
        return record.country, record.region
    found = await Customer.filter(pk=record.customer_id).values_list("country", "region")
    return found[0] if found else (None, None)


async def assign(target: AssignmentTarget, record_id: int) -> int | None:
    """Give a new record without an owner (a lead's owner, a ticket's assignee) the user
    chosen by the first active assignment rule of its kind (by position) whose condition
    holds and that has an active user for it; the rule is recorded on the record.
    Deactivated users are skipped. Returns the user."""
    model, filter_cls, column, prefix, type_name = TARGETS[target]
    record = await model.filter(pk=record_id).select_for_update().first()
    if record is None or getattr(record, column) is not None:
        return None
    rules = await AssignmentRule.filter(active=True, target=target).order_by("position", "id")
    if not rules:
        return None
    country, region = await _territory(target, record)
    for rule in rules:
        candidates = _pool(rule, country, region)
        if not candidates:
            continue
        if rule.condition and not await holds(model, filter_cls, rule.condition, record.pk):
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
        await model.filter(pk=record.pk).update(
            **{column: owner},
            assigned_by_rule_id=rule.pk,
            version=F("version") + 1,
            updated_at=now(),
        )
        await audit.record(
            f"{prefix}.assign",
            SYSTEM,
            entity_type=type_name,
            entity_id=record.pk,
            changes={column: owner, "assignment_rule_id": rule.pk},
        )
        return owner
    return None


async def assign_lead(lead_id: int) -> int | None:
    """:func:`assign` of a new lead."""
    return await assign(AssignmentTarget.LEAD, lead_id)


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
                {"rule_id": rule.pk, "record_id": entity_id, "record_type": prefix},
                key=f"rule:{rule.pk}:{prefix}:{entity_id}",
            )
        elif what == "created" and rule.trigger == AutomationTrigger.NO_INTERACTION:
            await plan_quiet([rule], opportunity_ids=[int(entity_id)])
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
            await run_later(rule.pk, prefix, entity_id, event_id)
            matched += 1
    return matched


async def run_later(rule_id: int, record_type: str, record_id: str, event_id: int) -> None:
    """One run of a rule on a record: an event of its own, so that each run is its own
    delivery (attempts, backoff, error), and its row in ``automation_run`` (what
    ``automationRuns`` lists, by rule, record and outcome)."""
    run_event = await emit(
        "automation.rule_matched",
        entity="automation_rule",
        entity_id=rule_id,
        data={"rule_id": rule_id, "record_id": record_id, "source_event_id": event_id},
    )
    await AutomationRun.create(
        rule_id=rule_id,
        record_type=record_type,
        record_id=int(record_id),
        event_id=run_event,
        created_at=now(),
    )


# ------------------------------------------------------------- no interaction for N days

QUIET_DUE = "automation.quiet_due"


def quiet_key(rule_id: int, opportunity_id: int) -> str:
    return f"rule:{rule_id}:quiet:opportunity:{opportunity_id}"


async def _last_interactions(customer_ids: set[int]) -> dict[int, datetime]:
    """The time of each customer's latest interaction (one statement, read through the
    index on customer and time)."""
    if not customer_ids:
        return {}

    rows = (
        await Interaction.filter(customer_id__in=customer_ids)
        .group_by("customer_id")
        .annotate(last=Max("occurred_at"))
        .values_list("customer_id", "last")
    )
    return {int(customer): _utc(last) for customer, last in rows if last is not None}


def _utc(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


async def plan_quiet(
    rules: list[AutomationRule],
    *,
    opportunity_ids: list[int] | None = None,
    customer_ids: list[int] | None = None,
    batch: int = 1000,
) -> int:
    """Schedule "no interaction for N days" for open opportunities (those given, those
    of the customers given, or every one): at the customer's last interaction (or the
    opportunity's creation, if later) plus the rule's days. Scheduling by key replaces,
    so a new interaction moves the time. Returns how many were scheduled."""
    rules = [rule for rule in rules if rule.delay_days]
    if not rules:
        return 0
    query = Opportunity.filter(stage__in=OPEN_STAGES)
    if opportunity_ids is not None:
        query = query.filter(pk__in=opportunity_ids)
    if customer_ids is not None:
        query = query.filter(customer_id__in=customer_ids)
    planned, after = 0, 0
    while True:
        page = (
            await query.filter(pk__gt=after)
            .order_by("id")
            .limit(batch)
            .values_list("id", "customer_id", "created_at")
        )
        if not page:
            return planned
        last = await _last_interactions({int(row[1]) for row in page})
        events = []
        for pk, customer, created in page:
            start = max(_utc(created), last.get(int(customer), _utc(created)))
            for rule in rules:
                events.append(
                    (
                        quiet_key(rule.pk, pk),
                        start + timedelta(days=rule.delay_days or 0),
                        QUIET_DUE,
                        "opportunity",
                        pk,
                        {"rule_id": rule.pk, "record_id": str(pk), "since": start.isoformat()},
                    )
                )
        await schedule_many(events)
        planned += len(events)
        after = int(page[-1][0])
        if len(page) < batch:
            return planned


async def quiet_rules() -> list[AutomationRule]:
    return await AutomationRule.filter(
        active=True, entity=AutomationEntity.OPPORTUNITY, trigger=AutomationTrigger.NO_INTERACTION
    ).order_by("id")


async def interaction_changed(interaction_id: int) -> int:
    """A customer's interaction was recorded or changed: its open opportunities' quiet
    periods start again (one statement when no rule watches them)."""
    rules = await quiet_rules()
    if not rules:
        return 0
    found = await Interaction.filter(pk=interaction_id).values("customer_id")
    if not found:
        return 0
    return await plan_quiet(rules, customer_ids=[int(found[0]["customer_id"])])


async def quiet_due(rule_id: int, opportunity_id: int, event_id: int) -> str:
    """A quiet period ended: run the rule unless the opportunity was closed (nothing) or
    its customer had an interaction meanwhile (the period is planned again from it)."""
    rule = await AutomationRule.get_or_none(pk=rule_id)
    if rule is None or not rule.active or rule.trigger != AutomationTrigger.NO_INTERACTION:
        return "skipped: the rule is disabled, changed or deleted"
    found = await Opportunity.filter(pk=opportunity_id).values("stage", "customer_id")
    if not found or found[0]["stage"] not in OPEN_STAGES:
        return "skipped: the opportunity is closed or deleted"
    customer = int(found[0]["customer_id"])
    last = (await _last_interactions({customer})).get(customer)
    if last is not None and last + timedelta(days=rule.delay_days or 0) > now():
        await plan_quiet([rule], opportunity_ids=[opportunity_id])
        return "planned again: an interaction came meanwhile"
    await run_later(rule.pk, "opportunity", str(opportunity_id), event_id)
    return "matched"


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
        # The record was just read: an empty condition holds without a second statement.
        if rule.condition and not await holds(model, filter_cls, rule.condition, record.pk):
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
    if rule.action == AutomationAction.CALL_WEBHOOK:
        endpoint = await WebhookEndpoint.get_or_none(pk=params.get("webhook_id"))
        if endpoint is None:
            raise PermanentFailure("the webhook endpoint was deleted")
        if not endpoint.enabled:
            raise PermanentFailure("the webhook endpoint is disabled")
        data = {
            "rule": {"id": to_global_id("AutomationRule", rule.pk), "name": rule.name},
            "object": record_of(record, model.__name__),
        }
        delivery = await webhooks.deliver_to(endpoint.pk, event_id, WEBHOOK_EVENT, data)
        return "sent before" if delivery is None else f"webhook delivery {delivery.pk}"
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
