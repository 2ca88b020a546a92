"""GraphQL types of assignment rules, automation rules and their runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from tortoise.expressions import Q

from crm_graphql.api.columns import reads
from crm_graphql.api.context import Info
from crm_graphql.api.entities import entity
from crm_graphql.api.ids import to_global_id
from crm_graphql.api.loaders import attached, load_by_id
from crm_graphql.api.node import Node
from crm_graphql.api.references import reference
from crm_graphql.api.roles import Role
from crm_graphql.domains.automation.enums import (
    AssignmentKind,
    AssignmentTarget,
    AutomationAction,
    AutomationEntity,
    AutomationRunState,
    AutomationTrigger,
    TaskAssigneeChoice,
)
from crm_graphql.domains.automation.models import AssignmentRule as AssignmentRuleModel
from crm_graphql.domains.automation.models import AutomationRule as AutomationRuleModel
from crm_graphql.domains.automation.models import AutomationRun as AutomationRunModel
from crm_graphql.domains.users.models import User as UserModel
from crm_graphql.domains.users.types import User
from crm_graphql.events import EventDelivery

RECORD_TYPES = {"lead": "Lead", "opportunity": "Opportunity", "task": "Task"}


async def _users(info: Info, ids: list[int]) -> list[UserModel]:
    found = [await load_by_id(info, UserModel, pk) for pk in ids]
    return [user for user in found if user is not None]


@strawberry.type(description="The users of one territory of an assignment rule.")
class Territory:
    code: str = strawberry.field(description="Country (ISO 3166-1) or country-region (US-CA).")
    _user_ids: strawberry.Private[list[int]]

    @strawberry.field(description="Its users, taken in turn.", graphql_type=list[User])
    async def users(self, info: Info) -> list[UserModel]:
        return await _users(info, self._user_ids)


def admin_only(principal: Any) -> Q | None:
    """Rules and their runs are ADMIN's to read, also through ``node(id:)``."""
    if principal is not None and principal.role == Role.ADMIN:
        return None
    return Q(pk__in=[0])


@strawberry.type(
    description="Chooses the owner of new unassigned leads (or the assignee of new "
    "tickets): the first active rule of its target (by position) whose condition holds "
    "and that has an active user for the record decides."
)
@entity(AssignmentRuleModel, writers={}, read_rule=admin_only)
class AssignmentRule(Node):
    name: str = strawberry.field(description="Name.")
    position: int = strawberry.field(description="Order of evaluation, lowest first.")
    active: bool = strawberry.field(description="Whether it assigns leads.")
    kind: AssignmentKind = strawberry.field(description="Round-robin or by territory.")
    target: AssignmentTarget = strawberry.field(description="What it assigns: leads or tickets.")
    condition: JSON = strawberry.field(
        description="The records it applies to, as a LeadFilter (or TicketFilter) input "
        "({}: every one)."
    )
    assigned: int = strawberry.field(description="Records it assigned so far.")
    version: int = strawberry.field(
        description="Incremented by every change; send it back with updates."
    )

    @strawberry.field(
        description="ROUND_ROBIN: the users taken in turn (deactivated users are skipped).",
        graphql_type=list[User],
    )
    async def users(self, root: AssignmentRuleModel, info: Info) -> list[UserModel]:
        return await _users(info, list(root.user_ids))

    @strawberry.field(description="TERRITORY: the users of each territory.")
    def territories(self, root: AssignmentRuleModel) -> list[Territory]:
        return [Territory(code=code, _user_ids=list(ids)) for code, ids in root.territories.items()]


@strawberry.type(description="What an automation rule does, with its parameters.")
class AutomationActionSpec:
    action: AutomationAction = strawberry.field(description="The action.")
    task_title: str | None = strawberry.field(
        description="CREATE_TASK: the title template ({name}, {title}, {stage}... of the record)."
    )
    task_assignee: TaskAssigneeChoice | None = strawberry.field(
        description="CREATE_TASK: who gets the task."
    )
    due_in_days: int | None = strawberry.field(description="CREATE_TASK: days until due.")
    set_field: str | None = strawberry.field(description="SET_FIELD: the field.")
    set_value: str | None = strawberry.field(description="SET_FIELD: the value.")
    webhook_id: strawberry.ID | None = strawberry.field(
        description="CALL_WEBHOOK: global ID of the webhook endpoint it POSTs to."
    )
    _user_id: strawberry.Private[int | None]

    @strawberry.field(
        description="ASSIGN_OWNER, or CREATE_TASK with USER: the user.", graphql_type=User | None
    )
    async def user(self, info: Info) -> UserModel | None:
        return await load_by_id(info, UserModel, self._user_id)


