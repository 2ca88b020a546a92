"""Registering, changing and removing webhook endpoints, and sending a delivery again
(ADMIN only)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types.unset import UNSET
from tortoise.transactions import in_transaction

from crm_graphql.api import audit
from crm_graphql.api.auth import allow_roles
from crm_graphql.api.context import Info
from crm_graphql.api.mutations.problems import Problems, UserError, UserErrorCode
from crm_graphql.api.roles import Role
from crm_graphql.domains.integration import hooks as _hooks  # noqa: F401  (registers the hook)
from crm_graphql.domains.integration import models, webhooks
from crm_graphql.domains.integration.signing import new_secret
from crm_graphql.domains.integration.types import WebhookDelivery, WebhookEndpoint


@strawberry.input(description="A new webhook endpoint.")
class RegisterWebhookEndpointInput:
    url: str = strawberry.field(
        description="http(s) URL that must resolve to public addresses only."
    )
    event_types: list[str] = strawberry.field(
        description="Event types to receive, from `webhookEventTypes` (at least one)."
    )
    description: str | None = strawberry.field(
        default=None, description="What the endpoint is for (up to 200 characters)."
    )


@strawberry.input(description="Changes to a webhook endpoint: only the fields given change.")
class UpdateWebhookEndpointInput:
    url: str | None = strawberry.field(default=UNSET, description="A new URL (checked again).")
    event_types: list[str] | None = strawberry.field(
        default=UNSET, description="The event types to receive."
    )
    description: str | None = strawberry.field(default=UNSET, description="What it is for.")
    enabled: bool | None = strawberry.field(
        default=UNSET,
        description="true enables a disabled endpoint again (clears the reason); false "
        "stops deliveries.",
    )


@strawberry.type(description="The result of registering an endpoint.")
class RegisterWebhookEndpointPayload:
    endpoint: WebhookEndpoint | None = strawberry.field(
        description="The endpoint; null when refused."
    )
    secret: str | None = strawberry.field(
        description="The signing secret: shown this once, never again. Keep it with the "
        "receiver to verify `CRM-Signature`."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it was refused.")


@strawberry.type(description="The result of a change to an endpoint.")
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None = strawberry.field(
        description="The endpoint as saved; null when refused or deleted."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it was refused.")


@strawberry.type(description="The result of redeliverWebhook.")
class RedeliverWebhookPayload:
    delivery: WebhookDelivery | None = strawberry.field(
        description="The new delivery (same event ID and body, signed anew when sent)."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it was refused.")


async def _check(
    problems: Problems,
    info: Info,
    url: str | None,
    event_types: list[str] | None,
    description: str | None,
) -> None:
    if url is not None:
        why = await webhooks.check_url(url.strip(), info.context.settings)
        if why is not None:
            problems.add(
                ["input", "url"], f"This URL cannot receive webhooks: {why}.", UserErrorCode.INVALID
            )
    if event_types is not None:
        if not event_types:
            problems.add(
                ["input", "eventTypes"], "Give at least one event type.", UserErrorCode.REQUIRED
            )
        for name in webhooks.unknown_event_types(event_types):
            problems.add(
                ["input", "eventTypes"], f"Unknown event type {name!r}.", UserErrorCode.INVALID
            )
    if description is not None and len(description) > 200:
        problems.add(["input", "description"], "At most 200 characters.", UserErrorCode.TOO_LONG)


def _endpoint_id(problems: Problems, global_id: str) -> int | None:
    return problems.id_of(["id"], global_id, "WebhookEndpoint")


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        description="Register a webhook endpoint; the answer carries its signing secret, "
        "shown only this once. ADMIN only.",
        extensions=allow_roles(Role.ADMIN),
    )
    async def register_webhook_endpoint(
        self,
        info: Info,
        input: Annotated[
            RegisterWebhookEndpointInput, strawberry.argument(description="The endpoint.")
        ],
    ) -> RegisterWebhookEndpointPayload:
        problems = Problems(info)
        await _check(problems, info, input.url, input.event_types, input.description)
        if problems.errors:
            return RegisterWebhookEndpointPayload(
                endpoint=None, secret=None, user_errors=problems.errors
            )
        secret = new_secret()
        async with in_transaction():
            row = await models.WebhookEndpoint.create(
                url=input.url.strip(),
                event_types=sorted(set(input.event_types)),
                description=input.description,
                secret=secret,
                created_by_id=problems.caller_id,
            )
            await audit.record(
                "webhook_endpoint.create",
                audit.meta_from(info.context),
                entity_type="WebhookEndpoint",
                entity_id=row.pk,
                changes={"url": row.url, "event_types": row.event_types},
            )
        return RegisterWebhookEndpointPayload(
            endpoint=WebhookEndpoint.of(row), secret=secret, user_errors=[]
        )

    @strawberry.mutation(
        description="Change a webhook endpoint (URL, event types, enabled). ADMIN only.",
        extensions=allow_roles(Role.ADMIN),
    )
    async def update_webhook_endpoint(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Global ID of it.")],
        input: Annotated[
            UpdateWebhookEndpointInput, strawberry.argument(description="The changes.")
        ],
    ) -> WebhookEndpointPayload:
        problems = Problems(info)
        pk = _endpoint_id(problems, id)
        given: dict[str, Any] = {
            name: value
            for name, value in (
                ("url", input.url),
                ("event_types", input.event_types),
                ("description", input.description),
                ("enabled", input.enabled),
            )
            if value is not UNSET
        }
        for name in ("url", "event_types", "enabled"):
            if name in given and given[name] is None:
                problems.add(["input", name], "May not be null.", UserErrorCode.REQUIRED)
        await _check(
            problems, info, given.get("url"), given.get("event_types"), given.get("description")
        )
        row = await models.WebhookEndpoint.get_or_none(pk=pk) if pk is not None else None
        if pk is not None and row is None:
            problems.add(["id"], "No such webhook endpoint.", UserErrorCode.NOT_FOUND)
        if problems.errors or row is None:
            return WebhookEndpointPayload(endpoint=None, user_errors=problems.errors)
        values: dict[str, object] = {}
        if "url" in given:
            values["url"] = str(given["url"]).strip()
        if "event_types" in given:
            values["event_types"] = sorted(set(given["event_types"]))
        if "description" in given:
            values["description"] = given["description"]
        if "enabled" in given:
            values["enabled"] = bool(given["enabled"])
            if given["enabled"]:
                values.update(disabled_reason=None, disabled_at=None, failing_since=None)
        async with in_transaction():
            if values:
                await models.WebhookEndpoint.filter(pk=row.pk).update(**values)
            await audit.record(
                "webhook_endpoint.update",
                audit.meta_from(info.context),
                entity_type="WebhookEndpoint",
                entity_id=row.pk,
                changes={k: v for k, v in values.items() if k in given},
            )
        saved = await models.WebhookEndpoint.get(pk=row.pk)
        return WebhookEndpointPayload(endpoint=WebhookEndpoint.of(saved), user_errors=[])

    @strawberry.mutation(
        description="Remove a webhook endpoint and its delivery records. ADMIN only.",
        extensions=allow_roles(Role.ADMIN),
    )
    async def delete_webhook_endpoint(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Global ID of it.")],
    ) -> WebhookEndpointPayload:
        problems = Problems(info)
        pk = _endpoint_id(problems, id)
        if pk is None:
            return WebhookEndpointPayload(endpoint=None, user_errors=problems.errors)
        async with in_transaction():
            deleted = await models.WebhookEndpoint.filter(pk=pk).delete()
            if deleted:
                await audit.record(
                    "webhook_endpoint.delete",
                    audit.meta_from(info.context),
                    entity_type="WebhookEndpoint",
                    entity_id=pk,
                )
        if not deleted:
            problems.add(["id"], "No such webhook endpoint.", UserErrorCode.NOT_FOUND)
        return WebhookEndpointPayload(endpoint=None, user_errors=problems.errors)

    @strawberry.mutation(
        description="Send a delivery again, now: a new delivery of the same event (same "
        "event ID and body) to the same endpoint, retried like any other. ADMIN only.",
        extensions=allow_roles(Role.ADMIN),
    )
    async def redeliver_webhook(
        self,
        info: Info,
        delivery_id: Annotated[
            strawberry.ID, strawberry.argument(description="Global ID of the delivery.")
        ],
    ) -> RedeliverWebhookPayload:
        problems = Problems(info)
        pk = problems.id_of(["deliveryId"], delivery_id, "WebhookDelivery")
        original = (
            await models.WebhookDelivery.get_or_none(pk=pk).select_related("endpoint")
            if pk is not None
            else None
        )
        if pk is not None and original is None:
            problems.add(["deliveryId"], "No such delivery.", UserErrorCode.NOT_FOUND)
        elif original is not None and not original.endpoint.enabled:
            problems.add(
                ["deliveryId"],
                "The endpoint is disabled: enable it first (updateWebhookEndpoint).",
                UserErrorCode.INVALID,
            )
        if problems.errors or original is None:
            return RedeliverWebhookPayload(delivery=None, user_errors=problems.errors)
        async with in_transaction():
            again = await models.WebhookDelivery.create(
                endpoint_id=original.endpoint_id,
                event_id=original.event_id,
                event_type=original.event_type,
                body=original.body,
                redelivery_of_id=original.pk,
            )
            await webhooks.send_later([again])
            await audit.record(
                "webhook_delivery.redeliver",
                audit.meta_from(info.context),
                entity_type="WebhookDelivery",
                entity_id=again.pk,
                changes={"redelivery_of": original.pk},
            )
        return RedeliverWebhookPayload(delivery=WebhookDelivery.of(again, []), user_errors=[])
