from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from crm_graphql.events.models import DeliveryState
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0007_analytics_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='EventLock',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
            ],
            options={'table': 'event_lock', 'app': 'models', 'pk_attr': 'name', 'table_description': 'A named lock row: only the holder of the scheduler row runs a scheduling pass.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboxEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('type', fields.CharField(description='e.g. opportunity.stage_changed', max_length=100)),
                ('entity_type', fields.CharField(max_length=64)),
                ('entity_id', fields.CharField(max_length=64)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('actor_id', fields.IntField(null=True, description='The user who caused it, if any.')),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('relayed_at', fields.DatetimeField(null=True, description='When the relay handed it to its subscribers, null until then.', auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbox_event', 'app': 'models', 'indexes': [Index(fields=['relayed_at', 'id']), Index(fields=['entity_type', 'entity_id']), Index(fields=['type', 'created_at'])], 'pk_attr': 'id', 'table_description': 'Something that happened, written in the transaction of the change it describes.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EventDelivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('models.OutboxEvent', source_field='event_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('subscriber', fields.CharField(max_length=100)),
                ('state', fields.CharEnumField(default=DeliveryState.PENDING, description='PENDING: PENDING\nRETRYING: RETRYING\nRUNNING: RUNNING\nDONE: DONE\nFAILED: FAILED', enum_type=DeliveryState, max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('due_at', fields.DatetimeField(null=True, db_index=True, description='When it is handed to the queue again unless finished, null once finished.', auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'event_delivery', 'app': 'models', 'unique_together': (('event', 'subscriber'),), 'indexes': [Index(fields=['subscriber', 'state', 'created_at'])], 'pk_attr': 'id', 'table_description': 'The run of one subscriber on one event: its state, attempts and last error.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ScheduledEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=200)),
                ('due_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('type', fields.CharField(max_length=100)),
                ('entity_type', fields.CharField(max_length=64)),
                ('entity_id', fields.CharField(max_length=64)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('actor_id', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'scheduled_event', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An event that happens at a given time (a reminder, a due date), unique by key.'},
            bases=['Model'],
        ),
    ]
