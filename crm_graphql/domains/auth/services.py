"""The rules of signing in: login, token refresh and reuse detection, logout, API keys,
the login throttle, and making users with passwords. Called by the GraphQL mutations,
the per-request authentication and the command line alike.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from crm_graphql.api import audit
from crm_graphql.api.audit import AuditMeta
from crm_graphql.api.auth import Credentials, Principal
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.roles import Role
from crm_graphql.domains.auth.models import (
    ApiKey,
    LoginAttempt,
    RefreshToken,
    RevocationReason,
    TokenFamily,
)
from crm_graphql.domains.auth.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    hash_password_async,
    needs_rehash,
    verify_password,
)
from crm_graphql.domains.auth.tokens import (
    API_KEY_PREFIX_LENGTH,
    digest,
    mint_access_token,
    new_api_key,
    new_refresh_token,
    read_access_token,
)
from crm_graphql.domains.users.models import User
from crm_graphql.domains.users.services import create_user, normalise_email
from crm_graphql.settings import Settings

#: ``lastUsedAt`` of an API key is written at most this often (not on every request).
API_KEY_USE_RESOLUTION = timedelta(minutes=1)
#: Longer presented secrets are not even hashed: none of ours is that long.
MAX_SECRET_LENGTH = 512
#: Password of the demo users made by ``serve --demo``.
DEMO_PASSWORD = "demo-password"

INVALID_CREDENTIALS = "Invalid e-mail or password."
TOO_MANY_ATTEMPTS = "Too many failed login attempts. Try again later."
INVALID_REFRESH_TOKEN = "Invalid refresh token."


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class IssuedSession:
    """What a successful login or refresh hands to the client."""

    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime
    user: User


# --------------------------------------------------------------------------- sessions


async def issue_session(
    settings: Settings,
    user: User,
    client_address: str | None = None,
    audit_meta: AuditMeta | None = None,
) -> IssuedSession:
    """Start a new login session for ``user``: its first refresh token and an access token.

    Callers have checked the credentials; tests use it to sign in without a password.
    With ``audit_meta`` the sign-in is written to the audit log in the same transaction.
    """
    now = _now()
    async with in_transaction():
        family = await TokenFamily.create(id=uuid.uuid4(), user=user, client_address=client_address)
        refresh, refresh_expires = await _new_refresh_token(settings, family, now)
        if audit_meta is not None:
            await audit.record(
                "auth.login",
                replace(audit_meta, actor_user_id=user.pk, actor_label=user.name),
                entity_type="User",
                entity_id=user.pk,
            )
    return _issued(settings, user, family, refresh, refresh_expires, now)


async def _new_refresh_token(
    settings: Settings, family: TokenFamily, now: datetime
) -> tuple[str, datetime]:
    token = new_refresh_token()
    expires = now + timedelta(days=settings.refresh_token_days)
    await RefreshToken.create(family=family, token_hash=digest(token), expires_at=expires)
    return token, expires


def _issued(
    settings: Settings,
    user: User,
    family: TokenFamily,
    refresh: str,
    refresh_expires: datetime,
    now: datetime,
) -> IssuedSession:
    access, access_expires = mint_access_token(
        settings, user_id=user.pk, role=str(user.role), session_id=str(family.id), now=now
    )
    return IssuedSession(access, access_expires, refresh, refresh_expires, user)


async def login(
    settings: Settings,
    email: str,
    password: str,
    client_address: str | None,
    audit_meta: AuditMeta | None = None,
) -> IssuedSession:
    """Check an e-mail and password and start a session.

    Wrong password, unknown e-mail, deactivated user and user without a password all
    answer ``INVALID_CREDENTIALS`` after the same work (an argon2 verification). After
    ``CRM_LOGIN_MAX_FAILURES`` failures for the e-mail, or from the client address,
    within ``CRM_LOGIN_WINDOW_MINUTES``, the answer is ``TOO_MANY_ATTEMPTS`` (without
    checking the password) until older failures leave the window.

    The attempt is recorded as a failure *before* the password is checked and removed
    again if it succeeds, so that parallel guesses count against each other across
    workers instead of all passing the throttle at once.
    """
    address = client_address[:45] if client_address else None
    email_key = normalise_email(email)[:254]
    now = _now()
    since = now - timedelta(minutes=settings.login_window_minutes)
    attempt = await LoginAttempt.create(email=email_key, client_address=address, attempted_at=now)
    if await _too_many_failures(settings, email_key, address, since):
        await attempt.delete()  # refused attempts do not extend the lock
        raise CrmError(TOO_MANY_ATTEMPTS, ErrorCode.TOO_MANY_ATTEMPTS)

    user = await User.get_or_none(email=email_key)
    password_hash = user.password_hash if user is not None and user.is_active else None
    if len(password) > MAX_PASSWORD_LENGTH or not await verify_password(password_hash, password):
        await LoginAttempt.filter(attempted_at__lt=since).delete()  # keep the table small
        raise CrmError(INVALID_CREDENTIALS, ErrorCode.INVALID_CREDENTIALS)
    assert user is not None and password_hash is not None

    await attempt.delete()
    if needs_rehash(password_hash):
        user.password_hash = await hash_password_async(password)
        await user.save(update_fields=["password_hash"])
    return await issue_session(settings, user, address, audit_meta)


async def _too_many_failures(
    settings: Settings, email: str, address: str | None, since: datetime
) -> bool:
    limit = settings.login_max_failures
    by_email = await LoginAttempt.filter(email=email, attempted_at__gte=since).count()
    if by_email > limit:
        return True
    if address is None:
        return False
    return (
        await LoginAttempt.filter(client_address=address, attempted_at__gte=since).count() > limit
    )


async def refresh(
    settings: Settings,
    token: str,
    client_address: str | None = None,
    audit_meta: AuditMeta | None = None,
) -> IssuedSession:
    """Exchange a refresh token for a new one and a new access token (rotation).

    A token can be exchanged once. Presenting it again means it leaked (or the client
    misbehaves): the whole session is revoked, including the newer tokens and the
    session's access tokens, and the answer is ``UNAUTHENTICATED`` like any other
    invalid, expired or revoked token.
    """
    invalid = CrmError(INVALID_REFRESH_TOKEN, ErrorCode.UNAUTHENTICATED)
    if not token or len(token) > MAX_SECRET_LENGTH:
        raise invalid
    row = await RefreshToken.get_or_none(token_hash=digest(token)).select_related("family__user")
    if row is None:
        raise invalid
    family: TokenFamily = row.family
    user: User = family.user
    now = _now()
    if family.revoked_at is not None:
        raise invalid
    if row.used_at is not None:
        await _revoke_for_reuse(family, user, audit_meta)
        raise invalid
    if row.expires_at <= now or not user.is_active:
        raise invalid
    async with in_transaction():
        # Claim the token; a concurrent exchange of the same token loses the race here.
        claimed = await RefreshToken.filter(id=row.id, used_at__isnull=True).update(used_at=now)
        replacement = await _new_refresh_token(settings, family, now) if claimed else None
        if replacement is not None and audit_meta is not None:
            await audit.record(
                "auth.refresh",
                replace(audit_meta, actor_user_id=user.pk, actor_label=user.name),
                entity_type="User",
                entity_id=user.pk,
            )
    if replacement is None:  # another request exchanged it a moment ago: reuse as well
        await _revoke_for_reuse(family, user, audit_meta)
        raise invalid
    new_token, expires = replacement
    return _issued(settings, user, family, new_token, expires, now)


async def logout(principal: Principal, *, everywhere: bool = False) -> int:
    """End the caller's session (or, with ``everywhere``, every session of the user).

    Returns how many sessions were ended. The sessions' refresh tokens stop working and
    so do their access tokens, at their next request.
    """
    if principal.user_id is None:
        raise CrmError(
            "An API key has no session to end; revoke the key instead.",
            ErrorCode.BAD_USER_INPUT,
        )
    sessions = TokenFamily.filter(user_id=principal.user_id)
    if not everywhere:
        sessions = sessions.filter(id=principal.session_id)
    return await _revoke_families(sessions, RevocationReason.LOGOUT)


async def _revoke_for_reuse(family: TokenFamily, user: User, meta: AuditMeta | None) -> None:
    async with in_transaction():
        await _revoke_families(TokenFamily.filter(id=family.id), RevocationReason.REUSE)
        if meta is not None:
            await audit.record(
                "auth.refresh_reuse",
                replace(meta, actor_user_id=user.pk, actor_label=user.name),
                entity_type="User",
                entity_id=user.pk,
                changes={"session": str(family.id)},
            )


async def _revoke_families(families: QuerySet[TokenFamily], reason: RevocationReason) -> int:
    return await families.filter(revoked_at__isnull=True).update(
        revoked_at=_now(), revoked_reason=reason
    )


# --------------------------------------------------------------------------- per request


async def authenticate(settings: Settings, credentials: Credentials) -> Principal | None:
    """The principal behind a request's credentials, or ``None`` when they are not valid.

    One indexed SELECT: the session of an access token together with its user (revoked
    sessions and deactivated users fail here), or the API key by its digest.
    """
    secret = credentials.secret
    if len(secret) > MAX_SECRET_LENGTH:
        return None
    if credentials.is_api_key:
        return await _authenticate_api_key(secret, credentials)
    claims = read_access_token(settings, secret)
    if claims is None:
        return None
    found = (
        await TokenFamily.filter(
            id=claims.session_id,
            user_id=claims.user_id,
            revoked_at__isnull=True,
            user__is_active=True,
        )
        .limit(1)
        .values("user__name", "user__role")
    )
    if not found:
        return None
    (user,) = found
    return Principal(
        role=Role(user["user__role"]),
        name=user["user__name"],
        user_id=claims.user_id,
        session_id=claims.session_id,
    )


async def _authenticate_api_key(secret: str, credentials: Credentials) -> Principal | None:
    key = await ApiKey.get_or_none(key_hash=digest(secret), revoked_at__isnull=True)
    if key is None:
        return None
    now = _now()
    if key.last_used_at is None or key.last_used_at <= now - API_KEY_USE_RESOLUTION:
        # At most one write per key per minute, whatever the request rate; the audit
        # log records the use with the same resolution.
        async with in_transaction():
            updated = await (
                ApiKey.filter(id=key.pk)
                .filter(
                    Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - API_KEY_USE_RESOLUTION)
                )
                .update(last_used_at=now)
            )
            if updated:
                await audit.record(
                    "api_key.use",
                    AuditMeta(
                        actor_api_key_id=key.pk,
                        actor_label=key.name,
                        client_address=credentials.client_address,
                        request_id=credentials.request_id,
                    ),
                    entity_type="ApiKey",
                    entity_id=key.pk,
                )
    return Principal(role=Role(key.role), name=key.name, api_key_id=key.pk)


# --------------------------------------------------------------------------- API keys


async def create_api_key(name: str, role: Role, created_by: int | None) -> tuple[ApiKey, str]:
    """A new API key with ``role``; returns the row and the key, which is not kept."""
    name = name.strip()
    if not name or len(name) > 120:
        raise CrmError(
            "The name must have 1 to 120 characters.", ErrorCode.BAD_USER_INPUT, field="name"
        )
    secret = new_api_key()
    key = await ApiKey.create(
        name=name,
        prefix=secret[:API_KEY_PREFIX_LENGTH],
        key_hash=digest(secret),
        role=role,
        created_by_id=created_by,
    )
    return key, secret


async def revoke_api_key(key_id: int) -> ApiKey:
    """Revoke an API key: it stops working at once. Revoking it again changes nothing."""
    key = await ApiKey.get_or_none(id=key_id)
    if key is None:
        raise CrmError("There is no API key with this ID.", ErrorCode.NOT_FOUND)
    if key.revoked_at is None:
        key.revoked_at = _now()
        await key.save(update_fields=["revoked_at", "updated_at"])
    return key


# --------------------------------------------------------------------------- users


def _check_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise CrmError(
            f"The password must have {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters.",
            ErrorCode.BAD_USER_INPUT,
            field="password",
        )


async def set_password(user: User, password: str) -> None:
    """Give ``user`` a new password."""
    _check_password(password)
    user.password_hash = await hash_password_async(password)
    await user.save(update_fields=["password_hash", "updated_at"])


def demo_email(role: Role) -> str:
    """E-mail of the demo user of ``role``: ``admin@example.com``, ``sales@example.com``..."""
    return f"{role.value.lower()}@example.com"


async def ensure_demo_users(password: str = DEMO_PASSWORD) -> int:
    """One user per role for demos, ``<role>@example.com``; returns how many were made.

    Idempotent: existing ones are kept (one without a password gets the demo password).
    """
    created = 0
    for role in Role:
        user = await User.get_or_none(email=demo_email(role))
        if user is None:
            await create_user(demo_email(role), f"Demo {role.value.title()}", role, password)
            created += 1
        elif user.password_hash is None:
            await set_password(user, password)
    return created
