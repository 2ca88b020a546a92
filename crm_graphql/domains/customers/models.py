"""Companies and the people (customers) who belong to them."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields

from crm_graphql.db.models import TimestampedModel

if TYPE_CHECKING:
    from crm_graphql.domains.users.models import User


class SizeBand(StrEnum):
    """Head-count band of a company."""

    MICRO = "MICRO"
    SMALL = "SMALL"
    MEDIUM = "MEDIUM"
    LARGE = "LARGE"
    ENTERPRISE = "ENTERPRISE"


class LifecycleStage(StrEnum):
    """Where a person stands in the customer lifecycle."""

    LEAD = "LEAD"
    PROSPECT = "PROSPECT"
    CUSTOMER = "CUSTOMER"
    CHURNED = "CHURNED"


class CustomerSource(StrEnum):
    """How a person first reached the CRM."""

    WEB_FORM = "WEB_FORM"
    IMPORT = "IMPORT"
    EMAIL = "EMAIL"
    REFERRAL = "REFERRAL"
    EVENT = "EVENT"
    OTHER = "OTHER"


class AddressMixin:
    """A postal address stored as plain columns on the owning row."""

    address_line1 = fields.CharField(max_length=200, null=True)
    address_line2 = fields.CharField(max_length=200, null=True)
    city = fields.CharField(max_length=100, null=True)
    region = fields.CharField(max_length=100, null=True)
    postal_code = fields.CharField(max_length=20, null=True)
    country = fields.CharField(max_length=2, null=True, description="ISO 3166-1 alpha-2")


class Company(TimestampedModel, AddressMixin):
    """An organisation that customers belong to."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200, db_index=True)
    domain = fields.CharField(max_length=253, null=True, db_index=True)
    industry = fields.CharField(max_length=100, null=True)
    size_band = fields.CharEnumField(SizeBand, max_length=16, null=True)
    phone = fields.CharField(max_length=32, null=True)
    owner: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="owned_companies", null=True, on_delete=fields.SET_NULL
    )
    owner_id: int | None
    payment_terms_days = fields.IntField(null=True, description="Net days invoices are due in.")
    deleted_at = fields.DatetimeField(null=True, description="Set when merged into another.")
    merged_into: fields.ForeignKeyNullableRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name="merged_companies", null=True, on_delete=fields.SET_NULL
    )
    merged_into_id: int | None

    class Meta:
        table = "company"
        indexes = (("created_at", "id"),)


class Customer(TimestampedModel, AddressMixin):
    """A person the organisation knows: a lead, a prospect or a customer."""

    id = fields.IntField(primary_key=True)
    first_name = fields.CharField(max_length=100)
    last_name = fields.CharField(max_length=100)
    email = fields.CharField(max_length=254, null=True, db_index=True)
    phone = fields.CharField(max_length=32, null=True)
    job_title = fields.CharField(max_length=120, null=True)
    company: fields.ForeignKeyNullableRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name="customers", null=True, on_delete=fields.SET_NULL
    )
    company_id: int | None
    lifecycle_stage = fields.CharEnumField(
        LifecycleStage, max_length=16, default=LifecycleStage.LEAD, db_index=True
    )
    owner: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="owned_customers", null=True, on_delete=fields.SET_NULL
    )
    owner_id: int | None
    source = fields.CharEnumField(CustomerSource, max_length=16, default=CustomerSource.OTHER)
    birth_date = fields.DateField(null=True)
    marketing_consent = fields.BooleanField(default=False)
    tags: fields.JSONField[list[str]] = fields.JSONField(default=list)
    custom_fields: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    deleted_at = fields.DatetimeField(null=True, description="Set when soft-deleted.")
    payment_terms_days = fields.IntField(null=True, description="Net days invoices are due in.")
    merged_into: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="merged_customers", null=True, on_delete=fields.SET_NULL
    )
    merged_into_id: int | None
    external_id = fields.CharField(
        max_length=100, null=True, db_index=True, description="The ID in another system."
    )

    class Meta:
        table = "customer"
        indexes = (
            ("created_at", "id"),
            ("last_name", "first_name"),
            ("company_id", "created_at"),
            # Dashboards: counts by stage and source, new customers per period.
            ("deleted_at", "lifecycle_stage", "source", "created_at"),
            # Imports match on the E.164 phone.
            ("phone",),
        )


class CustomerLifecycleChange(TimestampedModel):
    """One change of a customer lifecycle stage: the history behind the current stage."""

    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="lifecycle_changes", on_delete=fields.CASCADE
    )
    customer_id: int
    stage = fields.CharEnumField(LifecycleStage, max_length=16)
    changed_at = fields.DatetimeField()
    changed_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="customer_stage_changes", null=True, on_delete=fields.SET_NULL
    )
    changed_by_id: int | None

    class Meta:
        table = "customer_lifecycle_change"
        indexes = (("customer_id", "changed_at"),)


class CustomFieldType(StrEnum):
    """The type of the values of one custom field."""

    TEXT = "TEXT"
    NUMBER = "NUMBER"
    BOOLEAN = "BOOLEAN"
    DATE = "DATE"


class CustomFieldDefinition(TimestampedModel):
    """An organisation-defined extra field of customers, with the type of its values."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=64, unique=True)
    label = fields.CharField(max_length=120)
    type = fields.CharEnumField(CustomFieldType, max_length=16)

    class Meta:
        table = "custom_field_definition"
