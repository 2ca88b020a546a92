from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_auth')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('action', fields.CharField(max_length=64)),
                ('actor_user_id', fields.IntField(null=True)),
                ('actor_api_key_id', fields.IntField(null=True)),
                ('actor_label', fields.CharField(null=True, max_length=200)),
                ('entity_type', fields.CharField(null=True, max_length=64)),
                ('entity_id', fields.CharField(null=True, max_length=64)),
                ('changes', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('client_address', fields.CharField(null=True, max_length=45)),
                ('request_id', fields.CharField(null=True, max_length=64)),
            ],
            options={'table': 'audit_event', 'app': 'models', 'indexes': [Index(fields=['occurred_at', 'id']), Index(fields=['entity_type', 'entity_id']), Index(fields=['action', 'occurred_at']), Index(fields=['actor_user_id', 'occurred_at'])], 'pk_attr': 'id', 'table_description': 'One security-relevant action: a change, a sign-in or a use of an API key.'},
            bases=['Model'],
        ),
    ]
