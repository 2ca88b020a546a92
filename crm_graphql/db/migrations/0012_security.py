from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0011_support')]

    initial = False

    operations = [
        ops.CreateModel(
            name='LoginRefusal',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('client_address', fields.CharField(max_length=45)),
                ('window_start', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('count', fields.IntField(default=0)),
                ('reported', fields.BooleanField(default=False)),
            ],
            options={'table': 'auth_login_refusal', 'app': 'models', 'unique_together': (('client_address', 'window_start'),), 'indexes': [Index(fields=['reported', 'window_start'])], 'pk_attr': 'id', 'table_description': 'Logins refused without checking the password (throttled), counted per client'},
            bases=['Model'],
        ),
    ]
