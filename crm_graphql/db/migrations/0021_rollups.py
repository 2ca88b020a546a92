from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0020_external_ids')]

    initial = False

    operations = [
        ops.CreateModel(
            name='InteractionAuthorRollup',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='grain|start|dimension values.', max_length=120)),
                ('grain', fields.IntField(description='900 for a quarter hour, 86400 for a UTC day, 2678400 for a UTC month.')),
                ('n', fields.BigIntField(default=0, description='Records in the cell.')),
                ('occurred_at', fields.DatetimeField(null=True, description='Start of the quarter hour or day.', auto_now=False, auto_now_add=False)),
                ('author_id', fields.IntField(null=True)),
                ('duration_seconds', fields.BigIntField(default=0, description='Sum of the durations.')),
                ('duration_present', fields.BigIntField(default=0, description='Durations given.')),
            ],
            options={'table': 'rollup_interaction_author', 'app': 'models', 'indexes': [Index(fields=['grain', 'occurred_at'])], 'pk_attr': 'cell', 'table_description': 'Interactions per quarter hour or day and author.'},
            bases=['RollupCell'],
        ),
        ops.CreateModel(
            name='InteractionDetailRollup',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='grain|start|dimension values.', max_length=120)),
                ('grain', fields.IntField(description='900 for a quarter hour, 86400 for a UTC day, 2678400 for a UTC month.')),
                ('n', fields.BigIntField(default=0, description='Records in the cell.')),
                ('occurred_at', fields.DatetimeField(null=True, description='Start of the quarter hour or day.', auto_now=False, auto_now_add=False)),
                ('channel', fields.CharField(max_length=16)),
                ('direction', fields.CharField(max_length=16)),
                ('author_id', fields.IntField(null=True)),
                ('duration_seconds', fields.BigIntField(default=0, description='Sum of the durations.')),
                ('duration_present', fields.BigIntField(default=0, description='Durations given.')),
            ],
            options={'table': 'rollup_interaction_detail', 'app': 'models', 'indexes': [Index(fields=['grain', 'occurred_at'])], 'pk_attr': 'cell', 'table_description': 'Interactions per quarter hour or day, channel, direction and author.'},
            bases=['RollupCell'],
        ),
        ops.CreateModel(
            name='InteractionRollup',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='grain|start|dimension values.', max_length=120)),
                ('grain', fields.IntField(description='900 for a quarter hour, 86400 for a UTC day, 2678400 for a UTC month.')),
                ('n', fields.BigIntField(default=0, description='Records in the cell.')),
                ('occurred_at', fields.DatetimeField(null=True, description='Start of the quarter hour or day.', auto_now=False, auto_now_add=False)),
                ('channel', fields.CharField(max_length=16)),
                ('direction', fields.CharField(max_length=16)),
                ('duration_seconds', fields.BigIntField(default=0, description='Sum of the durations.')),
                ('duration_present', fields.BigIntField(default=0, description='Durations given.')),
            ],
            options={'table': 'rollup_interaction', 'app': 'models', 'indexes': [Index(fields=['grain', 'occurred_at'])], 'pk_attr': 'cell', 'table_description': 'Interactions per quarter hour or day, channel and direction.'},
            bases=['RollupCell'],
        ),
        ops.CreateModel(
            name='OrderRollup',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='grain|start|dimension values.', max_length=120)),
                ('grain', fields.IntField(description='900 for a quarter hour, 86400 for a UTC day, 2678400 for a UTC month.')),
                ('n', fields.BigIntField(default=0, description='Records in the cell.')),
                ('placed_at', fields.DatetimeField(null=True, description='Start of the quarter hour or day.', auto_now=False, auto_now_add=False)),
                ('status', fields.CharField(max_length=16)),
                ('currency', fields.CharField(max_length=3)),
                ('total_cents', fields.BigIntField(default=0)),
                ('total_present', fields.BigIntField(default=0)),
                ('subtotal_cents', fields.BigIntField(default=0)),
                ('subtotal_present', fields.BigIntField(default=0)),
                ('tax_total_cents', fields.BigIntField(default=0)),
                ('tax_total_present', fields.BigIntField(default=0)),
            ],
            options={'table': 'rollup_order', 'app': 'models', 'indexes': [Index(fields=['grain', 'placed_at'])], 'pk_attr': 'cell', 'table_description': 'Orders per quarter hour or day of placing, status and currency (amounts in cents).'},
            bases=['RollupCell'],
        ),
    ]
