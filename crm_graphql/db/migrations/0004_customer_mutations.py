from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from crm_graphql.domains.customers.models import LifecycleStage
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_audit')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CustomerLifecycleChange',
            fields=[
                ('created_at', fields.DatetimeField(description='When the row was created.', auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(description='When the row last changed.', auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1, description='Incremented by every update.')),
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='lifecycle_changes', on_delete=OnDelete.CASCADE)),
                ('stage', fields.CharEnumField(description='LEAD: LEAD\nPROSPECT: PROSPECT\nCUSTOMER: CUSTOMER\nCHURNED: CHURNED', enum_type=LifecycleStage, max_length=16)),
                ('changed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('changed_by', fields.ForeignKeyField('models.User', source_field='changed_by_id', null=True, db_constraint=True, to_field='id', related_name='customer_stage_changes', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'customer_lifecycle_change', 'app': 'models', 'indexes': [Index(fields=['customer_id', 'changed_at'])], 'pk_attr': 'id', 'table_description': 'One change of a customer lifecycle stage: the history behind the current stage.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='IdempotencyRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=64)),
                ('result', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'idempotency_record', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The result of one mutation under one caller-scoped Idempotency-Key.'},
            bases=['Model'],
        ),
    ]
