from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0021_rollups')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OpportunityRollup',
            fields=[
                ('cell', fields.CharField(primary_key=True, unique=True, db_index=True, description='grain|start|dimension values.', max_length=120)),
                ('grain', fields.IntField(description='900 for a quarter hour, 86400 for a UTC day, 2678400 for a UTC month.')),
                ('n', fields.BigIntField(default=0, description='Records in the cell.')),
                ('created_at', fields.DatetimeField(null=True, description='Start of the quarter hour or day.', auto_now=False, auto_now_add=False)),
                ('stage', fields.CharField(max_length=16)),
                ('owner_id', fields.IntField(null=True)),
                ('currency', fields.CharField(max_length=3)),
                ('amount_cents', fields.BigIntField(default=0, description='Sum of the amounts in cents.')),
                ('amount_present', fields.BigIntField(default=0, description='Amounts given.')),
                ('probability', fields.BigIntField(default=0, description='Sum of the probabilities.')),
                ('probability_present', fields.BigIntField(default=0, description='Probabilities given.')),
            ],
            options={'table': 'rollup_opportunity', 'app': 'models', 'indexes': [Index(fields=['grain', 'created_at'])], 'pk_attr': 'cell', 'table_description': 'Opportunities per quarter hour or day of creation, stage, owner and currency.'},
            bases=['RollupCell'],
        ),
    ]
