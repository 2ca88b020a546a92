"""Webhook endpoints and deliveries: registration with its checks, making the
deliveries of an event, and one signed POST with its record."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from crm_graphql.domains.integration.event_types import EVENT_TYPES, WEBHOOK_API_VERSION
from crm_graphql.domains.integration.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from crm_graphql.domains.integration.signing import SIGNATURE_HEADER, signature_header
from crm_graphql.domains.integration.ssrf import UnsafeUrl, resolve
from crm_graphql.events import Event, NewEvent, emit_many
from crm_graphql.settings import Settings, load_settings

#: The event that sends one delivery (one per endpoint and event).
DELIVERY_DUE = "webhook.delivery_due"
#: Longest part of a receiver's answer kept with an attempt.
EXCERPT_CHARS = 1000
USER_AGENT = "crm-graphql-webhooks/1"

_settings: Settings | None = None


def configure(settings: Settings | None) -> None:
    """The settings deliveries use in this process (default: the environment's)."""
    global _settings
    _settings = settings


def current_settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = load_settings()
    return _settings


def unknown_event_types(event_types: Sequence[str]) -> list[str]:
    """The types of ``event_types`` that are not in the documented list."""
    return [name for name in event_types if name not in EVENT_TYPES]


async def check_url(url: str, settings: Settings) -> str | None:
    """Why ``url`` may not receive webhooks, or None when it may."""
    try:
        await resolve(url, allow_loopback=settings.webhook_allow_loopback)
    except UnsafeUrl as exc:
        return str(exc)
    return None


def body_of(event: Event) -> str:
    """The JSON body of every delivery of ``event``."""
    return delivery_body(event.id, event.type, event.created_at, event.data)


def delivery_body(
    event_id: int, event_type: str, created_at: datetime, data: dict[str, Any]
) -> str:
    """The JSON body of a delivery (the same shape for every event)."""
    return json.dumps(
        {
            "id": f"evt_{event_id}",
            "type": event_type,
            "apiVersion": WEBHOOK_API_VERSION,
            "createdAt": created_at.astimezone(UTC).isoformat(),
            "data": data,
        },
        separators=(",", ":"),
        sort_keys=True,
    )


async def deliver_to(
    endpoint_id: int, event_id: int, event_type: str, data: dict[str, Any]
) -> WebhookDelivery | None:
    """One delivery of an event to one endpoint, whatever it subscribes to (an automation
    rule calling it), sent like every other delivery: signed, retried with backoff,
    recorded with its attempts. In the caller's transaction; None when that endpoint
    already has a delivery of this event (a run done before)."""
    if await WebhookDelivery.filter(endpoint_id=endpoint_id, event_id=event_id).exists():
        return None
    delivery = await WebhookDelivery.create(
        endpoint_id=endpoint_id,
        event_id=event_id,
        event_type=event_type,
        body=delivery_body(event_id, event_type, datetime.now(UTC), data),
    )
    await send_later([delivery])
    return delivery


async def make_deliveries(event: Event) -> list[WebhookDelivery]:
    """One delivery per enabled endpoint subscribed to ``event``'s type, and the events
    that send them (in the caller's transaction)."""
    endpoints = [
        endpoint
        for endpoint in await WebhookEndpoint.filter(enabled=True).only("id", "event_types")
        if event.type in (endpoint.event_types or [])
    ]
    if not endpoints:
        return []
    text = body_of(event)
    deliveries = [
        await WebhookDelivery.create(
            endpoint_id=endpoint.pk, event_id=event.id, event_type=event.type, body=text
        )
        for endpoint in endpoints
    ]
    await send_later(deliveries)
    return deliveries


async def send_later(deliveries: Sequence[WebhookDelivery]) -> None:
    """The events that send ``deliveries`` (in the caller's transaction)."""
    await emit_many(
        [
            NewEvent(
                DELIVERY_DUE, "webhook_delivery", delivery.pk, {"endpoint": delivery.endpoint_id}
            )
            for delivery in deliveries
        ]
    )


@dataclass(frozen=True)
class AttemptResult:
    """What one POST did."""

    status_code: int | None
    duration_ms: int
    error: str | None
    excerpt: str | None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def post(
    endpoint: WebhookEndpoint, delivery: WebhookDelivery, settings: Settings
) -> AttemptResult:
    """POST the delivery's body, signed now, to the address its URL resolves to now."""
    started = time.perf_counter()

    def result(code: int | None, error: str | None, excerpt: str | None = None) -> AttemptResult:
        elapsed = int((time.perf_counter() - started) * 1000)
        return AttemptResult(code, elapsed, error, excerpt)

    try:
        target = await resolve(endpoint.url, allow_loopback=settings.webhook_allow_loopback)
    except UnsafeUrl as exc:
        return result(None, f"refused: {exc}")
    body = delivery.body.encode()
    url = httpx.URL(endpoint.url)
    # Connect to the address just checked; the Host header and TLS (SNI and the
    # certificate check) keep using the URL's host name.
    connect_url = url.copy_with(host=str(target.address))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Host": url.netloc.decode(),
        "CRM-Event-Id": f"evt_{delivery.event_id}",
        "CRM-Event-Type": delivery.event_type,
        "CRM-Delivery-Id": str(delivery.pk),
        SIGNATURE_HEADER: signature_header(endpoint.secret, body),
    }
    extensions: dict[str, Any] = {}
    if target.scheme == "https":
        extensions["sni_hostname"] = target.host
    try:
        response = await _client().post(
            connect_url,
            content=body,
            headers=headers,
            extensions=extensions,
            timeout=settings.webhook_timeout_seconds,
        )
    except httpx.TimeoutException:
        return result(None, f"timed out after {settings.webhook_timeout_seconds:g} s")
    except httpx.HTTPError as exc:
        return result(None, f"{type(exc).__name__}: {exc}"[:1000])
    excerpt = response.text[:EXCERPT_CHARS] if response.content else None
    if 300 <= response.status_code < 400:
        return result(response.status_code, "redirects are not followed", excerpt)
    error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return result(response.status_code, error, excerpt)