@strawberry.type(
    description="When a record is created, changes or waits too long, and a condition "
    "(the list's filter input) holds: an action. Every run is recorded (`automationRuns`)."
)
@entity(AutomationRuleModel, writers={}, read_rule=admin_only)
class AutomationRule(Node):
    name: str = strawberry.field(description="Name.")
    active: bool = strawberry.field(description="false: disabled, it does not fire.")
    entity: AutomationEntity = strawberry.field(description="The kind of record it watches.")
    trigger: AutomationTrigger = strawberry.field(description="When it fires.")
    field: str | None = strawberry.field(description="FIELD_CHANGED: the field.")
    to_value: str | None = strawberry.field(
        description="FIELD_CHANGED: only a change to this value; null: any change."
    )
    delay_hours: int | None = strawberry.field(description="TIME_AFTER_CREATED: the hours.")
    delay_days: int | None = strawberry.field(
        description="NO_INTERACTION: days without an interaction with the customer."
    )
    condition: JSON = strawberry.field(
        description="The condition, as the entity's filter input ({}: always)."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    version: int = strawberry.field(
        description="Incremented by every change; send it back with updates."
    )

    @strawberry.field(description="The action and its parameters.")
    def action(self, root: AutomationRuleModel) -> AutomationActionSpec:
        params = root.params
        assignee = params.get("assignee")
        return AutomationActionSpec(
            action=AutomationAction(root.action),
            task_title=params.get("title"),
            task_assignee=TaskAssigneeChoice(assignee) if assignee else None,
            due_in_days=params.get("due_in_days"),
            set_field=params.get("field"),
            set_value=None if params.get("value") is None else str(params["value"]),
            webhook_id=(
                None
                if params.get("webhook_id") is None
                else strawberry.ID(to_global_id("WebhookEndpoint", params["webhook_id"]))
            ),
            _user_id=params.get("user_id"),
        )


def _delivery(root: AutomationRunModel) -> EventDelivery | None:
    """The run's delivery row, attached to the page's rows (see ``runs.attach_deliveries``)."""
    found, delivery = attached(root, "delivery")
    if not found:
        raise RuntimeError("the page did not attach the runs' deliveries")
    return delivery


@strawberry.type(
    description="One run of an automation rule on one record: its outcome, attempts and "
    "error (the delivery of its event to the rule runner)."
)
@entity(AutomationRunModel, writers={}, read_rule=admin_only)
class AutomationRun(Node):
    @strawberry.field(description="Where it stands (PENDING until a runner takes it).")
    @reads("event_id")
    def state(self, root: AutomationRunModel) -> AutomationRunState:
        delivery = _delivery(root)
        return AutomationRunState(delivery.state.value if delivery else "PENDING")

    @strawberry.field(description="Attempts so far.")
    @reads("event_id")
    def attempts(self, root: AutomationRunModel) -> int:
        delivery = _delivery(root)
        return delivery.attempts if delivery else 0

    @strawberry.field(description="The last error, if any.")
    @reads("event_id")
    def error(self, root: AutomationRunModel) -> str | None:
        delivery = _delivery(root)
        return delivery.last_error if delivery else None

    @strawberry.field(description="When it finished (DONE or FAILED).")
    @reads("event_id")
    def finished_at(self, root: AutomationRunModel) -> datetime | None:
        delivery = _delivery(root)
        return delivery.finished_at if delivery else None

    @strawberry.field(description="RETRYING: when it runs again.")
    @reads("event_id")
    def next_attempt_at(self, root: AutomationRunModel) -> datetime | None:
        delivery = _delivery(root)
        retrying = delivery is not None and delivery.state.value == "RETRYING"
        return delivery.due_at if retrying and delivery else None

    created_at: datetime = strawberry.field(description="When the rule fired.")

    @strawberry.field(description="Global ID of the record it ran on.")
    @reads("record_type", "record_id")
    def record_id(self, root: AutomationRunModel) -> strawberry.ID | None:
        return record_global_id(root.record_type, str(root.record_id))

    rule = reference("The rule.", target_rule_holds="runs and rules are both read by ADMIN only")


def record_global_id(entity: str, record_id: str) -> strawberry.ID | None:
    """The global ID of the record a run is about."""
    name = RECORD_TYPES.get(entity)
    if name is None or not record_id.isdigit():
        return None
    return strawberry.ID(to_global_id(name, int(record_id)))
