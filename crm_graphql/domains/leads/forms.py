"""``POST /forms/{form_key}/leads``: lead capture from public websites, no secret.

A form is found by its key (``createLeadForm``). Per form, only pages of its allowed
origins may post (the ``Origin`` header, or the ``Referer``'s origin); per client
address, at most ``CRM_LEAD_FORM_SUBMISSIONS_PER_MINUTE`` submissions a minute (shared
through Redis when ``CRM_REDIS_URL`` is set); a body is at most
``CRM_LEAD_FORM_MAX_BYTES``. A form-encoded post from a form with a redirect address is
answered with a 303 to it; everything else with JSON. Answers never say whether the
e-mail was known.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from redis.asyncio import Redis
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from crm_graphql.api.limits.budget import CostBudget, MemoryBudget, RedisBudget
from crm_graphql.domains.leads.capture import submit
from crm_graphql.domains.leads.models import LeadForm
from crm_graphql.settings import Settings


def _origin_of(request: Request) -> str | None:
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return origin.rstrip("/").lower()
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}".lower()
    return None


def _cors(form: LeadForm | None, origin: str | None) -> dict[str, str]:
    if form is None or origin is None:
        return {}
    if form.allowed_origins and origin not in form.allowed_origins:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }


def _error(code: str, message: str, status: int, headers: dict[str, str], **extra: Any) -> Response:
    return JSONResponse(
        {"accepted": False, "error": {"code": code, "message": message, **extra}},
        status_code=status,
        headers=headers,
    )


def _parse(content_type: str, body: bytes) -> dict[str, Any] | None:
    """The submitted fields, or None when the body cannot be read."""
    try:
        if content_type.startswith("application/json"):
            data = json.loads(body or b"null")
            return data if isinstance(data, dict) else None
        if content_type.startswith("application/x-www-form-urlencoded") or not content_type:
            return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except (ValueError, UnicodeDecodeError):
        return None
    return None


def form_routes(settings: Settings) -> list[Route]:
    """The capture route, with its rate budget (per process, or shared through Redis)."""
    budget: CostBudget = (
        RedisBudget(
            Redis.from_url(settings.redis_url),
            settings.lead_form_submissions_per_minute,
            f"{settings.redis_key_prefix}forms:",
        )
        if settings.redis_url
        else MemoryBudget(settings.lead_form_submissions_per_minute)
    )

    async def capture(request: Request) -> Response:
        key = request.path_params["form_key"]
        form = await LeadForm.get_or_none(key=key, active=True) if len(key) <= 40 else None
        origin = _origin_of(request)
        headers = _cors(form, origin)
        if form is None:
            return _error("FORM_NOT_FOUND", "No such form.", 404, headers)
        if form.allowed_origins and origin not in form.allowed_origins:
            return _error("ORIGIN_NOT_ALLOWED", "This site may not post to this form.", 403, {})
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=headers)
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > settings.lead_form_max_bytes:
            return _error("TOO_LARGE", "The submission is too large.", 413, headers)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > settings.lead_form_max_bytes:
                return _error("TOO_LARGE", "The submission is too large.", 413, headers)
        address = request.client.host if request.client else "unknown"
        charge = await budget.charge(f"form:{address}", 1)
        if not charge.allowed:
            return _error(
                "RATE_LIMITED",
                "Too many submissions; try again later.",
                429,
                {**headers, "Retry-After": str(charge.reset_in_seconds)},
            )
        content_type = request.headers.get("content-type", "").lower()
        fields = _parse(content_type, body)
        if fields is None:
            return _error(
                "BAD_USER_INPUT", "Send a form-encoded or JSON object body.", 400, headers
            )
        result = await submit(form, fields, region=settings.phone_region, client_address=address)
        if not result.accepted:
            return _error(
                "BAD_USER_INPUT", "Some fields are invalid.", 422, headers, fields=result.errors
            )
        if form.redirect_url and not content_type.startswith("application/json"):
            return RedirectResponse(form.redirect_url, status_code=303, headers=headers)
        return JSONResponse({"accepted": True}, status_code=202, headers=headers)

    return [Route("/forms/{form_key}/leads", capture, methods=["POST", "OPTIONS"])]
