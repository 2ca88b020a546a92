"""Root query fields of the integration domain (ADMIN only)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from crm_graphql.api.auth import allow_roles
from crm_graphql.api.context import Info
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.ids import decode_id
from crm_graphql.api.roles import Role
from crm_graphql.domains.integration import models
from crm_graphql.domains.integration.event_types import EVENT_TYPES, WEBHOOK_API_VERSION
from crm_graphql.domains.integration.types import (
    DeliveryStatus,
    ImportJob,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
    WebhookEventTypes,
)

#: Most rows of one page of deliveries.
MAX_PAGE = 100


def _page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise CrmError(f"`first` must be between 1 and {MAX_PAGE}.", ErrorCode.BAD_USER_INPUT)
    return first


@strawberry.type
class IntegrationQueries:
    @strawberry.field(description="The event types webhooks can subscribe to, versioned.")
    def webhook_event_types(self) -> WebhookEventTypes:
        return WebhookEventTypes(
            version=WEBHOOK_API_VERSION,
            types=[WebhookEventType(name=n, description=d) for n, d in EVENT_TYPES.items()],
        )

    @strawberry.field(
        description="Every registered webhook endpoint, newest first. ADMIN only.",
        extensions=allow_roles(Role.ADMIN),
    )
    async def webhook_endpoints(self) -> list[WebhookEndpoint]:
        rows = await models.WebhookEndpoint.all().order_by("-id")
        return [WebhookEndpoint.of(row) for row in rows]

    @strawberry.field(
        description="Deliveries of webhooks, newest first, each with every attempt (status "
        "code, duration, error, response excerpt). ADMIN only.",
        extensions=allow_roles(Role.ADMIN),
    )
    async def webhook_deliveries(
        self,
        endpoint_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this endpoint's deliveries."),
        ] = None,
        status: Annotated[
            DeliveryStatus | None, strawberry.argument(description="Only deliveries in it.")
        ] = None,
        first: Annotated[int, strawberry.argument(description="How many (1-100).")] = 20,
        before: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only deliveries older than this one (paging)."),
        ] = None,
    ) -> list[WebhookDelivery]:
        query = models.WebhookDelivery.all()
        if endpoint_id is not None:
            query = query.filter(
                endpoint_id=decode_id(endpoint_id, "WebhookEndpoint", "endpointId")
            )
        if status is not None:
            query = query.filter(status=status.value)
        if before is not None:
            query = query.filter(id__lt=decode_id(before, "WebhookDelivery", "before"))
        rows = await query.order_by("-id").limit(_page_size(first))
        attempts: dict[int, list[WebhookAttempt]] = {row.pk: [] for row in rows}
        if rows:
            for attempt in await models.WebhookAttempt.filter(
                delivery_id__in=list(attempts)
            ).order_by("delivery_id", "attempt"):
                attempts[attempt.delivery_id].append(WebhookAttempt.of(attempt))
        return [WebhookDelivery.of(row, attempts[row.pk]) for row in rows]

    @strawberry.field(
        description="A CSV import job and its progress; null when there is none. ADMIN and "
        "MANAGER, or whoever started it.",
    )
    async def import_job(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Global ID of the job.")],
    ) -> ImportJob | None:
        principal = info.context.principal
        row = await models.ImportJob.get_or_none(pk=decode_id(id, "ImportJob"))
        if row is None or principal is None:
            return None
        if principal.role not in (Role.ADMIN, Role.MANAGER) and (
            row.created_by_id is None or row.created_by_id != principal.user_id
        ):
            return None
        return ImportJob.of(row)
