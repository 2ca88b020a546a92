"""GraphQL enums of the customers domain."""

from __future__ import annotations

from crm_graphql.api.enums import graphql_enum
from crm_graphql.domains.customers.models import (
    CustomerSource,
    CustomFieldType,
    LifecycleStage,
    SizeBand,
)

graphql_enum(
    LifecycleStage,
    "Where a person stands in the customer lifecycle.",
    {
        "LEAD": "Known contact, not yet qualified.",
        "PROSPECT": "Qualified; a sale is being pursued.",
        "CUSTOMER": "Has bought.",
        "CHURNED": "Former customer.",
    },
)

graphql_enum(
    CustomerSource,
    "How a person first reached the CRM.",
    {
        "WEB_FORM": "Filled in a form on the website.",
        "IMPORT": "Imported from a file or another system.",
        "EMAIL": "Wrote an e-mail.",
        "REFERRAL": "Referred by someone.",
        "EVENT": "Met at an event.",
        "OTHER": "Any other way.",
    },
)

graphql_enum(
    SizeBand,
    "Head-count band of a company.",
    {
        "MICRO": "1 to 10 employees.",
        "SMALL": "11 to 50 employees.",
        "MEDIUM": "51 to 250 employees.",
        "LARGE": "251 to 1000 employees.",
        "ENTERPRISE": "More than 1000 employees.",
    },
)

graphql_enum(
    CustomFieldType,
    "The type of the values of a custom field.",
    {
        "TEXT": "A string of at most 1000 characters.",
        "NUMBER": "A number (integer or decimal).",
        "BOOLEAN": "true or false.",
        "DATE": "A calendar date, YYYY-MM-DD.",
    },
)

__all__ = ["CustomFieldType", "CustomerSource", "LifecycleStage", "SizeBand"]
