"""Webhook endpoints, their deliveries and attempts, and CSV import jobs.

Docstrings of models become SQL table comments: keep them free of quotes and semicolons.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields

from crm_graphql.db.models import TimestampedModel


class DeliveryStatus(StrEnum):
    """Where one webhook delivery stands."""

    PENDING = "PENDING"
    RETRYING = "RETRYING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class ImportStatus(StrEnum):
    """Where a CSV import job stands."""

    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class DuplicatePolicy(StrEnum):
    """What an import does with a row that matches an existing record."""

    SKIP = "SKIP"
    UPDATE = "UPDATE"
    CREATE = "CREATE"


class WebhookEndpoint(TimestampedModel):
    """A URL that receives signed POSTs for the event types it subscribes to."""

    id = fields.IntField(primary_key=True)
    url = fields.CharField(max_length=2000)
    description = fields.CharField(max_length=200, null=True)
    event_types: fields.JSONField[Any] = fields.JSONField(default=list)
    #: The signing secret, never returned by the API after registration.
    secret = fields.CharField(max_length=100)
    enabled = fields.BooleanField(default=True)
    disabled_reason = fields.TextField(null=True)
    disabled_at = fields.DatetimeField(null=True)
    #: Start of the current run of failed attempts, null after a success.
    failing_since = fields.DatetimeField(null=True)
    created_by_id = fields.IntField(null=True)

    class Meta:
        table = "webhook_endpoint"


class WebhookDelivery(TimestampedModel):
    """One event sent to one endpoint, with every attempt of it."""

    id = fields.BigIntField(primary_key=True)
    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="deliveries", on_delete=fields.CASCADE
    )
    endpoint_id: int
    #: The outbox event (its ID is the event ID receivers de-duplicate on).
    event_id = fields.BigIntField()
    event_type = fields.CharField(max_length=100)
    #: The JSON body, fixed when the delivery is made (every attempt sends the same).
    body = fields.TextField()
    status = fields.CharEnumField(DeliveryStatus, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    last_status_code = fields.IntField(null=True)
    last_error = fields.TextField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    #: The delivery this one sends again (redeliverWebhook), if any.
    redelivery_of_id = fields.BigIntField(null=True)

    class Meta:
        table = "webhook_delivery"
        indexes = (("endpoint_id", "id"), ("event_id",))


class WebhookAttempt(TimestampedModel):
    """One POST of a delivery: what the receiver answered, and how fast."""

    id = fields.BigIntField(primary_key=True)
    delivery: fields.ForeignKeyRelation[WebhookDelivery] = fields.ForeignKeyField(
        "models.WebhookDelivery", related_name="attempt_rows", on_delete=fields.CASCADE
    )
    delivery_id: int
    attempt = fields.IntField()
    status_code = fields.IntField(null=True)
    duration_ms = fields.IntField()
    error = fields.TextField(null=True)
    response_excerpt = fields.TextField(null=True)

    class Meta:
        table = "webhook_attempt"
        indexes = (("delivery_id", "attempt"),)


class ImportJob(TimestampedModel):
    """A CSV file imported into customers or companies, row by row in batches."""

    id = fields.IntField(primary_key=True)
    entity = fields.CharField(max_length=32)
    #: SHA-256 of the file: the same file with the same options is one job.
    file_sha256 = fields.CharField(max_length=64)
    options_key = fields.CharField(max_length=64)
    file_name = fields.CharField(max_length=255, null=True)
    #: Where the uploaded file is kept until the job has finished.
    file_path = fields.CharField(max_length=1000)
    encoding = fields.CharField(max_length=32)
    delimiter = fields.CharField(max_length=4)
    mapping: fields.JSONField[Any] = fields.JSONField(default=dict)
    duplicate_policy = fields.CharEnumField(DuplicatePolicy, default=DuplicatePolicy.SKIP)
    dry_run = fields.BooleanField(default=False)
    status = fields.CharEnumField(ImportStatus, default=ImportStatus.QUEUED)
    total = fields.IntField(default=0)
    #: Data rows done (written or refused): a restarted job goes on after them.
    processed = fields.IntField(default=0)
    created = fields.IntField(default=0)
    updated = fields.IntField(default=0)
    skipped = fields.IntField(default=0)
    failed = fields.IntField(default=0)
    error = fields.TextField(null=True)
    created_by_id = fields.IntField(null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "import_job"
        unique_together = (("entity", "file_sha256", "options_key"),)


class ImportRowError(TimestampedModel):
    """A row of an import that was refused: its number, column and why."""

    id = fields.BigIntField(primary_key=True)
    job: fields.ForeignKeyRelation[ImportJob] = fields.ForeignKeyField(
        "models.ImportJob", related_name="row_errors", on_delete=fields.CASCADE
    )
    job_id: int
    row = fields.IntField()
    column = fields.CharField(max_length=200, null=True)
    message = fields.TextField()

    class Meta:
        table = "import_row_error"
        indexes = (("job_id", "row"),)
