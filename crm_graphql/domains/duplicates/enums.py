"""GraphQL enums of duplicate detection and merging."""

from __future__ import annotations

from enum import StrEnum

from crm_graphql.api.enums import graphql_enum


class DuplicateEntity(StrEnum):
    """The kinds of record searched for duplicates."""

    CUSTOMER = "CUSTOMER"
    COMPANY = "COMPANY"
    LEAD = "LEAD"


class DuplicateReason(StrEnum):
    """Why two records may be the same."""

    SAME_EMAIL = "SAME_EMAIL"
    SAME_PHONE = "SAME_PHONE"
    SIMILAR_NAME_SAME_COMPANY = "SIMILAR_NAME_SAME_COMPANY"
    SIMILAR_NAME = "SIMILAR_NAME"
    SAME_DOMAIN = "SAME_DOMAIN"


graphql_enum(
    DuplicateEntity,
    "The kind of record searched for duplicates.",
    {
        "CUSTOMER": "Customers (people).",
        "COMPANY": "Companies.",
        "LEAD": "Leads.",
    },
)

graphql_enum(
    DuplicateReason,
    "Why two records may be the same.",
    {
        "SAME_EMAIL": "The same e-mail address, ignoring case and surrounding spaces.",
        "SAME_PHONE": "The same phone number (E.164).",
        "SIMILAR_NAME_SAME_COMPANY": "Similar names (at least 85 of 100) at the same "
        "company (for leads: the same company name).",
        "SIMILAR_NAME": "Similar names (customers and leads: at least 85 of 100, only "
        "with another reason; companies: at least 90 of 100, legal forms ignored).",
        "SAME_DOMAIN": "The same web domain (companies).",
    },
)