_CLIENTS: dict[int, httpx.AsyncClient] = {}


def _client() -> httpx.AsyncClient:
    """This event loop's HTTP client: one TLS context for every delivery, and no
    connection kept open (a connection is to the address checked for one URL, and must
    not serve another host name at the same address)."""
    loop = id(asyncio.get_running_loop())
    client = _CLIENTS.get(loop)
    if client is None:
        client = _CLIENTS[loop] = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_keepalive_connections=0),
        )
    return client


class DeliveryFailed(Exception):
    """An attempt failed; the event machinery retries it with backoff."""


class GiveUp(Exception):
    """A delivery that is not tried again (the message says why)."""


async def attempt(delivery_id: int, settings: Settings) -> None:
    """One attempt of a delivery, recorded; raises :class:`DeliveryFailed` to be retried
    later, :class:`GiveUp` when it is over."""
    delivery = await WebhookDelivery.get_or_none(pk=delivery_id).select_related("endpoint")
    if delivery is None or delivery.status in (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED):
        return
    endpoint = delivery.endpoint
    now = datetime.now(UTC)
    if not endpoint.enabled:
        await _finish(delivery, DeliveryStatus.FAILED, error="the endpoint is disabled")
        raise GiveUp("the endpoint is disabled")
    outcome = await post(endpoint, delivery, settings)
    number = delivery.attempts + 1
    await WebhookAttempt.create(
        delivery_id=delivery.pk,
        attempt=number,
        status_code=outcome.status_code,
        duration_ms=outcome.duration_ms,
        error=outcome.error,
        response_excerpt=outcome.excerpt,
    )
    delivery.attempts = number
    delivery.last_status_code = outcome.status_code
    if outcome.succeeded:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.delivered_at = now
        delivery.last_error = None  # type: ignore[assignment]
        await delivery.save(
            update_fields=["attempts", "last_status_code", "status", "delivered_at", "last_error"]
        )
        if endpoint.failing_since is not None:
            await WebhookEndpoint.filter(pk=endpoint.pk).update(failing_since=None)
        return
    error = outcome.error or "failed"
    failing_since = endpoint.failing_since or now
    if endpoint.failing_since is None:
        await WebhookEndpoint.filter(pk=endpoint.pk, failing_since=None).update(failing_since=now)
    if now - failing_since >= timedelta(hours=settings.webhook_disable_after_hours):
        reason = (
            f"Disabled at {now.isoformat(timespec='seconds')}: every delivery failed since "
            f"{failing_since.isoformat(timespec='seconds')}; last error: {error}"
        )
        await WebhookEndpoint.filter(pk=endpoint.pk).update(
            enabled=False, disabled_reason=reason, disabled_at=now
        )
        await _finish(delivery, DeliveryStatus.FAILED, error=error)
        raise GiveUp(reason)
    if now - delivery.created_at >= timedelta(hours=settings.webhook_retry_hours):
        await _finish(delivery, DeliveryStatus.FAILED, error=error)
        raise GiveUp(f"no success within {settings.webhook_retry_hours:g} h: {error}")
    delivery.status = DeliveryStatus.RETRYING
    delivery.last_error = error
    await delivery.save(update_fields=["attempts", "last_status_code", "status", "last_error"])
    raise DeliveryFailed(f"attempt {number}: {error}")


async def _finish(delivery: WebhookDelivery, status: DeliveryStatus, *, error: str) -> None:
    delivery.status = status
    delivery.last_error = error
    await delivery.save(update_fields=["attempts", "last_status_code", "status", "last_error"])
