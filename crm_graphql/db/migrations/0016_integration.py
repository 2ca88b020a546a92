from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from crm_graphql.domains.integration.models import DeliveryStatus, DuplicatePolicy, ImportStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0015_billing')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ImportJob',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('entity', fields.CharField(max_length=32)),
                ('file_sha256', fields.CharField(description='SHA-256 of the file: the same file with the same options is one job.', max_length=64)),
                ('options_key', fields.CharField(max_length=64)),
                ('file_name', fields.CharField(null=True, max_length=255)),
                ('file_path', fields.CharField(description='Where the uploaded file is kept until the job has finished.', max_length=1000)),
                ('encoding', fields.CharField(max_length=32)),
                ('delimiter', fields.CharField(max_length=4)),
                ('mapping', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('duplicate_policy', fields.CharEnumField(default=DuplicatePolicy.SKIP, description='SKIP: SKIP\nUPDATE: UPDATE\nCREATE: CREATE', enum_type=DuplicatePolicy, max_length=6)),
                ('dry_run', fields.BooleanField(default=False)),
                ('status', fields.CharEnumField(default=ImportStatus.QUEUED, description='QUEUED: QUEUED\nRUNNING: RUNNING\nSUCCEEDED: SUCCEEDED\nFAILED: FAILED', enum_type=ImportStatus, max_length=9)),
                ('total', fields.IntField(default=0)),
                ('processed', fields.IntField(default=0, description='Data rows done (written or refused): a restarted job goes on after them.')),
                ('created', fields.IntField(default=0)),
                ('updated', fields.IntField(default=0)),
                ('skipped', fields.IntField(default=0)),
                ('failed', fields.IntField(default=0)),
                ('error', fields.TextField(null=True, unique=False)),
                ('created_by_id', fields.IntField(null=True)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'import_job', 'app': 'models', 'unique_together': (('entity', 'file_sha256', 'options_key'),), 'pk_attr': 'id', 'table_description': 'A CSV file imported into customers or companies, row by row in batches.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='ImportRowError',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('job', fields.ForeignKeyField('models.ImportJob', source_field='job_id', db_constraint=True, to_field='id', related_name='row_errors', on_delete=OnDelete.CASCADE)),
                ('row', fields.IntField()),
                ('column', fields.CharField(null=True, max_length=200)),
                ('message', fields.TextField(unique=False)),
            ],
            options={'table': 'import_row_error', 'app': 'models', 'indexes': [Index(fields=['job_id', 'row'])], 'pk_attr': 'id', 'table_description': 'A row of an import that was refused: its number, column and why.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='WebhookEndpoint',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('url', fields.CharField(max_length=2000)),
                ('description', fields.CharField(null=True, max_length=200)),
                ('event_types', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('secret', fields.CharField(description='The signing secret, never returned by the API after registration.', max_length=100)),
                ('enabled', fields.BooleanField(default=True)),
                ('disabled_reason', fields.TextField(null=True, unique=False)),
                ('disabled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('failing_since', fields.DatetimeField(null=True, description='Start of the current run of failed attempts, null after a success.', auto_now=False, auto_now_add=False)),
                ('created_by_id', fields.IntField(null=True)),
            ],
            options={'table': 'webhook_endpoint', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A URL that receives signed POSTs for the event types it subscribes to.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('endpoint', fields.ForeignKeyField('models.WebhookEndpoint', source_field='endpoint_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('event_id', fields.BigIntField(description='The outbox event (its ID is the event ID receivers de-duplicate on).')),
                ('event_type', fields.CharField(max_length=100)),
                ('body', fields.TextField(description='The JSON body, fixed when the delivery is made (every attempt sends the same).', unique=False)),
                ('status', fields.CharEnumField(default=DeliveryStatus.PENDING, description='PENDING: PENDING\nRETRYING: RETRYING\nSUCCEEDED: SUCCEEDED\nFAILED: FAILED', enum_type=DeliveryStatus, max_length=9)),
                ('attempts', fields.IntField(default=0)),
                ('last_status_code', fields.IntField(null=True)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('redelivery_of_id', fields.BigIntField(null=True, description='The delivery this one sends again (redeliverWebhook), if any.')),
            ],
            options={'table': 'webhook_delivery', 'app': 'models', 'indexes': [Index(fields=['endpoint_id', 'id']), Index(fields=['event_id'])], 'pk_attr': 'id', 'table_description': 'One event sent to one endpoint, with every attempt of it.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='WebhookAttempt',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('delivery', fields.ForeignKeyField('models.WebhookDelivery', source_field='delivery_id', db_constraint=True, to_field='id', related_name='attempt_rows', on_delete=OnDelete.CASCADE)),
                ('attempt', fields.IntField()),
                ('status_code', fields.IntField(null=True)),
                ('duration_ms', fields.IntField()),
                ('error', fields.TextField(null=True, unique=False)),
                ('response_excerpt', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'webhook_attempt', 'app': 'models', 'indexes': [Index(fields=['delivery_id', 'attempt'])], 'pk_attr': 'id', 'table_description': 'One POST of a delivery: what the receiver answered, and how fast.'},
            bases=['TimestampedModel'],
        ),
    ]
