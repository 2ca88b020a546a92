"""Sessions, refresh tokens, API keys and failed logins.

No secret is stored: refresh tokens and API keys are kept as SHA-256 digests (they are
long random strings, so a fast hash is enough), passwords as argon2id hashes on
:class:`~crm_graphql.domains.users.models.User`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from crm_graphql.api.roles import Role
from crm_graphql.db.models import TimestampedModel

if TYPE_CHECKING:
    from crm_graphql.domains.users.models import User


class RevocationReason(StrEnum):
    """Why a session ended before its refresh tokens expired."""

    LOGOUT = "LOGOUT"
    REUSE = "REUSE"


class TokenFamily(Model):
    """One login session: the chain of refresh tokens rotated from one ``login``.

    Access tokens name their session (claim ``sid``), so revoking the session (logout,
    refresh-token reuse) ends its access tokens at their next request too.
    """

    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="token_families", on_delete=fields.CASCADE
    )
    user_id: int
    created_at = fields.DatetimeField(auto_now_add=True)
    client_address = fields.CharField(max_length=45, null=True)
    revoked_at = fields.DatetimeField(null=True)
    revoked_reason = fields.CharEnumField(RevocationReason, max_length=16, null=True)

    class Meta:
        table = "auth_token_family"


class RefreshToken(Model):
    """One refresh token of a session: used once, then replaced by the next one."""

    id = fields.IntField(primary_key=True)
    family: fields.ForeignKeyRelation[TokenFamily] = fields.ForeignKeyField(
        "models.TokenFamily", related_name="tokens", on_delete=fields.CASCADE
    )
    family_id: UUID
    # Hex SHA-256 of the token.
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    # Set when the token is exchanged; presenting it again revokes the family.
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "auth_refresh_token"


class ApiKey(TimestampedModel):
    """A credential of an integration (marketing tool, shop, accounting), with a role."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120)
    # The first characters of the key, shown to tell keys apart; not enough to use it.
    prefix = fields.CharField(max_length=16)
    # Hex SHA-256 of the whole key.
    key_hash = fields.CharField(max_length=64, unique=True)
    role = fields.CharEnumField(Role, max_length=16)
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="created_api_keys", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "auth_api_key"
        indexes = (("created_at", "id"),)


class LoginAttempt(Model):
    """A failed login, kept while the login throttle counts it (per e-mail and address)."""

    id = fields.BigIntField(primary_key=True)
    # The e-mail as typed (normalised to lower case), whether or not a user has it.
    email = fields.CharField(max_length=254)
    client_address = fields.CharField(max_length=45, null=True)
    attempted_at = fields.DatetimeField()

    class Meta:
        table = "auth_login_attempt"
        indexes = (("email", "attempted_at"), ("client_address", "attempted_at"))


class LoginRefusal(Model):
    """Logins refused without checking the password (throttled), counted per client
    address and window: the audit log gets one event per window with the count, not
    one per refusal."""

    id = fields.BigIntField(primary_key=True)
    client_address = fields.CharField(max_length=45)
    window_start = fields.DatetimeField()
    count = fields.IntField(default=0)
    # Set once the window is over and its audit event is written.
    reported = fields.BooleanField(default=False)

    class Meta:
        table = "auth_login_refusal"
        unique_together = (("client_address", "window_start"),)
        indexes = (("reported", "window_start"),)
