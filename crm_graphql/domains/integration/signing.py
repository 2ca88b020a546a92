"""Webhook signatures: HMAC-SHA256 over ``<timestamp>.<body>``, the scheme Stripe uses.

Header: ``CRM-Signature: t=<unix seconds>,v1=<hex digest>``. A receiver recomputes the
digest with the endpoint's secret over the timestamp, a dot and the raw body, compares
in constant time, and rejects timestamps older than its tolerance (5 minutes) so that a
captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SIGNATURE_HEADER = "CRM-Signature"
#: A receiver's default tolerance for the signed timestamp.
DEFAULT_TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A new endpoint secret (shown once, at registration)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``<timestamp>.<body>`` under ``secret``."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The value of the ``CRM-Signature`` header for ``body`` sent now."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return f"t={stamp},v1={signature(secret, stamp, body)}"


def verify(
    secret: str,
    body: bytes,
    header: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and is not older than
    ``tolerance`` seconds (what a receiver does; the docs show the same in a few lines)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        stamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - stamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, stamp, body), parts.get("v1", ""))
