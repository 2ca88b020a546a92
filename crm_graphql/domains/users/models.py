"""Staff members: the owners and authors of CRM records."""

from __future__ import annotations

from tortoise import fields

from crm_graphql.api.roles import Role
from crm_graphql.db.models import TimestampedModel


class User(TimestampedModel):
    """A staff member of the organisation running the CRM."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120)
    email = fields.CharField(max_length=254, unique=True)
    role = fields.CharEnumField(Role, max_length=16, default=Role.SALES)
    is_active = fields.BooleanField(default=True)
    # argon2id hash (PHC string); null for users who never sign in with a password.
    # Never exposed by the API, never logged.
    password_hash = fields.CharField(max_length=255, null=True)

    class Meta:
        table = "crm_user"
