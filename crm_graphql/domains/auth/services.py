"""The rules of signing in: login, token refresh and reuse detection, logout, API keys,
the login throttle, and making users with passwords. Called by the GraphQL mutations,
the per-request authentication and the command line alike.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter, deque
from collections.abc import Hashable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q, Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from crm_graphql.api import audit
from crm_graphql.api.audit import AuditMeta
from crm_graphql.api.auth import Credentials, Principal, address_bucket
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.keyed import dialect_key, read_connection
from crm_graphql.api.roles import Role
from crm_graphql.domains.auth.models import (
    ApiKey,
    LoginAttempt,
    LoginRefusal,
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


#: The first delay of the progressive login throttle, doubled by each further failure.
LOGIN_FIRST_DELAY = timedelta(seconds=30)
BUSY = "Too many sign-ins at once. Try again in a moment."

#: How long a login waits for a free password check before it is answered THROTTLED.
BUSY_WAIT_SECONDS = 1.0
#: Logins that may wait for a password check at once; more are answered at once.
MAX_WAITING_LOGINS = 64


class PasswordCheckSlots:
    """At most ``CRM_LOGIN_MAX_PASSWORD_CHECKS`` password checks at once in a process;
    a login waits up to ``BUSY_WAIT_SECONDS`` for its turn (first come, first served),
    and is refused after that. A refused login costs no hashing and no SQL, and the wait
    paces a client that floods ``login`` to one attempt per connection and second."""

    def __init__(self) -> None:
        self.busy = 0
        self.waiting: deque[asyncio.Future[None]] = deque()

    async def acquire(self, limit: int, wait: float) -> bool:
        """True with a slot held (give it back with :meth:`release`); False when none
        was free within ``wait`` seconds."""
        if not limit or self.busy < limit:
            self.busy += 1
            return True
        if len(self.waiting) >= MAX_WAITING_LOGINS:
            return False
        turn = asyncio.get_running_loop().create_future()
        self.waiting.append(turn)
        try:
            await asyncio.wait_for(turn, wait)
        except TimeoutError:
            return False
        return True  # the slot was handed over by release()

    def release(self) -> None:
        """Hand the slot to the next waiting login, or free it."""
        while self.waiting:
            turn = self.waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.busy -= 1


_password_checks = PasswordCheckSlots()


async def login(
    settings: Settings,
    email: str,
    password: str,
    client_address: str | None,
    audit_meta: AuditMeta | None = None,
) -> IssuedSession:
    """Check an e-mail and password and start a session.

    Wrong password, unknown e-mail, deactivated user and user without a password all
    answer ``INVALID_CREDENTIALS`` after the same work (an argon2 verification).

    Failures are counted per (e-mail, client address) and per client address, within
    ``CRM_LOGIN_WINDOW_MINUTES`` (an IPv6 address counts as its /64 network). After
    ``CRM_LOGIN_MAX_FAILURES`` failures of one e-mail from one address, that address
    must wait before trying the e-mail again: 30 seconds, then twice as long after each
    further failure (at most the window); after ``CRM_LOGIN_MAX_FAILURES_PER_ADDRESS``
    failures from one address, for any e-mails, the address waits until they leave the
    window. The answer meanwhile is
    ``TOO_MANY_ATTEMPTS`` without checking the password. Nobody can lock an account
    for its owner: failures from other addresses do not count against the owner's.

    At most ``CRM_LOGIN_MAX_PASSWORD_CHECKS`` logins are checked at once in a process; a
    further one waits up to a second for its turn and is then answered ``THROTTLED``,
    without hashing (see :class:`PasswordCheckSlots`).

    The attempt is recorded as a failure *before* the password is checked and removed
    again if it succeeds, so that parallel guesses count against each other across
    workers instead of all passing the throttle at once.
    """
    if not await _password_checks.acquire(settings.login_max_password_checks, BUSY_WAIT_SECONDS):
        raise CrmError(BUSY, ErrorCode.THROTTLED, retryAfter=1)
    try:
        return await _login(settings, email, password, client_address, audit_meta)
    finally:
        _password_checks.release()


async def _login(
    settings: Settings,
    email: str,
    password: str,
    client_address: str | None,
    audit_meta: AuditMeta | None,
) -> IssuedSession:
    address = address_bucket(client_address)
    email_key = normalise_email(email)[:254]
    now = _now()
    since = now - timedelta(minutes=settings.login_window_minutes)
    attempt = await LoginAttempt.create(email=email_key, client_address=address, attempted_at=now)
    if await _throttled(settings, email_key, address, since, now, attempt.pk):
        await attempt.delete()  # refused attempts do not extend the wait
        raise CrmError(TOO_MANY_ATTEMPTS, ErrorCode.TOO_MANY_ATTEMPTS)

    # MariaDB's usual collations compare "ä" equal to "a": the database finds the
    # candidates, the exact comparison (after normalisation) picks the user.
    candidates = await User.filter(email=email_key).limit(10)
    user = next((found for found in candidates if found.email == email_key), None)
    password_hash = user.password_hash if user is not None and user.is_active else None
    matches = len(password) <= MAX_PASSWORD_LENGTH and await verify_password(
        password_hash, password
    )
    if not matches:
        await LoginAttempt.filter(attempted_at__lt=since).delete()  # keep the table small
        raise CrmError(INVALID_CREDENTIALS, ErrorCode.INVALID_CREDENTIALS)
    assert user is not None and password_hash is not None

    await attempt.delete()
    if needs_rehash(password_hash):
        user.password_hash = await hash_password_async(password)
        await user.save(update_fields=["password_hash"])
    return await issue_session(settings, user, client_address, audit_meta)


async def _throttled(
    settings: Settings,
    email: str,
    address: str | None,
    since: datetime,
    now: datetime,
    current: int,
) -> bool:
    """Whether this attempt (already recorded as ``current``) must wait."""
    limit = settings.login_max_failures
    window = timedelta(minutes=settings.login_window_minutes)
    earlier = LoginAttempt.filter(attempted_at__gte=since).exclude(id=current)
    per_address = settings.login_max_failures_per_address
    if address is not None and await earlier.filter(client_address=address).count() >= per_address:
        return True
    pair = earlier.filter(email=email, client_address=address)
    failures = await pair.count()
    if failures < limit:
        return False
    last = await pair.order_by("-attempted_at").first().values_list("attempted_at", flat=True)
    wait = min(LOGIN_FIRST_DELAY * 2 ** min(failures - limit, 20), window)
    return isinstance(last, datetime) and now < last + wait


#: Refused logins counted in this process and not yet in the database, per (address,
#: window start); written at most every ``REFUSAL_FLUSH_SECONDS`` so that a flood of
#: refusals costs no database write each.
_refusals: Counter[tuple[str, datetime]] = Counter()
_refusals_flushed_at = 0.0
REFUSAL_FLUSH_SECONDS = 5.0


async def record_refusal(client_address: str | None, window_minutes: int) -> None:
    """Count a login refused without checking the password (throttled) in the window of
    its client address. The audit event of a window, with its count, is written once
    the window is over, by :func:`report_refusals`."""
    global _refusals_flushed_at
    window = timedelta(minutes=window_minutes).total_seconds()
    start = datetime.fromtimestamp(_now().timestamp() // window * window, UTC)
    _refusals[(address_bucket(client_address) or "unknown", start)] += 1
    if time.monotonic() - _refusals_flushed_at >= REFUSAL_FLUSH_SECONDS:
        _refusals_flushed_at = time.monotonic()
        await flush_refusals()


async def flush_refusals() -> None:
    """Add the refusals counted in this process to their windows' rows."""
    pending = dict(_refusals)
    _refusals.clear()
    for (address, start), count in pending.items():
        window = LoginRefusal.filter(client_address=address, window_start=start)
        if await window.update(count=F("count") + count):
            continue
        try:
            await LoginRefusal.create(client_address=address, window_start=start, count=count)
        except IntegrityError:  # another process made the row a moment ago
            await window.update(count=F("count") + count)


