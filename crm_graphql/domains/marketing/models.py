"""Saved segments, campaigns, their members, and customers' consent per channel."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from crm_graphql.db.models import MoneyField, TimestampedModel

if TYPE_CHECKING:
    from crm_graphql.domains.customers.models import Customer
    from crm_graphql.domains.users.models import User


class CampaignType(StrEnum):
    """How a campaign reaches people."""

    EMAIL = "EMAIL"
    EVENT = "EVENT"
    WEBINAR = "WEBINAR"
    ADVERTISING = "ADVERTISING"
    SOCIAL = "SOCIAL"
    DIRECT_MAIL = "DIRECT_MAIL"


class CampaignStatus(StrEnum):
    """Where a campaign stands: PLANNED, then ACTIVE, then COMPLETED or ABORTED."""

    PLANNED = "PLANNED"
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    ABORTED = "ABORTED"


class MemberStatus(StrEnum):
    """How far one member of a campaign went."""

    TARGETED = "TARGETED"
    SENT = "SENT"
    OPENED = "OPENED"
    CLICKED = "CLICKED"
    RESPONDED = "RESPONDED"
    CONVERTED = "CONVERTED"
    BOUNCED = "BOUNCED"
    UNSUBSCRIBED = "UNSUBSCRIBED"


class ConsentChannel(StrEnum):
    """A channel a customer may consent to be contacted on."""

    EMAIL = "EMAIL"
    SMS = "SMS"
    PHONE = "PHONE"
    POST = "POST"


class Segment(TimestampedModel):
    """A saved customer filter: the customers matching it, evaluated when read."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    description = fields.TextField(null=True)
    #: The CustomerFilter input as the client sent it (GraphQL field names).
    customer_filter: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    search = fields.CharField(max_length=200, null=True)
    owner: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="owned_segments", null=True, on_delete=fields.SET_NULL
    )
    owner_id: int | None

    class Meta:
        table = "segment"
        indexes = (("created_at", "id"),)


class Campaign(TimestampedModel):
    """A marketing campaign with its budget, cost and members."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    type = fields.CharEnumField(CampaignType, max_length=16)
    status = fields.CharEnumField(CampaignStatus, max_length=16, default=CampaignStatus.PLANNED)
    starts_on = fields.DateField(null=True)
    ends_on = fields.DateField(null=True)
    budget = MoneyField(null=True)
    actual_cost = MoneyField(null=True)
    currency = fields.CharField(max_length=3)
    expected_response = fields.SmallIntField(null=True, description="Percent of members.")
    description = fields.TextField(null=True)
    tracking_code = fields.CharField(
        max_length=100,
        null=True,
        unique=True,
        description="The utm_campaign value of its links: web-form leads carrying it come from it.",
    )
    owner: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="owned_campaigns", null=True, on_delete=fields.SET_NULL
    )
    owner_id: int | None

    class Meta:
        table = "campaign"
        indexes = (("created_at", "id"), ("status", "type", "created_at"))


class CampaignMember(TimestampedModel):
    """One customer targeted by a campaign, and how far they went."""

    id = fields.IntField(primary_key=True)
    campaign: fields.ForeignKeyRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="members", on_delete=fields.CASCADE
    )
    campaign_id: int
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="campaign_memberships", on_delete=fields.CASCADE
    )
    customer_id: int
    status = fields.CharEnumField(MemberStatus, max_length=16, default=MemberStatus.TARGETED)
    status_at = fields.DatetimeField(null=True, description="When the status was reached.")

    class Meta:
        table = "campaign_member"
        unique_together = (("campaign_id", "customer_id"),)
        indexes = (("campaign_id", "status"), ("customer_id", "created_at"))


class CampaignMemberTally(Model):
    """How many members of a campaign have each status: kept exact by the member writes
    in their own transaction, read by the campaign results instead of the members."""

    id = fields.IntField(primary_key=True)
    campaign: fields.ForeignKeyRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="member_tallies", on_delete=fields.CASCADE
    )
    campaign_id: int
    status = fields.CharEnumField(MemberStatus, max_length=16)
    members = fields.IntField(default=0)

    class Meta:
        table = "campaign_member_tally"
        unique_together = (("campaign_id", "status"),)


class CustomerConsent(TimestampedModel):
    """Whether a customer may be contacted on one channel: granted or withdrawn, when,
    and where the answer came from."""

    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="consents", on_delete=fields.CASCADE
    )
    customer_id: int
    channel = fields.CharEnumField(ConsentChannel, max_length=8)
    granted = fields.BooleanField()
    changed_at = fields.DatetimeField()
    source = fields.CharField(max_length=100)

    class Meta:
        table = "customer_consent"
        unique_together = (("customer_id", "channel"),)
        indexes = (("channel", "granted", "customer_id"),)
