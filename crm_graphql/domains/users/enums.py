"""GraphQL enums of the users domain (registered once, imported everywhere)."""

from __future__ import annotations

from crm_graphql.api.enums import graphql_enum
from crm_graphql.domains.users.models import Role

Role = graphql_enum(
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

__all__ = ["Role"]
