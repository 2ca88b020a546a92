"""GraphQL enums of the interactions domain."""

from __future__ import annotations

from crm_graphql.api.enums import graphql_enum
from crm_graphql.domains.interactions.models import Channel, Direction

graphql_enum(
    Channel,
    "The medium of an interaction.",
    {
        "EMAIL": "An e-mail message.",
        "CALL": "A telephone or video call.",
        "MEETING": "A meeting in person or online.",
        "SMS": "A text message.",
        "CHAT": "A chat conversation (website, messenger).",
        "SOCIAL": "A social-media engagement.",
        "WEB_VISIT": "A visit to the website.",
        "NOTE": "An internal note about the customer.",
    },
)

graphql_enum(
    Direction,
    "Who started an interaction.",
    {
        "INBOUND": "The customer reached out.",
        "OUTBOUND": "The organisation reached out.",
        "INTERNAL": "Internal only: the customer was not contacted.",
    },
)

__all__ = ["Channel", "Direction"]
