"""Mutations of assignment and automation rules (ADMIN)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api import validation
from crm_graphql.api.context import Info
from crm_graphql.api.mutations.inputs import given
from crm_graphql.api.mutations.problems import UserError, UserErrorCode
from crm_graphql.api.mutations.writes import Change, Writes
from crm_graphql.domains.automation import rules
from crm_graphql.domains.automation.enums import (
    AssignmentKind,
    AutomationAction,
    AutomationEntity,
    AutomationTrigger,
    TaskAssigneeChoice,
)
from crm_graphql.domains.automation.models import AutomationEntity as Entity
from crm_graphql.domains.automation.types import AssignmentRule, AutomationRule
from crm_graphql.domains.leads.filters import LeadFilter
from crm_graphql.domains.sales.filters import OpportunityFilter
from crm_graphql.domains.tasks.enums import TaskPriority
from crm_graphql.domains.tasks.filters import TaskFilter


@strawberry.input(description="The users of one territory.")
class TerritoryInput:
    code: str = strawberry.field(description="Country (ISO 3166-1) or country-region (US-CA).")
    users: list[strawberry.ID] = strawberry.field(description="User IDs, taken in turn.")


@strawberry.input(description="A new assignment rule for new unassigned leads.")
class CreateAssignmentRuleInput:
    name: str = strawberry.field(description="Name (1-120 characters).")
    kind: AssignmentKind = strawberry.field(description="Round-robin or by territory.")
    position: int = strawberry.field(default=0, description="Order of evaluation.")
    users: list[strawberry.ID] | None = strawberry.field(
        default=None, description="ROUND_ROBIN: the users, taken in turn."
    )
    territories: list[TerritoryInput] | None = strawberry.field(
        default=None, description="TERRITORY: the users of each territory."
    )
    condition: LeadFilter | None = strawberry.field(
        default=None, description="Only leads matching this (the `leads` list's filter)."
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


@strawberry.input(description="Turn a rule on or off.")
class RuleActiveInput:
    version: int = strawberry.field(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    )
    active: bool | None = strawberry.field(default=UNSET, description="false: disabled.")


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
    return {
        "name": validation.text(
            problems, change.at("name"), data.name, max_length=120, required=True
        ),
        "kind": kind,
        "position": data.position,
        "user_ids": users,
        "territories": territories,
        "condition": rules.condition(problems, change.at("condition"), Entity.LEAD, data.condition),
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
    }
    if trigger == AutomationTrigger.FIELD_CHANGED:
        if data.field not in rules.fields_of(entity):
            problems.add(change.at("field"), "Not a field of the record.", UserErrorCode.INVALID)
        values["field"], values["to_value"] = data.field, data.to_value
    if trigger == AutomationTrigger.TIME_AFTER_CREATED:
        if data.delay_hours is None or not 1 <= data.delay_hours <= 8760:
            problems.add(change.at("delayHours"), "From 1 to 8760.", UserErrorCode.OUT_OF_RANGE)
        values["delay_hours"] = data.delay_hours
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


async def active_change(change: Change) -> dict[str, Any]:
    return {"active": change.input.active} if given(change.input.active) else {}


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

    @strawberry.mutation(description="Turn an assignment rule on or off (ADMIN).")
    async def update_assignment_rule(
        self,
        info: Info,
        id: IdArg,
        input: Annotated[RuleActiveInput, strawberry.argument(description="The change.")],
    ) -> AssignmentRulePayload:
        return await ASSIGNMENT.update(info, id, input, active_change)

    @strawberry.mutation(
        description="Create an automation rule (ADMIN). A condition that is not a valid "
        "filter, a field that does not exist, a template naming unknown fields: userErrors."
    )
    async def create_automation_rule(
        self,
        info: Info,
        input: Annotated[CreateAutomationRuleInput, strawberry.argument(description="The rule.")],
    ) -> AutomationRulePayload:
        return await AUTOMATION.create(info, input, new_automation_rule)

    @strawberry.mutation(description="Enable or disable an automation rule (ADMIN).")
    async def update_automation_rule(
        self,
        info: Info,
        id: IdArg,
        input: Annotated[RuleActiveInput, strawberry.argument(description="The change.")],
    ) -> AutomationRulePayload:
        return await AUTOMATION.update(info, id, input, active_change)
