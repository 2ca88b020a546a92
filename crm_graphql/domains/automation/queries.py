"""Root query fields of the automation domain (ADMIN)."""

from __future__ import annotations

import strawberry

from crm_graphql.api.pagination.cursors import SortKey
from crm_graphql.api.pagination.fields import connection
from crm_graphql.api.pagination.listing import sortable
from crm_graphql.api.roles import ADMIN_ONLY
from crm_graphql.domains.automation.models import AssignmentRule, AutomationRule
from crm_graphql.domains.automation.runs import AUTOMATION_RUN_LIST
from crm_graphql.domains.automation.types import AutomationRun

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


@strawberry.type
class AutomationQueries:
    assignment_rules = connection(
        ASSIGNMENT_RULE_LIST, readable_by=ADMIN_ONLY, description="Assignment rules, in order."
    )
    automation_rules = connection(
        AUTOMATION_RULE_LIST, readable_by=ADMIN_ONLY, description="Automation rules."
    )

    automation_runs = connection(
        AUTOMATION_RUN_LIST,
        node=AutomationRun,
        readable_by=ADMIN_ONLY,
        description="Runs of automation rules, newest first by default: one per rule and "
        "record it fired on, with its outcome, attempts and error; filter by rule, record "
        "and outcome (one statement for the page, one for the outcomes).",
    )
