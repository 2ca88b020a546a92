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


class CustomerMergeField(StrEnum):
    """A field of a customer the survivor of a merge may take from another record."""

    FIRST_NAME = "FIRST_NAME"
    LAST_NAME = "LAST_NAME"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    JOB_TITLE = "JOB_TITLE"
    COMPANY = "COMPANY"
    OWNER = "OWNER"
    LIFECYCLE_STAGE = "LIFECYCLE_STAGE"
    SOURCE = "SOURCE"
    ADDRESS = "ADDRESS"
    BIRTH_DATE = "BIRTH_DATE"
    MARKETING_CONSENT = "MARKETING_CONSENT"
    PAYMENT_TERMS_DAYS = "PAYMENT_TERMS_DAYS"
    TAGS = "TAGS"
    CUSTOM_FIELDS = "CUSTOM_FIELDS"


class CompanyMergeField(StrEnum):
    """A field of a company the survivor of a merge may take from another record."""

    NAME = "NAME"
    DOMAIN = "DOMAIN"
    INDUSTRY = "INDUSTRY"
    SIZE_BAND = "SIZE_BAND"
    PHONE = "PHONE"
    ADDRESS = "ADDRESS"
    OWNER = "OWNER"
    PAYMENT_TERMS_DAYS = "PAYMENT_TERMS_DAYS"


_FILLED = "Default: the survivor's, else the first merged record's that has one."

graphql_enum(
    CustomerMergeField,
    "A field of a customer the survivor of a merge may take from another record.",
    {
        "FIRST_NAME": f"Given name. {_FILLED}",
        "LAST_NAME": f"Family name. {_FILLED}",
        "EMAIL": f"E-mail address. {_FILLED}",
        "PHONE": f"Phone number. {_FILLED}",
        "JOB_TITLE": f"Job title. {_FILLED}",
        "COMPANY": f"Company. {_FILLED}",
        "OWNER": f"Owner. {_FILLED}",
        "LIFECYCLE_STAGE": "Lifecycle stage (a change is recorded in the history). "
        "Default: the survivor's.",
        "SOURCE": "How the person reached the CRM. Default: the survivor's.",
        "ADDRESS": f"The whole postal address, from one record. {_FILLED}",
        "BIRTH_DATE": f"Date of birth. {_FILLED}",
        "MARKETING_CONSENT": "Consent to marketing. Default: the survivor's.",
        "PAYMENT_TERMS_DAYS": f"Payment terms. {_FILLED}",
        "TAGS": "Tags. Default: every tag of every record, the survivor's first.",
        "CUSTOM_FIELDS": "Extra fields. Default: every key of every record, the "
        "survivor's values winning, then the merged records' in the order given.",
    },
)

graphql_enum(
    CompanyMergeField,
    "A field of a company the survivor of a merge may take from another record.",
    {
        "NAME": f"Name. {_FILLED}",
        "DOMAIN": f"Web domain. {_FILLED}",
        "INDUSTRY": f"Industry. {_FILLED}",
        "SIZE_BAND": f"Head-count band. {_FILLED}",
        "PHONE": f"Main phone number. {_FILLED}",
        "ADDRESS": f"The whole postal address, from one record. {_FILLED}",
        "OWNER": f"Owner. {_FILLED}",
        "PAYMENT_TERMS_DAYS": f"Payment terms. {_FILLED}",
    },
)
