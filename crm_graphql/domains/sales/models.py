"""Opportunities moving through the sales pipeline."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields

from crm_graphql.db.models import MoneyField, TimestampedModel

if TYPE_CHECKING:
    from crm_graphql.domains.customers.models import Company, Customer
    from crm_graphql.domains.marketing.models import Campaign
    from crm_graphql.domains.users.models import User


class OpportunityStage(StrEnum):
    """A step of the sales pipeline."""

    PROSPECTING = "PROSPECTING"
    QUALIFICATION = "QUALIFICATION"
    PROPOSAL = "PROPOSAL"
    NEGOTIATION = "NEGOTIATION"
    CLOSED_WON = "CLOSED_WON"
    CLOSED_LOST = "CLOSED_LOST"


#: Stages of the open pipeline (not yet won or lost).
OPEN_STAGES = (
    OpportunityStage.PROSPECTING,
    OpportunityStage.QUALIFICATION,
    OpportunityStage.PROPOSAL,
    OpportunityStage.NEGOTIATION,
)

#: Default win probability (percent) of each stage.
STAGE_PROBABILITY = {
    OpportunityStage.PROSPECTING: 10,
    OpportunityStage.QUALIFICATION: 25,
    OpportunityStage.PROPOSAL: 50,
    OpportunityStage.NEGOTIATION: 75,
    OpportunityStage.CLOSED_WON: 100,
    OpportunityStage.CLOSED_LOST: 0,
}


class Opportunity(TimestampedModel):
    """A possible sale to a customer (and its company)."""

    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="opportunities", on_delete=fields.CASCADE
    )
    customer_id: int
    company: fields.ForeignKeyNullableRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name="opportunities", null=True, on_delete=fields.SET_NULL
    )
    company_id: int | None
    owner: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="owned_opportunities", null=True, on_delete=fields.SET_NULL
    )
    owner_id: int | None
    name = fields.CharField(max_length=200)
    amount = MoneyField()
    currency = fields.CharField(max_length=3)
    stage = fields.CharEnumField(
        OpportunityStage, max_length=16, default=OpportunityStage.PROSPECTING
    )
    probability = fields.SmallIntField(default=10)
    expected_close_date = fields.DateField(null=True)
    closed_at = fields.DatetimeField(null=True)
    lost_reason = fields.CharField(max_length=255, null=True)
    campaign: fields.ForeignKeyNullableRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="opportunities", null=True, on_delete=fields.SET_NULL
    )
    campaign_id: int | None

    class Meta:
        table = "opportunity"
        indexes = (
            ("customer_id", "created_at"),
            ("company_id", "created_at"),
            ("stage", "expected_close_date"),
            ("created_at", "id"),
            # Dashboards: the pipeline per stage, and each owner's won and open deals.
            ("stage", "currency", "probability", "amount", "created_at", "closed_at"),
            ("owner_id", "stage", "currency", "amount", "probability", "closed_at"),
            # Campaign results: the pipeline and won amounts each campaign brought.
            ("campaign_id", "stage", "currency", "amount"),
        )


class OpportunityStageChange(TimestampedModel):
    """One change of an opportunity stage: the history behind the current stage."""

    id = fields.IntField(primary_key=True)
    opportunity: fields.ForeignKeyRelation[Opportunity] = fields.ForeignKeyField(
        "models.Opportunity", related_name="stage_changes", on_delete=fields.CASCADE
    )
    opportunity_id: int
    stage = fields.CharEnumField(OpportunityStage, max_length=16)
    changed_at = fields.DatetimeField()
    changed_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User",
        related_name="opportunity_stage_changes",
        null=True,
        on_delete=fields.SET_NULL,
    )
    changed_by_id: int | None

    class Meta:
        table = "opportunity_stage_change"
        indexes = (("opportunity_id", "changed_at"),)
