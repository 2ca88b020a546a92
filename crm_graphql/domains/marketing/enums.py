"""GraphQL enums of the marketing domain."""

from __future__ import annotations

from crm_graphql.api.enums import graphql_enum
from crm_graphql.domains.marketing.models import (
    CampaignStatus,
    CampaignType,
    ConsentChannel,
    MemberStatus,
)

graphql_enum(
    CampaignType,
    "How a campaign reaches people.",
    {
        "EMAIL": "E-mails; only customers with e-mail consent become members.",
        "EVENT": "An event people attend.",
        "WEBINAR": "An online seminar.",
        "ADVERTISING": "Paid advertising.",
        "SOCIAL": "Social media.",
        "DIRECT_MAIL": "Letters and printed mail.",
    },
)
graphql_enum(
    CampaignStatus,
    "Where a campaign stands: PLANNED -> ACTIVE -> COMPLETED or ABORTED (PLANNED may be "
    "ABORTED too).",
    {
        "PLANNED": "Being prepared.",
        "ACTIVE": "Running.",
        "COMPLETED": "Ended as planned (final).",
        "ABORTED": "Stopped early (final).",
    },
)
graphql_enum(
    MemberStatus,
    "How far one member of a campaign went: TARGETED -> SENT -> OPENED -> CLICKED -> "
    "RESPONDED -> CONVERTED, or BOUNCED / UNSUBSCRIBED.",
    {
        "TARGETED": "Added to the campaign; nothing sent yet.",
        "SENT": "The message was sent.",
        "OPENED": "The message was opened.",
        "CLICKED": "A link in it was clicked.",
        "RESPONDED": "The member responded (replied, registered, attended).",
        "CONVERTED": "The member became a lead or bought.",
        "BOUNCED": "The message could not be delivered.",
        "UNSUBSCRIBED": "The member withdrew consent through the campaign.",
    },
)
graphql_enum(
    ConsentChannel,
    "A channel a customer may consent to be contacted on.",
    {
        "EMAIL": "E-mail.",
        "SMS": "Text messages.",
        "PHONE": "Phone calls.",
        "POST": "Postal mail.",
    },
)

__all__ = ["CampaignStatus", "CampaignType", "ConsentChannel", "MemberStatus"]
