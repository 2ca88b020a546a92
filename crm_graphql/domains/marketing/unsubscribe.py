"""The public unsubscribe link: ``GET`` and ``POST /unsubscribe/{token}``, no sign-in.

The token names one campaign member and its customer, and expires; it is a JWT signed
with HMAC-SHA256 under a key derived from the server secret (``CRM_JWT_SECRET``) for
this purpose only, with its own audience, so that neither a sign-in token nor a token
for another customer can be made from it. ``GET`` shows a plain page with one button
(mail scanners that follow links change nothing); ``POST`` (the button, or a mail
client's one-click ``List-Unsubscribe-Post``) withdraws the customer's e-mail consent
and marks the member UNSUBSCRIBED. A tampered or expired token gets a plain page saying
so, and nothing changes.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape

import jwt
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route
from tortoise.transactions import in_transaction

from crm_graphql.api.audit import AuditMeta
from crm_graphql.domains.marketing import members
from crm_graphql.domains.marketing.models import CampaignMember, ConsentChannel, MemberStatus
from crm_graphql.settings import Settings

#: How long an unsubscribe link works after it was made.
TOKEN_DAYS = 365
AUDIENCE = "crm:unsubscribe"
ALGORITHM = "HS256"
#: What the consent row says the answer came from.
SOURCE = "unsubscribe link"


class TokenRefused(Exception):
    """A token that is not one of ours (tampered, malformed) or that has expired."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@dataclass(frozen=True)
class Unsubscribe:
    """What a valid token names."""

    member_id: int
    customer_id: int


def _key(settings: Settings) -> bytes:
    if settings.jwt_secret is None:
        raise RuntimeError("CRM_JWT_SECRET is not set")
    secret = settings.jwt_secret.get_secret_value().encode()
    # A key of its own: a token signed for sign-in can never pass as this one.
    return hmac.new(secret, b"crm-graphql unsubscribe link", hashlib.sha256).digest()


def make_token(
    settings: Settings, member_id: int, customer_id: int, *, now: datetime | None = None
) -> str:
    """The token of one member's unsubscribe link."""
    now = now or datetime.now(UTC)
    claims = {
        "sub": str(member_id),
        "cus": customer_id,
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(days=TOKEN_DAYS)).timestamp()),
    }
    return jwt.encode(claims, _key(settings), algorithm=ALGORITHM)


def read_token(settings: Settings, token: str) -> Unsubscribe:
    """The member and customer a token names; :class:`TokenRefused` otherwise."""
    try:
        claims = jwt.decode(
            token,
            _key(settings),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["exp", "sub", "aud"]},
        )
        return Unsubscribe(int(claims["sub"]), int(claims["cus"]))
    except jwt.ExpiredSignatureError:
        raise TokenRefused(expired=True) from None
    except (jwt.InvalidTokenError, KeyError, TypeError, ValueError):
        raise TokenRefused(expired=False) from None


def path_of(settings: Settings, member: CampaignMember) -> str:
    """The path of a member's unsubscribe link (``/unsubscribe/<token>``)."""
    return f"/unsubscribe/{make_token(settings, member.pk, member.customer_id)}"


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem">
<h1>{title}</h1>
<p>{text}</p>
{form}
</body></html>
"""


def _page(title: str, text: str, status: int = 200, form: str = "") -> HTMLResponse:
    body = PAGE.format(title=escape(title), text=escape(text), form=form)
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _refused(refused: TokenRefused) -> HTMLResponse:
    if refused.expired:
        return _page(
            "Link expired",
            "This unsubscribe link has expired. Nothing was changed; use the link in a "
            "more recent message.",
            410,
        )
    return _page("Link not valid", "This unsubscribe link is not valid. Nothing was changed.", 400)


async def unsubscribe(request: Request) -> HTMLResponse:
    """``GET``: ask; ``POST``: withdraw e-mail consent and mark the member UNSUBSCRIBED."""
    settings: Settings = request.app.state.settings
    token = request.path_params["token"]
    try:
        if len(token) > 1000:
            raise TokenRefused(expired=False)
        named = read_token(settings, token)
    except TokenRefused as refused:
        return _refused(refused)
    member = await CampaignMember.get_or_none(pk=named.member_id, customer_id=named.customer_id)
    if member is None:
        return _refused(TokenRefused(expired=False))
    if request.method == "GET":
        form = (
            '<form method="post"><button type="submit">Unsubscribe</button></form>'
            if member.status != MemberStatus.UNSUBSCRIBED
            else ""
        )
        if not form:
            return _page("Unsubscribed", "You no longer receive marketing e-mails from us.")
        return _page("Unsubscribe", "Stop receiving marketing e-mails from us?", form=form)
    now = datetime.now(UTC)
    client = request.client
    meta = AuditMeta(
        actor_label=SOURCE,
        client_address=client.host if client is not None else None,
        request_id=getattr(request.state, "request_id", None),
    )
    async with in_transaction():
        await members.apply_responses(
            [members.Response(member.pk, member.customer_id, MemberStatus.UNSUBSCRIBED, now)]
        )
        await members.set_consent([member.customer_id], ConsentChannel.EMAIL, False, SOURCE, meta)
    return _page("Unsubscribed", "You no longer receive marketing e-mails from us.")


def unsubscribe_routes() -> list[Route]:
    """The unsubscribe link's route (public: the token is the credential)."""
    return [Route("/unsubscribe/{token}", unsubscribe, methods=["GET", "POST"])]
