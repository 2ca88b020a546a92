"""Touch points with a customer: e-mails, calls, meetings, notes and the rest."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields

from crm_graphql.db.models import TimestampedModel

if TYPE_CHECKING:
    from crm_graphql.domains.customers.models import Customer
    from crm_graphql.domains.sales.models import Opportunity
    from crm_graphql.domains.users.models import User


class Channel(StrEnum):
    """The medium of an interaction."""

    EMAIL = "EMAIL"
    CALL = "CALL"
    MEETING = "MEETING"
    SMS = "SMS"
    CHAT = "CHAT"
    SOCIAL = "SOCIAL"
    WEB_VISIT = "WEB_VISIT"
    NOTE = "NOTE"


class Direction(StrEnum):
    """Who started an interaction."""

    INBOUND = "INBOUND"
    OUTBOUND = "OUTBOUND"
    INTERNAL = "INTERNAL"


class Interaction(TimestampedModel):
    """One touch point between the organisation and a customer."""

    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="interactions", on_delete=fields.CASCADE
    )
    customer_id: int
    author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="interactions", null=True, on_delete=fields.SET_NULL
    )
    author_id: int | None
    opportunity: fields.ForeignKeyNullableRelation[Opportunity] = fields.ForeignKeyField(
        "models.Opportunity", related_name="interactions", null=True, on_delete=fields.SET_NULL
    )
    opportunity_id: int | None
    channel = fields.CharEnumField(Channel, max_length=16)
    direction = fields.CharEnumField(Direction, max_length=16)
    subject = fields.CharField(max_length=255)
    body = fields.TextField(null=True)
    occurred_at = fields.DatetimeField()
    duration_seconds = fields.IntField(null=True)
    outcome = fields.CharField(max_length=120, null=True)

    class Meta:
        table = "interaction"
        indexes = (
            ("customer_id", "occurred_at"),
            ("occurred_at", "id"),
            # Dashboards: interactions per period by channel, direction or author, and each
            # count per author, read from an index alone.
            ("occurred_at", "channel", "direction", "author_id", "duration_seconds"),
            ("author_id", "occurred_at"),
        )
