"""GraphQL enums of the sales domain."""

from __future__ import annotations

from crm_graphql.api.enums import graphql_enum
from crm_graphql.domains.sales.models import OpportunityStage

graphql_enum(
    OpportunityStage,
    "A step of the sales pipeline.",
    {
        "PROSPECTING": "Identified; not yet qualified (default probability 10%).",
        "QUALIFICATION": "Need and budget being confirmed (25%).",
        "PROPOSAL": "A proposal or quote has been sent (50%).",
        "NEGOTIATION": "Terms are being negotiated (75%).",
        "CLOSED_WON": "Won (100%).",
        "CLOSED_LOST": "Lost (0%); a lost reason is recorded.",
    },
)

__all__ = ["OpportunityStage"]
