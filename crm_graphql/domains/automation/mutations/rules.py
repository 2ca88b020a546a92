"""Mutations of assignment and automation rules (ADMIN)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api import validation
from crm_graphql.api.context import Info
from crm_graphql.api.ids import to_global_id
from crm_graphql.api.mutations.inputs import given
from crm_graphql.api.mutations.problems import UserError, UserErrorCode
from crm_graphql.api.mutations.writes import Change, Writes
from crm_graphql.domains.automation import rules
from crm_graphql.domains.automation.conditions import InvalidCondition, condition_filter
from crm_graphql.domains.automation.enums import (
    AssignmentKind,
    AssignmentTarget,
    AutomationAction,
    AutomationEntity,
    AutomationTrigger,
    TaskAssigneeChoice,
)
from crm_graphql.domains.automation.models import AssignmentRule as AssignmentRuleRow
from crm_graphql.domains.automation.models import AutomationEntity as Entity
from crm_graphql.domains.automation.models import AutomationRule as AutomationRuleRow
from crm_graphql.domains.automation.services import ENTITIES
from crm_graphql.domains.automation.tasks import RULE_SAVED
from crm_graphql.domains.automation.types import AssignmentRule, AutomationRule
from crm_graphql.domains.integration.models import WebhookEndpoint
from crm_graphql.domains.leads.filters import LeadFilter
from crm_graphql.domains.sales.filters import OpportunityFilter
from crm_graphql.domains.support.filters import TicketFilter
from crm_graphql.domains.tasks.enums import TaskPriority
from crm_graphql.domains.tasks.filters import TaskFilter
from crm_graphql.events import emit


@strawberry.input(description="The users of one territory.")
class TerritoryInput:
    code: str = strawberry.field(description="Country (ISO 3166-1) or country-region (US-CA).")
    users: list[strawberry.ID] = strawberry.field(description="User IDs, taken in turn.")


@strawberry.input(description="A new assignment rule for new unassigned leads or tickets.")
class CreateAssignmentRuleInput:
    name: str = strawberry.field(description="Name (1-120 characters).")
    kind: AssignmentKind = strawberry.field(description="Round-robin or by territory.")
    target: AssignmentTarget = strawberry.field(
        default=AssignmentTarget.LEAD,
        description="What it assigns: new leads (default) or new tickets.",
    )
    position: int = strawberry.field(default=0, description="Order of evaluation.")
    users: list[strawberry.ID] | None = strawberry.field(
        default=None, description="ROUND_ROBIN: the users, taken in turn."
    )
    territories: list[TerritoryInput] | None = strawberry.field(
        default=None, description="TERRITORY: the users of each territory."
    )
    condition: LeadFilter | None = strawberry.field(
        default=None, description="LEAD: only leads matching this (the `leads` list's filter)."
    )
    ticket_condition: TicketFilter | None = strawberry.field(
        default=None,
        description="TICKET: only tickets matching this (the `tickets` list's filter).",
    )


@strawberry.input(
    description="Changes of an assignment rule: only the fields given change (its target does not)."
)
class UpdateAssignmentRuleInput:
    version: int = strawberry.field(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    )
    name: str | None = strawberry.field(default=UNSET, description="Name (1-120 characters).")
    active: bool | None = strawberry.field(default=UNSET, description="false: disabled.")
    kind: AssignmentKind | None = strawberry.field(
        default=UNSET, description="Round-robin or by territory."
    )
    position: int | None = strawberry.field(default=UNSET, description="Order of evaluation.")
    users: list[strawberry.ID] | None = strawberry.field(
        default=UNSET, description="ROUND_ROBIN: the users, taken in turn."
    )
    territories: list[TerritoryInput] | None = strawberry.field(
        default=UNSET, description="TERRITORY: the users of each territory."
    )
    condition: LeadFilter | None = strawberry.field(
        default=UNSET, description="LEAD: only leads matching this; null: every lead."
    )
    ticket_condition: TicketFilter | None = strawberry.field(
        default=UNSET, description="TICKET: only tickets matching this; null: every ticket."
    )


@strawberry.input(description="A new automation rule.")
class CreateAutomationRuleInput:
    name: str = strawberry.field(description="Name (1-120 characters).")
    entity: AutomationEntity = strawberry.field(description="The kind of record it watches.")
    trigger: AutomationTrigger = strawberry.field(description="When it fires.")
    field: str | None = strawberry.field(
        default=None, description="FIELD_CHANGED: the field (e.g. `stage`, `status`)."
    )
    to_value: str | None = strawberry.field(
        default=None, description="FIELD_CHANGED: only changes to this value (e.g. NEGOTIATION)."
    )
    delay_hours: int | None = strawberry.field(
        default=None, description="TIME_AFTER_CREATED: hours after creation (1-8760)."
    )
    delay_days: int | None = strawberry.field(
        default=None,
        description="NO_INTERACTION: days without an interaction with the opportunity's "
        "customer (1-365).",
    )
    lead_condition: LeadFilter | None = strawberry.field(
        default=None, description="LEAD: the condition, as the `leads` list's filter."
    )
    opportunity_condition: OpportunityFilter | None = strawberry.field(
        default=None,
        description="OPPORTUNITY: the condition, as the `opportunities` list's filter.",
    )
    task_condition: TaskFilter | None = strawberry.field(
        default=None, description="TASK: the condition, as the `tasks` list's filter."
    )
    action: AutomationAction = strawberry.field(description="What it does.")
    task_title: str | None = strawberry.field(
        default=None,
        description="CREATE_TASK: the title template; `{name}` etc. are the record's fields.",
    )
    task_assignee: TaskAssigneeChoice = strawberry.field(
        default=TaskAssigneeChoice.OWNER, description="CREATE_TASK: who gets the task."
    )
    task_priority: TaskPriority = strawberry.field(
        default=TaskPriority.NORMAL, description="CREATE_TASK: the task's priority."
    )
    due_in_days: int = strawberry.field(
        default=1, description="CREATE_TASK: days until the task is due (0-365)."
    )
    user: strawberry.ID | None = strawberry.field(
        default=None, description="ASSIGN_OWNER, or CREATE_TASK with USER: the user."
    )
    set_field: str | None = strawberry.field(
        default=None,
        description="SET_FIELD: LEAD `status` or `score`, OPPORTUNITY `probability`, TASK "
        "`priority`.",
    )
    set_value: str | None = strawberry.field(default=None, description="SET_FIELD: the value.")
    webhook: strawberry.ID | None = strawberry.field(
        default=None,
        description="CALL_WEBHOOK: the webhook endpoint (`createWebhookEndpoint`) to POST to.",
    )


@strawberry.input(
    description="Changes of an automation rule: only the fields given change (its entity "
    "does not); the rule as changed is checked like a new one."
)
class UpdateAutomationRuleInput:
    version: int = strawberry.field(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    )
    name: str | None = strawberry.field(default=UNSET, description="Name (1-120 characters).")
    active: bool | None = strawberry.field(default=UNSET, description="false: disabled.")
    trigger: AutomationTrigger | None = strawberry.field(
        default=UNSET, description="When it fires."
    )
    field: str | None = strawberry.field(default=UNSET, description="FIELD_CHANGED: the field.")
    to_value: str | None = strawberry.field(
        default=UNSET, description="FIELD_CHANGED: only changes to this value; null: any."
    )
    delay_hours: int | None = strawberry.field(
        default=UNSET, description="TIME_AFTER_CREATED: hours after creation (1-8760)."
    )
    delay_days: int | None = strawberry.field(
        default=UNSET, description="NO_INTERACTION: days without an interaction (1-365)."
    )
    lead_condition: LeadFilter | None = strawberry.field(
        default=UNSET, description="LEAD: the condition; null: always."
    )
    opportunity_condition: OpportunityFilter | None = strawberry.field(
        default=UNSET, description="OPPORTUNITY: the condition; null: always."
    )
    task_condition: TaskFilter | None = strawberry.field(
        default=UNSET, description="TASK: the condition; null: always."
    )
    action: AutomationAction | None = strawberry.field(default=UNSET, description="What it does.")
    task_title: str | None = strawberry.field(
        default=UNSET, description="CREATE_TASK: the title template."
    )
    task_assignee: TaskAssigneeChoice | None = strawberry.field(
        default=UNSET, description="CREATE_TASK: who gets the task."
    )
    task_priority: TaskPriority | None = strawberry.field(
        default=UNSET, description="CREATE_TASK: the task's priority."
    )
    due_in_days: int | None = strawberry.field(
        default=UNSET, description="CREATE_TASK: days until the task is due (0-365)."
    )
    user: strawberry.ID | None = strawberry.field(
        default=UNSET, description="ASSIGN_OWNER, or CREATE_TASK with USER: the user."
    )
    set_field: str | None = strawberry.field(default=UNSET, description="SET_FIELD: the field.")
    set_value: str | None = strawberry.field(default=UNSET, description="SET_FIELD: the value.")
    webhook: strawberry.ID | None = strawberry.field(
        default=UNSET, description="CALL_WEBHOOK: the webhook endpoint."
    )


@strawberry.type(description="The result of an assignment-rule mutation.")
class AssignmentRulePayload:
    assignment_rule: AssignmentRule | None = strawberry.field(
        description="The rule as saved; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


@strawberry.type(description="The result of an automation-rule mutation.")
class AutomationRulePayload:
    automation_rule: AutomationRule | None = strawberry.field(
        description="The rule as saved; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


ASSIGNMENT = Writes(AssignmentRule, AssignmentRulePayload, field="assignment_rule")
AUTOMATION = Writes(AutomationRule, AutomationRulePayload, field="automation_rule")
CONDITIONS = {
    Entity.LEAD: "lead_condition",
    Entity.OPPORTUNITY: "opportunity_condition",
    Entity.TASK: "task_condition",
}


async def _user_ids(change: Change, path: list[Any], ids: list[strawberry.ID]) -> list[int]:
    found = []
    for i, global_id in enumerate(ids):
        pk = await change.problems.existing_id([*path, i], global_id, "User")
        if pk is not None:
            found.append(pk)
    return found


async def new_assignment_rule(change: Change) -> dict[str, Any]:
    data, problems = change.input, change.problems
    kind = AssignmentKind(data.kind)
    users = await _user_ids(change, change.at("users"), data.users or [])
    territories: dict[str, list[int]] = {}
    for i, territory in enumerate(data.territories or []):
        code = territory.code.strip().upper()
        if not code or len(code) > 12:
            problems.add(change.at("territories", i, "code"), "A code.", UserErrorCode.INVALID)
        territories[code] = await _user_ids(
            change, change.at("territories", i, "users"), territory.users
        )
    if kind == AssignmentKind.ROUND_ROBIN and not users:
        problems.add(change.at("users"), "At least one user.", UserErrorCode.REQUIRED)
    if kind == AssignmentKind.TERRITORY and not territories:
        problems.add(change.at("territories"), "At least one territory.", UserErrorCode.REQUIRED)
    target = AssignmentTarget(data.target)
    if target == AssignmentTarget.LEAD:
        condition = rules.condition(problems, change.at("condition"), Entity.LEAD, data.condition)
        wrong = "ticketCondition" if data.ticket_condition is not None else None
    else:
        condition = rules.condition(
            problems, change.at("ticketCondition"), TicketFilter, data.ticket_condition
        )
        wrong = "condition" if data.condition is not None else None
    if wrong is not None:
        problems.add(
            change.at(wrong),
            f"Not the condition of a {target.value} rule.",
            UserErrorCode.INVALID,
        )
    return {
        "name": validation.text(
            problems, change.at("name"), data.name, max_length=120, required=True
        ),
        "kind": kind,
        "target": target,
        "position": data.position,
        "user_ids": users,
        "territories": territories,
        "condition": condition,
    }


async def new_automation_rule(change: Change) -> dict[str, Any]:
    data, problems = change.input, change.problems
    entity = Entity(data.entity.value)
    trigger = AutomationTrigger(data.trigger)
    action = AutomationAction(data.action)
    for other, name in CONDITIONS.items():
        if other != entity and getattr(data, name) is not None:
            problems.add(
                change.at(rules.strawberry_camel(name)),
                f"Give the condition of a {entity.value} rule in "
                f"{rules.strawberry_camel(CONDITIONS[entity])}.",
                UserErrorCode.INVALID,
            )
    condition = rules.condition(
        problems,
        change.at(rules.strawberry_camel(CONDITIONS[entity])),
        entity,
        getattr(data, CONDITIONS[entity]),
    )
    values: dict[str, Any] = {
        "name": validation.text(
            problems, change.at("name"), data.name, max_length=120, required=True
        ),
        "entity": entity,
        "trigger": trigger,
        "condition": condition,
        "action": action,
        "created_by_id": change.caller_id,
        "field": None,
        "to_value": None,
        "delay_hours": None,
        "delay_days": None,
    }
    if trigger == AutomationTrigger.FIELD_CHANGED:
        if data.field not in rules.fields_of(entity):
            problems.add(change.at("field"), "Not a field of the record.", UserErrorCode.INVALID)
        values["field"], values["to_value"] = data.field, data.to_value
    if trigger == AutomationTrigger.TIME_AFTER_CREATED:
        if data.delay_hours is None or not 1 <= data.delay_hours <= 8760:
            problems.add(change.at("delayHours"), "From 1 to 8760.", UserErrorCode.OUT_OF_RANGE)
        values["delay_hours"] = data.delay_hours
    if trigger == AutomationTrigger.NO_INTERACTION:
        if entity != Entity.OPPORTUNITY:
            problems.add(
                change.at("trigger"),
                "NO_INTERACTION is for OPPORTUNITY rules.",
                UserErrorCode.INVALID,
            )
        if data.delay_days is None or not 1 <= data.delay_days <= 365:
            problems.add(change.at("delayDays"), "From 1 to 365.", UserErrorCode.OUT_OF_RANGE)
        values["delay_days"] = data.delay_days
    if (
        trigger in (AutomationTrigger.TASK_DUE, AutomationTrigger.TASK_REMINDER)
        and entity != Entity.TASK
    ):
        problems.add(
            change.at("trigger"), f"{trigger.value} is for TASK rules.", UserErrorCode.INVALID
        )
    params: dict[str, Any] = {}
    user_id = await change.problems.existing_id(change.at("user"), data.user, "User")
    if action == AutomationAction.CREATE_TASK:
        params["title"] = rules.template(
            problems, change.at("taskTitle"), entity, data.task_title or ""
        )
        params["assignee"] = data.task_assignee.value
        params["priority"] = data.task_priority.value
        if not 0 <= data.due_in_days <= 365:
            problems.add(change.at("dueInDays"), "From 0 to 365.", UserErrorCode.OUT_OF_RANGE)
        params["due_in_days"] = data.due_in_days
        if data.task_assignee == TaskAssigneeChoice.USER:
            if user_id is None:
                problems.add(change.at("user"), "The user to assign.", UserErrorCode.REQUIRED)
            params["user_id"] = user_id
    elif action == AutomationAction.CALL_WEBHOOK:
        params["webhook_id"] = await _webhook(change, data.webhook)
    elif action == AutomationAction.ASSIGN_OWNER:
        if user_id is None:
            problems.add(change.at("user"), "The new owner.", UserErrorCode.REQUIRED)
        params["user_id"] = user_id
    else:
        params["field"], params["value"] = rules.settable(
            problems, change.at("setField"), entity, data.set_field, data.set_value
        )
    values["params"] = params
    return values


async def _webhook(change: Change, global_id: str | None) -> int | None:
    """The webhook endpoint a CALL_WEBHOOK rule calls: given and registered."""
    path = change.at("webhook")
    if global_id is None:
        change.problems.add(path, "The webhook endpoint to call.", UserErrorCode.REQUIRED)
        return None
    pk = change.problems.id_of(path, global_id, "WebhookEndpoint")
    if pk is not None and not await WebhookEndpoint.filter(pk=pk).exists():
        change.problems.add(path, "No such WebhookEndpoint.", UserErrorCode.NOT_FOUND)
    return pk


def _global(type_name: str, pk: Any) -> strawberry.ID | None:
    return None if pk is None else strawberry.ID(to_global_id(type_name, int(pk)))


def _stored_condition(filter_cls: type, data: dict[str, Any]) -> Any:
    """A stored condition as its filter input again (None: none, or no longer valid)."""
    if not data:
        return None
    try:
        return condition_filter(filter_cls, data)
    except (InvalidCondition, ValueError):
        return None


def _given(data: Any, names: list[str]) -> dict[str, Any]:
    return {name: getattr(data, name) for name in names if given(getattr(data, name))}


def _automation_as_input(row: AutomationRuleRow) -> dict[str, Any]:
    """A saved automation rule as the input that would create it."""
    params = row.params or {}
    entity = Entity(row.entity)
    values: dict[str, Any] = {name: None for name in CONDITIONS.values()}
    values[CONDITIONS[entity]] = _stored_condition(ENTITIES[entity][1], row.condition)
    value = params.get("value")
    values.update(
        name=row.name,
        entity=entity,
        trigger=AutomationTrigger(row.trigger),
        field=row.field,
        to_value=row.to_value,
        delay_hours=row.delay_hours,
        delay_days=row.delay_days,
        action=AutomationAction(row.action),
        task_title=params.get("title"),
        task_assignee=TaskAssigneeChoice(params.get("assignee", "OWNER")),
        task_priority=TaskPriority(params.get("priority", "NORMAL")),
        due_in_days=params.get("due_in_days", 1),
        user=_global("User", params.get("user_id")),
        set_field=params.get("field"),
        set_value=None if value is None else str(getattr(value, "value", value)),
        webhook=_global("WebhookEndpoint", params.get("webhook_id")),
    )
    return values


UPDATABLE_AUTOMATION = [
    "name",
    "trigger",
    "field",
    "to_value",
    "delay_hours",
    "delay_days",
    "lead_condition",
    "opportunity_condition",
    "task_condition",
    "action",
    "task_title",
    "task_assignee",
    "task_priority",
    "due_in_days",
    "user",
    "set_field",
    "set_value",
    "webhook",
]


async def automation_changes(change: Change) -> dict[str, Any]:
    """The rule as changed, checked like a new one (every problem at its field)."""
    merged = {**_automation_as_input(change.row), **_given(change.input, UPDATABLE_AUTOMATION)}
    for name in ("task_assignee", "task_priority", "due_in_days"):
        if merged[name] is None:  # null given: back to the default
            merged.pop(name)
    values = await new_automation_rule(
        Change(change.problems, CreateAutomationRuleInput(**merged), change.row, change.path)
    )
    values.pop("created_by_id")
    values.pop("entity")
    if given(change.input.active):
        if change.input.active is None:
            change.problems.add(change.at("active"), "Must not be null.", UserErrorCode.REQUIRED)
        values["active"] = change.input.active
    return values


def _assignment_as_input(row: AssignmentRuleRow) -> dict[str, Any]:
    """A saved assignment rule as the input that would create it."""
    target = AssignmentTarget(row.target)
    lead = target == AssignmentTarget.LEAD
    return {
        "name": row.name,
        "kind": AssignmentKind(row.kind),
        "target": target,
        "position": row.position,
        "users": [_global("User", pk) for pk in row.user_ids],
        "territories": [
            TerritoryInput(code=code, users=[_global("User", pk) for pk in users])  # type: ignore[misc]
            for code, users in row.territories.items()
        ],
        "condition": _stored_condition(LeadFilter, row.condition) if lead else None,
        "ticket_condition": None if lead else _stored_condition(TicketFilter, row.condition),
    }


async def assignment_changes(change: Change) -> dict[str, Any]:
    """The rule as changed, checked like a new one."""
    names = ["name", "kind", "position", "users", "territories", "condition", "ticket_condition"]
    merged = {**_assignment_as_input(change.row), **_given(change.input, names)}
    if merged["position"] is None:
        merged["position"] = change.row.position
    values = await new_assignment_rule(
        Change(change.problems, CreateAssignmentRuleInput(**merged), change.row, change.path)
    )
    values.pop("target")
    if given(change.input.active):
        if change.input.active is None:
            change.problems.add(change.at("active"), "Must not be null.", UserErrorCode.REQUIRED)
        values["active"] = change.input.active
    return values


async def rule_saved(change: Change, row: Any, values: dict[str, Any]) -> None:
    """After an automation rule is created or changed: its plans follow it (in the
    worker: a NO_INTERACTION rule is scheduled for the open opportunities)."""
    await emit(RULE_SAVED, entity="automation_rule", entity_id=row.pk)


IdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID of the rule.")]


@strawberry.type
class AutomationMutations:
    @strawberry.mutation(description="Create an assignment rule for new leads (ADMIN).")
    async def create_assignment_rule(
        self,
        info: Info,
        input: Annotated[CreateAssignmentRuleInput, strawberry.argument(description="The rule.")],
    ) -> AssignmentRulePayload:
        return await ASSIGNMENT.create(info, input, new_assignment_rule)

    @strawberry.mutation(
        description="Change an assignment rule (ADMIN): name, position, users, territories, "
        "condition, on or off. Checked like a new rule; audited."
    )
    async def update_assignment_rule(
        self,
        info: Info,
        id: IdArg,
        input: Annotated[UpdateAssignmentRuleInput, strawberry.argument(description="The change.")],
    ) -> AssignmentRulePayload:
        return await ASSIGNMENT.update(info, id, input, assignment_changes)

    @strawberry.mutation(
        description="Create an automation rule (ADMIN). A condition that is not a valid "
        "filter, a field that does not exist, a template naming unknown fields: userErrors."
    )
    async def create_automation_rule(
        self,
        info: Info,
        input: Annotated[CreateAutomationRuleInput, strawberry.argument(description="The rule.")],
    ) -> AutomationRulePayload:
        return await AUTOMATION.create(info, input, new_automation_rule, after=rule_saved)

    @strawberry.mutation(
        description="Change an automation rule (ADMIN): name, trigger, condition, action and "
        "its parameters, on or off. The rule as changed is checked like a new one (userErrors, "
        "nothing written); audited."
    )
    async def update_automation_rule(
        self,
        info: Info,
        id: IdArg,
        input: Annotated[UpdateAutomationRuleInput, strawberry.argument(description="The change.")],
    ) -> AutomationRulePayload:
        return await AUTOMATION.update(info, id, input, automation_changes, after=rule_saved)
