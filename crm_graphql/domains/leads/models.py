"""Leads (people who may become customers) and the web forms that capture them."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields

from crm_graphql.db.models import TimestampedModel

if TYPE_CHECKING:
    from crm_graphql.domains.customers.models import Customer
    from crm_graphql.domains.marketing.models import Campaign
    from crm_graphql.domains.sales.models import Opportunity
    from crm_graphql.domains.users.models import User


class LeadStatus(StrEnum):
    """Where a lead stands: NEW -> CONTACTED -> QUALIFIED / UNQUALIFIED -> CONVERTED."""

    NEW = "NEW"
    CONTACTED = "CONTACTED"
    QUALIFIED = "QUALIFIED"
    UNQUALIFIED = "UNQUALIFIED"
    CONVERTED = "CONVERTED"


#: Statuses of leads still being worked (a submission with their e-mail attaches to them).
OPEN_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)


class LeadSource(StrEnum):
    """How a lead reached the CRM."""

    WEB_FORM = "WEB_FORM"
    IMPORT = "IMPORT"
    EMAIL = "EMAIL"
    MANUAL = "MANUAL"
    REFERRAL = "REFERRAL"
    EVENT = "EVENT"
    OTHER = "OTHER"


class LeadForm(TimestampedModel):
    """A web form that public websites post leads to, by its key (no secret needed)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120)
    key = fields.CharField(max_length=40, unique=True)
    #: Origins (scheme, host and port) whose pages may post to it (empty: any).
    allowed_origins: fields.JSONField[list[str]] = fields.JSONField(default=list)
    #: Where a browser goes after a form-encoded submission (null: a JSON answer).
    redirect_url = fields.CharField(max_length=500, null=True)
    active = fields.BooleanField(default=True)
    submissions = fields.IntField(default=0)
    #: The campaign its leads come from, unless a submission names another.
    campaign: fields.ForeignKeyNullableRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="lead_forms", null=True, on_delete=fields.SET_NULL
    )
    campaign_id: int | None

    class Meta:
        table = "lead_form"


class Lead(TimestampedModel):
    """A person who may become a customer, worked until converted or disqualified."""

    id = fields.IntField(primary_key=True)
    first_name = fields.CharField(max_length=100, null=True)
    last_name = fields.CharField(max_length=100)
    email = fields.CharField(max_length=254, null=True)
    phone = fields.CharField(max_length=32, null=True)
    company_name = fields.CharField(max_length=200, null=True)
    job_title = fields.CharField(max_length=120, null=True)
    country = fields.CharField(max_length=2, null=True)
    region = fields.CharField(max_length=100, null=True)
    source = fields.CharEnumField(LeadSource, max_length=16, default=LeadSource.MANUAL)
    status = fields.CharEnumField(LeadStatus, max_length=16, default=LeadStatus.NEW)
    score = fields.SmallIntField(default=0)
    notes = fields.TextField(null=True)
    marketing_consent = fields.BooleanField(default=False)
    contact_consent = fields.BooleanField(default=False)
    owner: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="owned_leads", null=True, on_delete=fields.SET_NULL
    )
    owner_id: int | None
    form: fields.ForeignKeyNullableRelation[LeadForm] = fields.ForeignKeyField(
        "models.LeadForm", related_name="leads", null=True, on_delete=fields.SET_NULL
    )
    form_id: int | None
    #: The campaign it came from (its primary campaign source).
    campaign: fields.ForeignKeyNullableRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="leads", null=True, on_delete=fields.SET_NULL
    )
    campaign_id: int | None
    #: Further submissions of the same person (attached, not duplicated).
    submissions = fields.IntField(default=1)
    #: The raw fields of the last web-form submission, for the record.
    form_data: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    #: The assignment rule that chose the owner, if one did.
    assigned_by_rule_id = fields.IntField(null=True)
    converted_at = fields.DatetimeField(null=True)
    converted_customer: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="converted_leads", null=True, on_delete=fields.SET_NULL
    )
    converted_customer_id: int | None
    converted_opportunity: fields.ForeignKeyNullableRelation[Opportunity] = fields.ForeignKeyField(
        "models.Opportunity",
        related_name="converted_leads",
        null=True,
        on_delete=fields.SET_NULL,
    )
    converted_opportunity_id: int | None

    class Meta:
        table = "lead"
        indexes = (
            ("created_at", "id"),
            ("email", "status"),
            ("owner_id", "status"),
            ("converted_customer_id",),
            # Campaign results: the leads each campaign brought, and how many converted.
            ("campaign_id", "status"),
            # Imports match on the E.164 phone.
            ("phone",),
            # leadFunnel and leadsAggregate read this index alone.
            ("created_at", "status", "source", "converted_at"),
        )
