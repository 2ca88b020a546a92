"""Root query fields of the automation domain (ADMIN)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.ids import parse_global_id
from crm_graphql.api.pagination.cursors import SortKey
from crm_graphql.api.pagination.fields import connection
from crm_graphql.api.pagination.listing import sortable
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.roles import ADMIN_ONLY
from crm_graphql.domains.automation.enums import AutomationRunState
from crm_graphql.domains.automation.models import AssignmentRule, AutomationRule
from crm_graphql.domains.automation.types import AutomationRun, record_global_id
from crm_graphql.events import EventDelivery

ASSIGNMENT_RULE_LIST = sortable(
    "AssignmentRule",
    AssignmentRule,
    {"POSITION": ("position", "Order of evaluation."), "NAME": ("name", "Name.")},
    default=(SortKey("position", False),),
)
AUTOMATION_RULE_LIST = sortable(
    "AutomationRule",
    AutomationRule,
    {"CREATED_AT": ("created_at", "Creation time."), "NAME": ("name", "Name.")},
    default=(SortKey("created_at", False),),
)
RUN_SUBSCRIBER = "automation.run"


@strawberry.type
class AutomationQueries:
    assignment_rules = connection(
        ASSIGNMENT_RULE_LIST, readable_by=ADMIN_ONLY, description="Assignment rules, in order."
    )
    automation_rules = connection(
        AUTOMATION_RULE_LIST, readable_by=ADMIN_ONLY, description="Automation rules."
    )

    @guarded_field(
        ADMIN_ONLY,
        "Runs of automation rules, newest first: one per rule and record it fired on, "
        "with its outcome, attempts and error (two statements).",
    )
    async def automation_runs(
        self,
        info: Info,
        rule: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this rule's runs.")
        ] = None,
        state: Annotated[
            AutomationRunState | None, strawberry.argument(description="Only runs in this state.")
        ] = None,
        first: Annotated[int, strawberry.argument(description="At most this many (1-100).")] = 20,
    ) -> list[AutomationRun] | None:
        if not 1 <= first <= 100:
            raise CrmError("From 1 to 100.", ErrorCode.BAD_USER_INPUT, argument="first")
        query = EventDelivery.filter(subscriber=RUN_SUBSCRIBER)
        if rule is not None:
            kind, pk = parse_global_id(rule)
            if kind != "AutomationRule":
                raise CrmError("Not an AutomationRule ID.", ErrorCode.INVALID_ID, argument="rule")
            query = query.filter(event__entity_type="automation_rule", event__entity_id=str(pk))
        if state is not None:
            query = query.filter(state=state.value)
        rows = await query.order_by("-created_at", "-id").limit(first).select_related("event")
        rule_ids = {int(row.event.data["rule_id"]) for row in rows}
        entities = dict(await AutomationRule.filter(pk__in=rule_ids).values_list("id", "entity"))
        return [
            AutomationRun(
                state=AutomationRunState(row.state.value),
                attempts=row.attempts,
                error=row.last_error,
                created_at=row.created_at,
                finished_at=row.finished_at,
                next_attempt_at=row.due_at if row.state.value == "RETRYING" else None,
                record_id=record_global_id(
                    str(entities.get(int(row.event.data["rule_id"]), "")).lower(),
                    str(row.event.data["record_id"]),
                ),
                _rule_id=int(row.event.data["rule_id"]),
            )
            for row in rows
        ]
