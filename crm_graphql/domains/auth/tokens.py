"""Access tokens (signed JWTs) and opaque secrets (refresh tokens, API keys).

Access tokens are HS256 JWTs: ``sub`` (user id), ``sid`` (login session), ``role``,
``iat``, ``exp``, ``iss``, ``aud`` and ``jti``. Reading one pins the algorithm list to
HS256 (so ``alg: none`` and key-confusion tricks fail), requires and checks ``exp``,
``iss`` and ``aud``, and allows ``CRM_JWT_LEEWAY_SECONDS`` of clock skew.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from crm_graphql.api.auth import API_KEY_PREFIX
from crm_graphql.settings import Settings

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["sub", "sid", "role", "iat", "exp", "iss", "aud", "jti"]
#: Characters of an API key kept to identify it (``crm_`` and 8 more).
API_KEY_PREFIX_LENGTH = len(API_KEY_PREFIX) + 8


@dataclass(frozen=True)
class AccessClaims:
    """What a valid access token says."""

    user_id: int
    session_id: str
    token_id: str
    expires_at: datetime


def _secret(settings: Settings) -> str:
    if settings.jwt_secret is None:
        raise RuntimeError("CRM_JWT_SECRET is not set")
    return settings.jwt_secret.get_secret_value()


def mint_access_token(
    settings: Settings, *, user_id: int, role: str, session_id: str, now: datetime | None = None
) -> tuple[str, datetime]:
    """A new access token for a user's session, and when it expires."""
    issued = (now or datetime.now(UTC)).replace(microsecond=0)
    expires = issued + timedelta(minutes=settings.access_token_minutes)
    claims = {
        "sub": str(user_id),
        "sid": session_id,
        "role": role,
        "iat": issued,
        "exp": expires,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, _secret(settings), algorithm=ALGORITHM), expires


#: Tokens already verified, by what verifying them depended on (newest last): a client
#: sends the same token with every request until it expires, and verifying it again
#: (signature, JSON, claims) was a tenth of a small request's work. Only valid tokens
#: are kept, and a kept token's expiry is checked on every request; its session is
#: still looked up every time (revocation, deactivated users).
_VERIFIED: OrderedDict[tuple[str, str, str, str], AccessClaims] = OrderedDict()
VERIFIED_KEPT = 1024


def read_access_token(settings: Settings, token: str) -> AccessClaims | None:
    """The claims of a valid access token; ``None`` for anything else, whatever the flaw.

    The reason is not returned: every invalid token gets the same answer.
    """
    if settings.jwt_secret is None:
        return None
    key = (_secret(settings), settings.jwt_audience, settings.jwt_issuer, token)
    kept = _VERIFIED.get(key)
    if kept is not None:
        # What jwt.decode would say of it now: only ``exp`` changes its answer with time
        # (``iat`` and ``nbf`` only ever become valid).
        if time.time() < kept.expires_at.timestamp() + settings.jwt_leeway_seconds:
            _VERIFIED.move_to_end(key)
            return kept
        del _VERIFIED[key]
        return None
    claims = _verified(settings, token)
    if claims is not None:
        _VERIFIED[key] = claims
        while len(_VERIFIED) > VERIFIED_KEPT:
            _VERIFIED.popitem(last=False)
    return claims


def _verified(settings: Settings, token: str) -> AccessClaims | None:
    try:
        claims = jwt.decode(
            token,
            _secret(settings),
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            leeway=settings.jwt_leeway_seconds,
            options={"require": REQUIRED_CLAIMS, "verify_signature": True},
        )
        return AccessClaims(
            user_id=int(claims["sub"]),
            session_id=str(uuid.UUID(str(claims["sid"]))),
            token_id=str(claims["jti"]),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        )
    except (jwt.InvalidTokenError, ValueError, TypeError, OverflowError):
        return None


def digest(secret: str) -> str:
    """Hex SHA-256 of a high-entropy secret (refresh token, API key): how it is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_refresh_token() -> str:
    """A new opaque refresh token (256 random bits)."""
    return secrets.token_urlsafe(32)


def new_api_key() -> str:
    """A new API key: ``crm_`` and 256 random bits."""
    return API_KEY_PREFIX + secrets.token_urlsafe(32)