async def report_refusals(window_minutes: int, request_id: str | None = None) -> int:
    """Write one audit event ``auth.login_throttled`` per finished window of refused
    logins, with their count; returns how many were written."""
    await flush_refusals()
    now = _now()
    ended = now - timedelta(minutes=window_minutes)
    written = 0
    for row in await LoginRefusal.filter(reported=False, window_start__lte=ended).limit(1000):
        async with in_transaction():
            claimed = await LoginRefusal.filter(id=row.pk, reported=False).update(reported=True)
            if not claimed:
                continue
            await audit.record(
                "auth.login_throttled",
                AuditMeta(client_address=row.client_address, request_id=request_id),
                changes={
                    "refused": row.count,
                    "window_start": row.window_start.isoformat(),
                    "window_minutes": window_minutes,
                },
            )
            written += 1
    return written


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
        if _in_grace(settings, row.used_at, now, family, client_address):
            return await _exchange_again(settings, family, user, now)
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
    if replacement is None:  # another request (another tab) exchanged it a moment ago
        if _in_grace(settings, now, now, family, client_address):
            return await _exchange_again(settings, family, user, now)
        await _revoke_for_reuse(family, user, audit_meta)
        raise invalid
    new_token, expires = replacement
    return _issued(settings, user, family, new_token, expires, now)


def _in_grace(
    settings: Settings,
    used_at: datetime,
    now: datetime,
    family: TokenFamily,
    client_address: str | None,
) -> bool:
    """Whether a token exchanged at ``used_at`` may be exchanged once more: two tabs
    of one browser refreshing at the same moment, within ``CRM_REFRESH_GRACE_SECONDS``
    and from the address the session signed in from. Anything else is reuse."""
    grace = timedelta(seconds=settings.refresh_grace_seconds)
    return (
        grace > timedelta(0)
        and now - used_at <= grace
        and address_bucket(client_address) == address_bucket(family.client_address)
    )


