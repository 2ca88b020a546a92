"""GraphQL types of webhooks and import jobs (ADMIN only: the root fields say so)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
import strawberry.scalars

from crm_graphql.api.enums import graphql_enum
from crm_graphql.api.ids import to_global_id
from crm_graphql.domains.integration import models
from crm_graphql.domains.integration.models import DeliveryStatus, DuplicatePolicy, ImportStatus

graphql_enum(
    models.DeliveryStatus,
    "Where one webhook delivery stands.",
    {
        "PENDING": "Not attempted yet.",
        "RETRYING": "Failed at least once; tried again later (with backoff).",
        "SUCCEEDED": "The receiver answered 2xx.",
        "FAILED": "Given up: retried for a day, or the endpoint was disabled.",
    },
)
graphql_enum(
    models.ImportStatus,
    "Where a CSV import job stands.",
    {
        "QUEUED": "Waiting for the worker.",
        "RUNNING": "Being imported (or checked, for a dry run).",
        "SUCCEEDED": "Every row was processed (refused rows are in `errors`).",
        "FAILED": "Stopped: the file could not be read (see `error`).",
    },
)
graphql_enum(
    models.DuplicatePolicy,
    "What an import does with a row matching an existing record (normalised e-mail, "
    "phone or company domain).",
    {
        "SKIP": "Leave the existing record alone and count the row as skipped.",
        "UPDATE": "Write the row's non-empty values into the existing record.",
        "CREATE": "Create a new record anyway.",
    },
)


@strawberry.type(description="An event type webhooks can subscribe to.")
class WebhookEventType:
    name: str = strawberry.field(description="e.g. `customer.created`.")
    description: str = strawberry.field(description="When it happens.")


@strawberry.type(description="The documented, versioned list of webhook event types.")
class WebhookEventTypes:
    version: str = strawberry.field(
        description="Version of the list and of the delivery body (`apiVersion` in bodies)."
    )
    types: list[WebhookEventType] = strawberry.field(description="Every event type.")


@strawberry.type(description="A URL that receives signed POSTs of the events it subscribes to.")
class WebhookEndpoint:
    id: strawberry.ID = strawberry.field(description="Global ID of the endpoint.")
    url: str = strawberry.field(description="Where deliveries are POSTed.")
    description: str | None = strawberry.field(description="What the endpoint is for.")
    event_types: list[str] = strawberry.field(description="The event types it receives.")
    enabled: bool = strawberry.field(description="False: nothing is sent to it.")
    disabled_reason: str | None = strawberry.field(
        description="Why it was disabled (e.g. failing for a day), null while enabled."
    )
    disabled_at: datetime | None = strawberry.field(description="When it was disabled.")
    failing_since: datetime | None = strawberry.field(
        description="Start of the current run of failed deliveries; null after a success."
    )
    created_at: datetime = strawberry.field(description="When it was registered.")

    @classmethod
    def of(cls, row: models.WebhookEndpoint) -> WebhookEndpoint:
        return cls(
            id=strawberry.ID(to_global_id("WebhookEndpoint", row.pk)),
            url=row.url,
            description=row.description,
            event_types=list(row.event_types or []),
            enabled=row.enabled,
            disabled_reason=row.disabled_reason,
            disabled_at=row.disabled_at,
            failing_since=row.failing_since,
            created_at=row.created_at,
        )


@strawberry.type(description="One POST of a webhook delivery.")
class WebhookAttempt:
    attempt: int = strawberry.field(description="1 for the first POST, 2 for the first retry...")
    status_code: int | None = strawberry.field(
        description="The receiver's HTTP status; null when there was no answer."
    )
    duration_ms: int = strawberry.field(description="Milliseconds until the answer (or error).")
    error: str | None = strawberry.field(
        description="Why it failed (status, time-out, refused address); null on success."
    )
    response_excerpt: str | None = strawberry.field(
        description="The first 1,000 characters of the receiver's answer."
    )
    at: datetime = strawberry.field(description="When it was sent.")

    @classmethod
    def of(cls, row: models.WebhookAttempt) -> WebhookAttempt:
        return cls(
            attempt=row.attempt,
            status_code=row.status_code,
            duration_ms=row.duration_ms,
            error=row.error,
            response_excerpt=row.response_excerpt,
            at=row.created_at,
        )


@strawberry.type(description="One event sent to one endpoint, with its attempts.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="Global ID of the delivery.")
    endpoint_id: strawberry.ID = strawberry.field(description="Global ID of the endpoint.")
    event_id: str = strawberry.field(
        description="The event's ID as in the body (`evt_...`): the same in every attempt "
        "and redelivery; receivers de-duplicate on it."
    )
    event_type: str = strawberry.field(description="e.g. `customer.created`.")
    status: DeliveryStatus = strawberry.field(description="Where it stands.")
    attempt_count: int = strawberry.field(description="POSTs made so far.")
    last_status_code: int | None = strawberry.field(description="The last answer's status.")
    last_error: str | None = strawberry.field(description="The last failure, if any.")
    created_at: datetime = strawberry.field(description="When it was made.")
    delivered_at: datetime | None = strawberry.field(description="When a POST succeeded.")
    redelivery_of: strawberry.ID | None = strawberry.field(
        description="The delivery this one sends again (redeliverWebhook), if any."
    )
    attempts: list[WebhookAttempt] = strawberry.field(description="Every POST, first first.")

    @classmethod
    def of(cls, row: models.WebhookDelivery, attempts: list[WebhookAttempt]) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(to_global_id("WebhookDelivery", row.pk)),
            endpoint_id=strawberry.ID(to_global_id("WebhookEndpoint", row.endpoint_id)),
            event_id=f"evt_{row.event_id}",
            event_type=row.event_type,
            status=DeliveryStatus(row.status),
            attempt_count=row.attempts,
            last_status_code=row.last_status_code,
            last_error=row.last_error,
            created_at=row.created_at,
            delivered_at=row.delivered_at,
            redelivery_of=(
                strawberry.ID(to_global_id("WebhookDelivery", row.redelivery_of_id))
                if row.redelivery_of_id
                else None
            ),
            attempts=attempts,
        )


@strawberry.type(description="A row of an import that was refused.")
class ImportRowError:
    row: int = strawberry.field(
        description="Line of the file's data (1 is the first row after the header)."
    )
    column: str | None = strawberry.field(
        description="The CSV column at fault (null: the row as a whole)."
    )
    message: str = strawberry.field(description="What is wrong, as the mutations say it.")


@strawberry.type(description="A CSV import and its progress.")
class ImportJob:
    id: strawberry.ID = strawberry.field(description="Global ID of the job.")
    entity: str = strawberry.field(description="What is imported: `customers` or `companies`.")
    status: ImportStatus = strawberry.field(description="Where it stands.")
    dry_run: bool = strawberry.field(description="True: checked and counted, nothing written.")
    duplicate_policy: DuplicatePolicy = strawberry.field(description="What matches get.")
    mapping: strawberry.scalars.JSON = strawberry.field(
        description="CSV column -> field, as used (auto-suggested from the header unless given)."
    )
    encoding: str = strawberry.field(description="The file's encoding as detected.")
    delimiter: str = strawberry.field(description="The column delimiter as sniffed.")
    total: int = strawberry.field(description="Data rows in the file.")
    processed: int = strawberry.field(description="Data rows done so far.")
    created: int = strawberry.field(description="Records created (or that would be).")
    updated: int = strawberry.field(description="Records updated (or that would be).")
    skipped: int = strawberry.field(description="Rows skipped as duplicates.")
    failed: int = strawberry.field(description="Rows refused (see `errors`).")
    error: str | None = strawberry.field(description="Why the job failed as a whole.")
    created_at: datetime = strawberry.field(description="When it was started.")
    finished_at: datetime | None = strawberry.field(description="When it finished.")
    _pk: strawberry.Private[int]

    @strawberry.field(description="Refused rows, in file order.")
    async def errors(
        self,
        first: Annotated[int, strawberry.argument(description="How many (1-1000).")] = 100,
    ) -> list[ImportRowError]:
        rows = (
            await models.ImportRowError.filter(job_id=self._pk)
            .order_by("row", "id")
            .limit(max(1, min(first, 1000)))
        )
        return [ImportRowError(row=r.row, column=r.column, message=r.message) for r in rows]

    @classmethod
    def of(cls, row: models.ImportJob) -> ImportJob:
        return cls(
            id=strawberry.ID(to_global_id("ImportJob", row.pk)),
            entity=row.entity,
            status=ImportStatus(row.status),
            dry_run=row.dry_run,
            duplicate_policy=DuplicatePolicy(row.duplicate_policy),
            mapping=row.mapping,
            encoding=row.encoding,
            delimiter=row.delimiter,
            total=row.total,
            processed=row.processed,
            created=row.created,
            updated=row.updated,
            skipped=row.skipped,
            failed=row.failed,
            error=row.error,
            created_at=row.created_at,
            finished_at=row.finished_at,
            _pk=row.pk,
        )
