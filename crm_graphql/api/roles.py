"""Roles and the sets of roles that field and row rules are written with.

A role is what a staff member (or an API key) does, and so what they may read and change.
The kernel owns it: every domain's rules are stated in these terms.
"""

from __future__ import annotations

from enum import StrEnum

from crm_graphql.api.enums import graphql_enum


class Role(StrEnum):
    """What a staff member does, and so what they may read and change."""

    ADMIN = "ADMIN"
    MANAGER = "MANAGER"
    SALES = "SALES"
    SUPPORT = "SUPPORT"
    MARKETING = "MARKETING"
    ANALYST = "ANALYST"


graphql_enum(
    Role,
    "What a staff member does, and so what they may read and change.",
    {
        "ADMIN": "Administers users, API keys and the whole CRM.",
        "MANAGER": "Leads a team; reads and changes everything in the CRM's data.",
        "SALES": "Works leads, customers and opportunities.",
        "SUPPORT": "Answers customers; records interactions.",
        "MARKETING": "Runs campaigns; manages consent and tags.",
        "ANALYST": "Reads for reporting; sees no contact details.",
    },
)

ALL_ROLES = frozenset(Role)
#: Contact details of people: everyone but analysts.
PERSONAL = ALL_ROLES - {Role.ANALYST}
#: Amounts of money: everyone but support and marketing.
FINANCIAL = ALL_ROLES - {Role.SUPPORT, Role.MARKETING}
#: The content of conversations.
CONVERSATION = frozenset({Role.ADMIN, Role.MANAGER, Role.SALES, Role.SUPPORT})
#: Support tickets and their content: everyone who serves customers (SALES only the
#: tickets of its own customers); marketing and analysts see ticket counts only.
SUPPORT_READERS = frozenset({Role.ADMIN, Role.MANAGER, Role.SALES, Role.SUPPORT})
#: Internal notes of support tickets: support and management.
SUPPORT_STAFF = frozenset({Role.ADMIN, Role.MANAGER, Role.SUPPORT})
#: Administration: users' e-mail and role, API keys, the audit log.
ADMIN_ONLY = frozenset({Role.ADMIN})
#: Campaign budgets and costs: the roles that plan campaigns.
CAMPAIGN_PLANNERS = frozenset({Role.ADMIN, Role.MANAGER, Role.MARKETING})
#: Figures that combine campaign costs with won amounts (ROI): planners who also read
#: money of opportunities.
CAMPAIGN_FINANCE = CAMPAIGN_PLANNERS & FINANCIAL
