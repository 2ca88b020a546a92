"""GraphQL enums of the leads domain."""

from __future__ import annotations

from crm_graphql.api.enums import graphql_enum
from crm_graphql.domains.leads.models import LeadSource, LeadStatus

graphql_enum(
    LeadStatus,
    "Where a lead stands: NEW -> CONTACTED -> QUALIFIED / UNQUALIFIED -> CONVERTED.",
    {
        "NEW": "Captured; nobody has contacted the person yet.",
        "CONTACTED": "Someone reached the person.",
        "QUALIFIED": "A real prospect: ready to convert.",
        "UNQUALIFIED": "Not a prospect (can be contacted again later).",
        "CONVERTED": "Became a customer (and maybe an opportunity); final.",
    },
)
graphql_enum(
    LeadSource,
    "How a lead reached the CRM.",
    {
        "WEB_FORM": "A web form on a public website.",
        "IMPORT": "A file import.",
        "EMAIL": "An e-mail.",
        "MANUAL": "Entered by staff.",
        "REFERRAL": "Recommended by someone.",
        "EVENT": "Met at an event.",
        "OTHER": "Anything else.",
    },
)

__all__ = ["LeadSource", "LeadStatus"]