async def _exchange_again(
    settings: Settings, family: TokenFamily, user: User, now: datetime
) -> IssuedSession:
    """A further refresh token of the same session (the race's loser gets its own)."""
    if not user.is_active:
        raise CrmError(INVALID_REFRESH_TOKEN, ErrorCode.UNAUTHENTICATED)
    new_token, expires = await _new_refresh_token(settings, family, now)
    return _issued(settings, user, family, new_token, expires, now)


async def purge_expired(settings: Settings) -> dict[str, int]:
    """Delete what can no longer be used: expired refresh tokens, sessions left without
    any, failed logins out of the throttle's window, and counted refusals already in the
    audit log (whose finished windows are reported first). Returns the counts deleted."""
    now = _now()
    window = timedelta(minutes=settings.login_window_minutes)
    await report_refusals(settings.login_window_minutes)
    # One transaction: a reader sees the purge done or not begun, never halfway.
    async with in_transaction():
        tokens = await RefreshToken.filter(expires_at__lte=now).delete()
        # A session's newest token outlives its access tokens by far; one started a
        # moment ago may not have its first token yet, hence the age.
        live = Subquery(RefreshToken.all().values("family_id"))
        old = now - timedelta(minutes=settings.access_token_minutes)
        sessions = await TokenFamily.filter(created_at__lt=old).exclude(id__in=live).delete()
        attempts = await LoginAttempt.filter(attempted_at__lt=now - window).delete()
        refusals = await LoginRefusal.filter(reported=True, window_start__lt=now - window).delete()
    return {
        "refresh_tokens": tokens,
        "sessions": sessions,
        "login_attempts": attempts,
        "login_refusals": refusals,
    }


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
    found = await _session_user(claims.session_id, claims.user_id)
    if not found:
        return None
    (user,) = found
    return Principal(
        role=Role(user["user__role"]),
        name=user["user__name"],
        user_id=claims.user_id,
        session_id=claims.session_id,
    )


def _session_query(session_id: str, user_id: int) -> Any:
    """The session of an access token together with its user's name and role; revoked
    sessions and deactivated users find nothing."""
    return (
        TokenFamily.filter(
            id=session_id,
            user_id=user_id,
            revoked_at__isnull=True,
            user__is_active=True,
        )
        .limit(1)
        .values("user__name", "user__role")
    )


#: Stand-ins for the two values of the session lookup, which no token carries.
_SESSION_STAND_IN = "00000000-0000-4000-8000-00000000c0de"
_USER_STAND_IN = -4_611_686_018_427_387_904 + 11

#: The session lookup's statement per dialect: (SQL, parameters, where the session's ID
#: goes, where the user's goes), or None where the stand-ins cannot be placed.
_SESSION_STATEMENTS: dict[Hashable, tuple[str, list[Any], int, int] | None] = {}


async def _session_user(session_id: str, user_id: int) -> list[dict[str, Any]]:
    """The rows of :func:`_session_query` (raw column values). Every request runs it, so
    its statement is built by Tortoise once per dialect, with stand-ins for the two
    values, and only the values change from one request to the next."""
    db = read_connection(TokenFamily)
    kept = dialect_key(db)
    if kept not in _SESSION_STATEMENTS:
        _SESSION_STATEMENTS[kept] = _session_statement()
    statement = _SESSION_STATEMENTS[kept]
    if statement is None or type(user_id) is not int:
        return list(await _session_query(session_id, user_id))
    sql, template, session_at, user_at = statement
    params = list(template)
    params[session_at] = session_id
    params[user_at] = user_id
    return await db.execute_query_dict(sql, params)


def _session_statement() -> tuple[str, list[Any], int, int] | None:
    probe = _session_query(_SESSION_STAND_IN, _USER_STAND_IN)
    probe._choose_db_if_not_chosen()
    probe._make_query()
    sql, params = probe.query.get_parameterized_sql()
    sessions = [at for at, value in enumerate(params) if value == _SESSION_STAND_IN]
    users = [
        at for at, value in enumerate(params) if type(value) is int and value == _USER_STAND_IN
    ]
    if len(sessions) != 1 or len(users) != 1:
        return None
    return sql, params, sessions[0], users[0]


async def _authenticate_api_key(secret: str, credentials: Credentials) -> Principal | None:
    # A key acts for the ADMIN who created it: it stops working while its creator is
    # deactivated (keys made with the command line have no creator).
    key = await ApiKey.get_or_none(
        Q(created_by_id__isnull=True) | Q(created_by__is_active=True),
        key_hash=digest(secret),
        revoked_at__isnull=True,
    )
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
